"""The app in a real Chromium: upload files through the browser, as a user does."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import upload_and_load

pytestmark = pytest.mark.browser


def test_upload_a_file_then_a_broken_one(app_url: str, page, tmp_path: Path, shared_file):
    day = shared_file("online_retail/by-day/2010-12-01.csv")
    page.goto(f"{app_url}/data")  # a page's URL as the server's first request: lands on Home
    page.get_by_text("Nothing is loaded yet.").wait_for()
    assert not page.get_by_test_id("stException").count()
    page.get_by_test_id("stSidebarNav").get_by_text("Data", exact=True).click()
    page.get_by_text("The workspace has no tables yet.").wait_for()

    upload_and_load(page, day)
    page.get_by_text("2010-12-01.csv: loaded 3,108 rows into t_2010_12_01").wait_for()
    sidebar_tables = page.get_by_test_id("stSidebarUserContent").locator("li")
    assert sidebar_tables.all_inner_texts() == ["t_2010_12_01 · transactions · 3,108 rows"]
    page.get_by_role("tab", name="Quality").click()
    page.get_by_test_id("stMetric").filter(has_text="Rows").first.wait_for()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    upload_and_load(page, bad)
    error = page.get_by_test_id("stAlertContentError").filter(has_text="bad.csv")
    error.wait_for()
    assert "PNG image" in error.inner_text()
    assert sidebar_tables.all_inner_texts() == ["t_2010_12_01 · transactions · 3,108 rows"]

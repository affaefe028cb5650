"""The Results page in a real Chromium: a readout, then a migration, with their downloads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import campaign_workspace, chromium_context, serve_app

pytestmark = pytest.mark.browser


def test_results_page_reads_out_and_follows_customers(tmp_path: Path):
    workspace = campaign_workspace(tmp_path)
    with serve_app(workspace, tmp_path / "streamlit.log") as app, chromium_context() as context:
        page = context.new_page()
        page.goto(app.url)
        page.get_by_test_id("stSidebarNav").get_by_text("Results", exact=True).click()
        page.get_by_role("heading", name="Results", level=1).wait_for()
        page.get_by_role("button", name="Read out the campaign").click()
        page.get_by_text("the campaign worked here").first.wait_for()
        assert not page.get_by_test_id("stException").count()
        page.get_by_test_id("stPlotlyChart").nth(1).locator(".main-svg").first.wait_for()
        with page.expect_download() as info:
            page.get_by_role("button", name="Download the readout (JSON)").click()
        readout = json.loads(Path(info.value.path()).read_text())
        assert readout["export_id"] == "e1" and readout["srm"]["ok"] is True
        page.get_by_role("tab", name="How customers moved").click()
        page.get_by_role("button", name="Follow the customers").click()
        page.get_by_text("The later segments are kept as run r2").wait_for()
        with page.expect_download() as info:
            page.get_by_role("button", name="Download customers (CSV)").click()
        header = Path(info.value.path()).read_text().splitlines()[0]
        assert header == "customer_id,from_segment_id,from_segment,to_segment_id,to_segment"
        assert not page.get_by_test_id("stException").count()

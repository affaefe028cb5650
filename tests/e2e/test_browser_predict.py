"""The Predict page in a real Chromium: predict, read the value, download the table."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import sample_run_workspace, serve_app

pytestmark = pytest.mark.browser


@pytest.fixture
def shop_url(tmp_path: Path):
    """A server over the sample shop (features and a k-means run r1)."""
    path = sample_run_workspace(tmp_path)
    with serve_app(path, tmp_path / "streamlit.log") as running:
        yield running.url


def test_predict_and_download_every_customer(shop_url: str, page, tmp_path: Path):
    page.goto(shop_url)
    page.get_by_test_id("stSidebarNav").get_by_text("Predict", exact=True).click()
    page.get_by_text("press Predict").wait_for()
    page.get_by_role("button", name="Predict", exact=True).click()
    page.get_by_test_id("stMetric").filter(has_text="Predicted value").wait_for()
    assert not page.get_by_test_id("stException").count()
    page.get_by_role("tab", name="Value").click()
    page.get_by_text("Most valuable customers").wait_for()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download every customer's prediction (CSV)").click()
    saved = tmp_path / "prediction.csv"
    download.value.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0].startswith("customer_id,frequency,recency,T,monetary_value,p_alive,")
    assert len(lines) == 1 + 1500

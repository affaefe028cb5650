"""Stop on a long step, in a real Chromium: the step ends, the page says so, nothing is kept."""

from __future__ import annotations

import pytest
from helpers import App, open_page, serve_app, wait_idle

from segmentation.demo.sample import write_sample
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.workspace import open_workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_stop_interrupts_a_sweep_and_says_so(page, tmp_path):
    write_sample(tmp_path, customers=20_000, seed=2)  # a sweep of some seconds
    path = tmp_path / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, tmp_path / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    ws.close()
    with serve_app(path, tmp_path / "streamlit.log") as app:
        assert isinstance(app, App)
        page.goto(app.url)
        open_page(page, "Segment")
        page.get_by_text("How many segments? (k-sweep)").click()
        page.get_by_role("button", name="Run the sweep").click()
        stop = page.get_by_role("button", name="Stop", exact=True)
        stop.wait_for()
        page.get_by_text("Sweeping...").wait_for()  # the running state is shown
        stop.click()
        page.get_by_text("Stopped: sweeping was interrupted and nothing was saved.").wait_for()
        wait_idle(page)
        assert not page.get_by_text("Recommended: k=").count()
        assert not page.get_by_test_id("stException").count()

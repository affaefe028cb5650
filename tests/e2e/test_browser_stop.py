"""Stop on a long step, in a real Chromium: the step ends, the page says so, nothing is kept."""

from __future__ import annotations

import pytest
from helpers import App, open_page, sample_run_workspace, serve_app, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_stop_interrupts_a_sweep_and_says_so(page, tmp_path):
    path = sample_run_workspace(tmp_path)
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

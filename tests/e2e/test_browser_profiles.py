"""The Profiles page in a real Chromium at a narrow width: every segment's description in full."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ARTIFACTS, chromium_context, open_page, sample_run_workspace, serve_app

from segmentation.profiles.build import build_profile
from segmentation.workspace import open_workspace

pytestmark = pytest.mark.browser

WIDTH = 900


def test_segment_descriptions_show_in_full_at_a_narrow_width(tmp_path: Path):
    path = sample_run_workspace(tmp_path)
    ws = open_workspace(path)
    descriptions = [s.description for s in build_profile(ws, "r1").segments]
    ws.close()
    assert len(descriptions) == 5 and all(len(d) > 80 for d in descriptions)
    with serve_app(path, tmp_path / "streamlit.log") as app, chromium_context() as context:
        page = context.new_page()
        page.set_viewport_size({"width": WIDTH, "height": 1000})
        page.goto(app.url)
        open_page(page, "Profiles")
        for text in descriptions:
            shown = page.get_by_text(text).filter(visible=True)
            shown.first.wait_for()
            box = shown.first.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, text
            assert shown.first.evaluate("e => e.scrollWidth <= e.clientWidth"), text
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "profiles-narrow.png"), full_page=True)

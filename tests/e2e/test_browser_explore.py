"""The Explore map in a real Chromium with more customers than it draws: a sample over the
shading of everyone, a box selection, "Zoom to this area" drawing every customer of the area, a
selection inside the zoomed map, and "Whole map" again."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import Steps, next_frames, open_page, serve_app, wait_idle

from segmentation.explore.points import MAX_POINTS
from segmentation.features.definitions import BEHAVIOURAL_FEATURES
from segmentation.segment.runs import run_segmentation
from segmentation.workspace import ColumnInfo, TableInfo, open_workspace

pytestmark = pytest.mark.browser

CUSTOMERS = MAX_POINTS + 6_000


def _workspace(path: Path) -> None:
    """A feature table of CUSTOMERS customers in 6 groups and a k-means run (k = 6) on it."""
    rng = np.random.default_rng(5)
    groups = rng.integers(0, 6, size=CUSTOMERS)
    centres = rng.normal(0.0, 1.5, size=(6, len(BEHAVIOURAL_FEATURES)))
    values = np.exp(centres[groups] + rng.normal(0.0, 0.4, (CUSTOMERS, centres.shape[1])))
    frame = pd.DataFrame(values, columns=list(BEHAVIOURAL_FEATURES))
    frame.insert(0, "customer_id", [f"C{i:06d}" for i in range(CUSTOMERS)])
    columns = [ColumnInfo("customer_id", "VARCHAR", "customer_id")]
    columns += [ColumnInfo(f, "DOUBLE") for f in BEHAVIOURAL_FEATURES]
    ws = open_workspace(path)
    try:
        with ws.transaction() as cur:
            cur.register("__features", frame)
            cur.execute("CREATE TABLE features AS SELECT * FROM __features").fetchall()
            cur.unregister("__features")
            ws.register_table(cur, TableInfo("features", "features", CUSTOMERS, columns))
        run_segmentation(ws, "features", params={"n_clusters": 6}, seed=1)
    finally:
        ws.close()


def _box_select(page, chart, box: tuple[float, ...], before: int | None = None) -> int:
    """Drag a box over the plot (left, top, right, bottom: shares of its width and height);
    the selected count, once it differs from the count ``before``."""
    left, top, right, bottom = box
    plot = chart.locator(".nsewdrag").first
    plot.wait_for()
    next_frames(page)  # a map drawn anew (zoomed in) has its final size by then
    plot.hover()
    chart.locator('.modebar-btn[data-title="Box Select"]').click()
    chart.locator('.modebar-btn[data-title="Box Select"].active').wait_for(state="attached")
    area = plot.bounding_box()
    page.mouse.move(area["x"] + area["width"] * left, area["y"] + area["height"] * top)
    page.mouse.down()
    page.mouse.move(
        area["x"] + area["width"] * right, area["y"] + area["height"] * bottom, steps=10
    )
    page.mouse.up()
    if before is not None:
        page.get_by_role("heading", name=f"Selected customers: {before:,}").wait_for(
            state="detached"
        )
    heading = page.get_by_role("heading", name=re.compile(r"^Selected customers: [\d,]+$"))
    heading.wait_for()
    wait_idle(page)
    return int(heading.inner_text().rsplit(" ", 1)[1].replace(",", ""))


def _drawn_in_area(page) -> int:
    words = re.compile(r"Zoomed in: all ([\d,]+) customers in this area are drawn\.")
    caption = page.get_by_text(words)
    caption.wait_for()
    return int(words.search(caption.inner_text())[1].replace(",", ""))


def test_zooming_in_draws_every_customer_of_the_selected_area(tmp_path, page):
    _workspace(tmp_path / "ws.duckdb")
    steps = Steps(page, "explore-zoom")
    with serve_app(tmp_path / "ws.duckdb", tmp_path / "streamlit.log") as app:
        with steps.step("1-sample"):
            page.goto(app.url)
            open_page(page, "Explore")
            chart = page.locator(".st-key-explore_chart")
            chart.locator(".legend .traces").nth(5).wait_for()
            page.get_by_text(
                f"Showing {MAX_POINTS:,} of {CUSTOMERS:,} customers as points (a sample in "
                "proportion to each segment); the shading shows where all of them are."
            ).wait_for()
            assert chart.locator(".heatmaplayer image").count() == 1  # the shading
            assert chart.locator(".legend .traces").count() == 6  # segments only
            assert page.get_by_role("button", name="Zoom to this area").is_disabled()
        with steps.step("2-select"):
            selected = _box_select(page, chart, (0.35, 0.35, 0.6, 0.6))
            assert 0 < selected < CUSTOMERS
        with steps.step("3-zoom"):
            page.get_by_role("button", name="Zoom to this area").click()
            wait_idle(page)
            drawn = _drawn_in_area(page)
            assert selected <= drawn <= MAX_POINTS  # every customer of the area, as points
            chart.locator(".heatmaplayer image").wait_for(state="detached")  # all drawn: no shading
        with steps.step("4-select-zoomed"):
            inner = _box_select(page, chart, (0.1, 0.1, 0.5, 0.5), before=selected)
            assert 0 < inner < drawn
        with steps.step("5-whole-map"):
            page.get_by_role("button", name="Whole map").click()
            wait_idle(page)
            page.get_by_text(f"Showing {MAX_POINTS:,} of {CUSTOMERS:,} customers").wait_for()
            page.locator(".st-key-explore_whole button:disabled").wait_for()  # once drawn

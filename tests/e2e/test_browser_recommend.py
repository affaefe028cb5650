"""The Recommend and Customer pages in a real Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import chromium_context, sample_run_workspace, serve_app

from segmentation.ingest.load import ingest_file
from segmentation.workspace import open_workspace

pytestmark = pytest.mark.browser


@pytest.fixture
def shop(tmp_path: Path):
    """A server over the sample shop with a k-means run and its customer table."""
    path = sample_run_workspace(tmp_path)
    ws = open_workspace(path)
    ingest_file(ws, tmp_path / "customers.csv", table="people")
    customer = ws.query("SELECT min(customer_id) FROM _seg.assignments WHERE run_id = 'r1'")[0][0]
    email = ws.query("SELECT email FROM people WHERE customer_id = ?", [customer])[0][0]
    ws.close()
    with serve_app(path, tmp_path / "streamlit.log") as app, chromium_context() as context:
        yield app, context.new_page(), customer, email


def test_make_recommendations_then_look_a_customer_up(shop):
    app, page, customer, email = shop
    page.goto(app.url)
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_text("Recommend", exact=True).click()
    page.get_by_text("No recommendations from this source yet").wait_for()
    page.get_by_role("button", name="Make recommendations").click()
    page.get_by_text("Made item-knn for r1 (rec1).").wait_for()
    page.get_by_text("Does it beat the bestsellers?").wait_for()
    page.get_by_text("What each segment buys more than everyone").wait_for()
    page.get_by_test_id("stPlotlyChart").nth(1).wait_for()  # the evaluation and the lift
    assert not page.get_by_test_id("stException").count()
    with page.expect_download() as info:  # read and written on the click, not on each render
        page.get_by_role("button", name="Download all (CSV)").click()
    lines = Path(info.value.path()).read_text().splitlines()
    assert lines[0] == "customer_id,rank,product,description,score,reason"
    assert len(lines) > 1000 and lines[1].split(",")[1] == "1"

    nav.get_by_text("Customer", exact=True).click()
    box = page.get_by_label("Customer id")
    box.fill(customer)
    box.press("Enter")
    page.get_by_text("What to offer").wait_for()
    page.get_by_text("The rule that covers them").wait_for()
    assert not page.get_by_test_id("stException").count()
    assert email not in page.content()
    page.get_by_text("Show personal fields").click()
    page.get_by_text(email).wait_for()

"""Every page in a real Chromium, as a newcomer clicks through: no error box anywhere, the fixes
of issue 14 seen where only a browser shows them. Screenshots of each page: test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers import App, Steps, choose, metric, open_page, set_number, upload_and_load, wait_idle

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def no_error_box(page) -> None:
    assert not page.get_by_test_id("stException").count(), "a red error box"


def test_every_page_with_the_sample_data(app: App, page, tmp_path: Path):
    steps = Steps(page, "pages-sample")
    steps.always = True
    with steps.step("1-home"):
        page.goto(app.url)
        page.get_by_text("Group similar customers").wait_for()
        page.get_by_role("button", name="Load the sample data").click()
        page.get_by_test_id("stAlertContentSuccess").filter(has_text="Loaded").wait_for()
        wait_idle(page)
        no_error_box(page)
    with steps.step("2-data"):
        open_page(page, "Data")
        assert page.get_by_role("combobox", name="Table").input_value() == "sample_transactions"
        page.get_by_test_id("stDataFrame").first.wait_for()
        no_error_box(page)
    with steps.step("3-features"):
        open_page(page, "Features")
        day = [page.get_by_role("spinbutton", name=f"{part}, As of").inner_text()
               for part in ("year", "month", "day")]  # fmt: skip
        assert day == ["2025", "07", "01"]  # the day after the last order, not today
        page.get_by_role("button", name="Build features").click()
        page.get_by_test_id("stAlertContentSuccess").filter(has_text="as of 2025-07-01").wait_for()
        wait_idle(page)
        no_error_box(page)
    with steps.step("4-segment"):
        open_page(page, "Segment")
        page.get_by_text("How many segments? (k-sweep)").click()
        page.get_by_role("button", name="Run the sweep").click()
        use = page.get_by_role("button", name=re.compile(r"^Use k=\d+$"))
        use.wait_for()
        k = use.inner_text().split("=")[1]
        use.click()
        box = page.get_by_role("spinbutton", name="Number of segments")
        page.wait_for_function("([el, k]) => el.value === k", arg=[box.element_handle(), k])
        wait_idle(page)
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_test_id("stMetricLabel").get_by_text("Silhouette").wait_for()
        wait_idle(page)
        assert metric(page, "Segments") == k
        page.get_by_role("tab", name="Stability").click()
        page.get_by_role("button", name=re.compile("Check stability")).click()
        page.get_by_text("Mean adjusted Rand index").wait_for()
        wait_idle(page)
        assert re.fullmatch(r"-?\d\.\d\d", metric(page, "Stability (ARI)"))
        no_error_box(page)
    with steps.step("5-explore"):
        open_page(page, "Explore")
        chart = page.locator(".st-key-explore_chart")
        chart.locator(".main-svg").first.wait_for()
        chart.locator('.modebar-btn[data-title="Lasso Select"].active').wait_for(state="attached")
        no_error_box(page)
    with steps.step("6-profiles"):
        open_page(page, "Profiles")
        page.locator(".st-key-profiles_heatmap .ytick text").nth(2).wait_for()
        no_error_box(page)
    with steps.step("7-export"):
        open_page(page, "Export")
        set_number(page, "Holdout (% of each segment)", 10)
        page.get_by_role("button", name="Export", exact=True).click()
        buttons = page.get_by_test_id("stDownloadButton")
        buttons.nth(1).wait_for()
        assert buttons.count() == 2  # the list and the holdout, two CSV files
        choose(page, "Format", "Parquet")
        page.get_by_text("export again for a file to download").wait_for()
        # the note shows during the rerun; the old buttons go when it ends (or the wait fails)
        buttons.first.wait_for(state="detached")
        assert not buttons.count()
        page.get_by_test_id("stSidebarNav").get_by_text("Home", exact=True).click()
        page.get_by_text("Group similar customers").wait_for()
        wait_idle(page)
        open_page(page, "Export")
        assert page.get_by_role("combobox", name="Format").input_value() == "Parquet"
        no_error_box(page)


@pytest.mark.parametrize(
    ("relative", "name", "rows"),
    [
        ("mall_customers/Mall_Customers.csv", "mall", 200),
        ("customer_personality/marketing_campaign.csv", "campaign", 2_240),  # 29 columns, tabs
    ],
)
def test_every_page_with_a_real_customer_file(app: App, page, shared_file, relative, name, rows):
    path = shared_file(relative)
    steps = Steps(page, f"pages-{name}")
    steps.always = True
    with steps.step("1-data"):
        page.goto(app.url)
        open_page(page, "Data")
        upload_and_load(page, path)
        page.get_by_text(f"{path.name}: loaded {rows:,} rows").wait_for()
        wait_idle(page)
        no_error_box(page)
    with steps.step("2-features"):
        open_page(page, "Features")
        page.get_by_role("button", name="Build features").click()
        page.get_by_test_id("stAlertContentSuccess").filter(has_text="Built").wait_for()
        wait_idle(page)
        no_error_box(page)
    with steps.step("3-segment"):
        open_page(page, "Segment")
        set_number(page, "Number of segments", 5)
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_test_id("stMetricLabel").get_by_text("Silhouette").wait_for()
        wait_idle(page)
        no_error_box(page)
    for title in ("Explore", "Profiles", "Export"):
        with steps.step(f"4-{title.lower()}"):
            open_page(page, title)
            page.wait_for_timeout(1500)
            wait_idle(page)
            no_error_box(page)

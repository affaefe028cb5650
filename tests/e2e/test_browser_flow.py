"""The whole flow in a real Chromium, as a marketer clicks it: load a day of Online Retail and a
contact list, build features, run k-means, box-select customers on the map and save them as an
audience, read the profiles, and download a Google Ads file and a CSV with a holdout."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import ARTIFACTS, ROOT, App, upload_and_load

PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError


pytestmark = pytest.mark.browser

DAY_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "online_retail" / "by-day"
DAY_FILE = DAY_FILE / "2010-12-01.csv"
FIRST_NAMES = ["Alice", "Bob", "Chloé", "David", "Emma", "Farid", "Grace", "Harry", "Isla"]
LAST_NAMES = ["Smith", "Jones", "O'Brien", "Taylor", "Brown", "Wilson", "Evans", "Thomas"]
HEX64 = re.compile(r"[0-9a-f]{64}")
GOOGLE_HEADER = ["Email", "Phone", "First Name", "Last Name", "Country", "Zip"]


def day_file() -> Path:
    if not DAY_FILE.exists():
        pytest.skip(f"{DAY_FILE} is missing (the real Online Retail data in ../shared/data).")
    return DAY_FILE


def write_contacts(day: Path, out: Path) -> dict[str, tuple[str, str]]:
    """One contact row per distinct customer of the day file, with messy but valid e-mails and
    UK phone numbers; returns each customer's e-mail and phone as written."""
    phonenumbers = pytest.importorskip("phonenumbers")
    countries: dict[str, str] = {}
    with day.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["CustomerID"]:
                countries.setdefault(row["CustomerID"].removesuffix(".0"), row["Country"])
    contacts = {}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["CustomerID", "Email", "Phone", "First Name", "Last Name", "Country"])
        for i, (customer, country) in enumerate(sorted(countries.items())):
            email = (
                f" Customer.{customer}@Example.COM "
                if i % 2
                else f"customer.{customer}@example.com"
            )
            # UK customers write their number the national way, others with +44.
            local = f"7400 {100000 + i:06d}"
            phone = f"0{local}" if country == "United Kingdom" else f"+44 {local}"
            assert phonenumbers.is_valid_number(phonenumbers.parse(phone, "GB")), phone
            first = FIRST_NAMES[i % len(FIRST_NAMES)]
            last = LAST_NAMES[i % len(LAST_NAMES)]
            writer.writerow(
                [customer, email, phone, f"  {first}" if i % 3 else first, last, country]
            )
            contacts[customer] = (email, phone)
    return contacts


def wait_idle(page) -> None:
    """Wait until the script run of the page is over (Streamlit marks the app root)."""
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.get_by_test_id("stStatusWidget").filter(has_text="Running").wait_for(state="hidden")


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    page.get_by_role("heading", name=title, level=1).wait_for()
    wait_idle(page)


def choose(page, label: str, option: str) -> None:
    """Pick ``option`` in the selectbox labelled ``label``."""
    box = page.get_by_role("combobox", name=label, exact=True)
    if box.input_value() == option:
        return
    # The arrow lists every option (typing in the box would filter them). The list closes when
    # the page scrolls, so the box is scrolled into view first and the arrow tried again if
    # the list closed at once.
    opener = page.get_by_test_id("stSelectbox").filter(has=box).get_by_role("button", name="Open")
    item = page.get_by_role("option", name=option, exact=True)
    box.scroll_into_view_if_needed()
    for attempt in range(3):
        next_frames(page)
        if box.get_attribute("aria-expanded") != "true":
            opener.click()
        try:
            item.wait_for(timeout=5_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
    item.click()
    page.wait_for_function(
        "([label, option]) => [...document.querySelectorAll('input[role=combobox]')]"
        ".some(e => e.getAttribute('aria-label') === label && e.value === option)",
        arg=[label, option],
    )
    wait_idle(page)


def next_frames(page) -> None:
    """Let the browser paint twice (a scroll's events are delivered by then)."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def set_number(page, label: str, value: int) -> None:
    box = page.get_by_test_id("stNumberInput").filter(has_text=label).get_by_role("spinbutton")
    box.fill(str(value))
    box.press("Enter")
    page.wait_for_function("([el, v]) => el.value === v", arg=[box.element_handle(), str(value)])
    wait_idle(page)


def metric(page, label: str) -> str:
    """The value of the ``st.metric`` labelled ``label``."""
    found = page.get_by_test_id("stMetric").filter(
        has=page.get_by_test_id("stMetricLabel").get_by_text(label, exact=True)
    )
    return found.first.get_by_test_id("stMetricValue").inner_text().strip()


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def snapshot(page, path: Path) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main block, so the window is
    made as tall as that block for the shot."""
    size = page.viewport_size
    height = page.evaluate(
        "() => Math.max(...['stMain', 'stAppViewContainer', 'stSidebarContent']"
        ".map(id => document.querySelector(`[data-testid=${id}]`)?.scrollHeight || 0))"
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 600), 8000)})
    try:
        page.wait_for_timeout(500)  # only for the picture: widgets re-lay out at the new size
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)


class Steps:
    """Names the step under way; a failure saves a screenshot named after it in test-artifacts/,
    then re-raises. With SEGMENT_SCREENSHOTS=1 every step's end is saved too."""

    def __init__(self, page, prefix: str) -> None:
        self.page, self.prefix = page, prefix
        self.always = os.environ.get("SEGMENT_SCREENSHOTS") == "1"

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        try:
            yield
        except BaseException:
            self.save(f"{name}-failed")
            raise
        if self.always:
            self.save(name)

    def save(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        try:
            snapshot(self.page, ARTIFACTS / f"{self.prefix}-{name}.png")
        except Exception as exc:  # the page may be gone; the test's own error matters more
            print(f"no screenshot of {name}: {exc}")


def download(page, button_name: str, folder: Path) -> Path:
    button = page.get_by_test_id("stDownloadButton").get_by_role("button", name=button_name)
    with page.expect_download() as info:
        button.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


@pytest.mark.slow
def test_the_whole_flow_in_the_browser(app: App, page, tmp_path: Path):
    day = day_file()
    contacts = tmp_path / "contacts.csv"
    written = write_contacts(day, contacts)
    emails = [email for email, _ in written.values()]
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    steps = Steps(page, "flow")

    with steps.step("1-data"):
        page.goto(app.url)
        page.get_by_text("Nothing is loaded yet.").wait_for()
        open_page(page, "Data")
        upload_and_load(page, day)
        page.get_by_text("2010-12-01.csv: loaded 3,108 rows into t_2010_12_01").wait_for()
        page.get_by_text("The first rows of 3,108.").wait_for()
        page.get_by_test_id("stDataFrame").first.wait_for()
        wait_idle(page)
        upload_and_load(page, contacts)
        page.get_by_text(f"contacts.csv: loaded {len(emails)} rows into contacts").wait_for()
        sidebar = page.get_by_test_id("stSidebarUserContent").locator("li")
        sidebar.nth(1).wait_for()
        assert sidebar.all_inner_texts() == [
            "t_2010_12_01 · transactions · 3,108 rows",
            f"contacts · customers · {len(emails)} rows",
        ]
        assert not page.get_by_test_id("stException").count()

    with steps.step("2-features"):
        open_page(page, "Features")
        choose(page, "Source table", "t_2010_12_01")
        page.get_by_role("button", name="Build features").click()
        built = page.get_by_test_id("stAlertContentSuccess").filter(
            has_text="Built t_2010_12_01_features"
        )
        built.wait_for()
        customers = int(re.search(r": ([\d,]+) customers x", built.inner_text())[1])
        assert 0 < customers <= len(emails)
        assert page.get_by_role("combobox", name="Feature table").input_value() == (
            "t_2010_12_01_features"
        )
        page.get_by_test_id("stDataFrame").first.wait_for()
        page.get_by_text(f"{customers:,} customers, built").wait_for()
        wait_idle(page)

    with steps.step("3-segment"):
        open_page(page, "Segment")
        choose(page, "Customer table", "t_2010_12_01_features")
        assert page.get_by_role("combobox", name="Algorithm").input_value() == "k-means"
        set_number(page, "N clusters", 4)
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_test_id("stMetricLabel").get_by_text("Silhouette").wait_for()
        wait_idle(page)
        assert metric(page, "Segments") == "4"
        assert metric(page, "Customers") == f"{customers:,}"
        assert re.fullmatch(r"-?\d\.\d\d", metric(page, "Silhouette"))
        assert re.fullmatch(r"\d+\.\d\d", metric(page, "Davies-Bouldin"))
        run_id = page.get_by_role("combobox", name="Run").input_value().split(":")[0]
        page.get_by_test_id("stPlotlyChart").first.locator(".main-svg").first.wait_for()

    with steps.step("4-explore"):
        open_page(page, "Explore")
        chart = page.locator(".st-key-explore_chart")
        chart.locator(".legend .traces").nth(3).wait_for()  # one legend entry per segment
        assert chart.locator(".legend .traces").count() == 4
        assert chart.locator("canvas").count()  # the points are drawn with WebGL
        plot = chart.locator(".nsewdrag").first
        box = plot.bounding_box()
        plot.hover()
        chart.locator('.modebar-btn[data-title="Box Select"]').click()
        # A box over the left half of the map: some customers, not all of them.
        page.mouse.move(box["x"] + box["width"] * 0.02, box["y"] + box["height"] * 0.02)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.5, steps=10)
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.98, steps=10)
        page.mouse.up()
        heading = page.get_by_role("heading", name=re.compile(r"^Selected customers: [\d,]+$"))
        heading.wait_for()
        wait_idle(page)  # the selection's profile is drawn in the same run as its heading
        selected = int(heading.inner_text().rsplit(" ", 1)[1].replace(",", ""))
        assert 0 < selected < customers
        page.get_by_text(f"{selected:,} of {customers:,} customers").wait_for()
        page.locator(".st-key-explore_sel_index .main-svg").first.wait_for()
        tables = page.get_by_test_id("stDataFrame")
        tables.filter(has_text="share_of_selection").wait_for()  # the segments of the selection
        # The selected customers are listed (the grid's accessible table holds its text).
        members = tables.filter(has_text="customer_id").filter(has_text="items_per_order")
        members.wait_for()
        page.get_by_label("Audience name").fill("Box of the map")
        page.get_by_role("button", name="Save as audience").click()
        page.get_by_test_id("stAlertContentSuccess").filter(
            has_text=f"Saved the audience Box of the map ({selected:,} customers)"
        ).wait_for()
        wait_idle(page)

    with steps.step("5-profiles"):
        open_page(page, "Profiles")
        heatmap = page.locator(".st-key-profiles_heatmap")
        heatmap.locator(".ytick text").nth(3).wait_for()  # one row per segment
        segment_names = heatmap.locator(".ytick text").all_text_contents()  # SVG: no innerText
        assert len(set(segment_names)) == 4 and all(n.strip() for n in segment_names)
        assert metric(page, "Segments") == "4"
        assert metric(page, "Customers") == f"{customers:,}"
        page.get_by_role("tab", name="Segment", exact=True).click()
        picker = page.get_by_role("combobox", name="Segment", exact=True)
        picker.wait_for()
        segment_name = picker.input_value()  # the first segment's generated name
        assert segment_name in segment_names
        page.get_by_test_id("stAlertContentInfo").filter(has_text="Suggested action").wait_for()
        wait_idle(page)

    with steps.step("6-export-google"):
        open_page(page, "Export")
        page.get_by_text("Contact fields from table contacts.").wait_for()
        choose(page, "Format", "Google Ads Customer Match (hashed)")
        assert metric(page, "Customers to export") == f"{customers:,}"
        assert metric(page, "No valid identifier") == "0"
        page.get_by_role("button", name="Export", exact=True).click()
        page.get_by_test_id("stAlertContentSuccess").filter(has_text="is recorded").wait_for()
        google = download(page, f"Download {run_id}-google-ads.csv", downloads)
        wait_idle(page)

    with steps.step("6-export-csv"):
        choose(page, "Format", "CSV (one file)")
        set_number(page, "Holdout (% of each segment)", 10)
        page.get_by_text("can be detected with 80% power").wait_for()
        holdout_rows = int(metric(page, "Holdout").replace(",", ""))
        assert metric(page, "Customers to export") == f"{customers - holdout_rows:,}"
        page.get_by_role("button", name="Export", exact=True).click()
        bundle = f"Download {run_id}-csv-export.zip"
        page.get_by_test_id("stDownloadButton").get_by_role("button", name=bundle).wait_for()
        archive = download(page, bundle, downloads)
        wait_idle(page)
        page.get_by_test_id("stDataFrame").last.wait_for()  # the export log

    # The CSV export: audience and holdout, disjoint, together every customer of the run.
    with zipfile.ZipFile(archive) as bundle_zip:
        names = sorted(bundle_zip.namelist())
        assert names == [f"{run_id}-csv-holdout.csv", f"{run_id}-csv.csv"]
        audience_bytes = bundle_zip.read(f"{run_id}-csv.csv")
        holdout_bytes = bundle_zip.read(f"{run_id}-csv-holdout.csv")
    for data in (audience_bytes, holdout_bytes):
        assert data.decode("utf-8").startswith("customer_id,segment_id,segment")
    audience = read_csv(audience_bytes)
    holdout = read_csv(holdout_bytes)
    audience_ids = {r["customer_id"] for r in audience}
    holdout_ids = {r["customer_id"] for r in holdout}
    assert len(audience_ids) == len(audience) and len(holdout_ids) == len(holdout)
    assert not audience_ids & holdout_ids
    assert len(holdout) == holdout_rows > 0
    assert len(audience) + len(holdout) == customers
    assert {r["segment"] for r in audience + holdout} == set(segment_names)
    assert {r["segment_id"] for r in audience + holdout} == {"1", "2", "3", "4"}
    for segment_id in "1234":  # round_half_up(10% of each segment) held out
        size = sum(r["segment_id"] == segment_id for r in audience + holdout)
        held = sum(r["segment_id"] == segment_id for r in holdout)
        assert held == int(size * 0.1 + 0.5), (segment_id, size, held)

    # The Google Ads file: the platform's columns, hashed identifiers, no raw e-mail anywhere.
    raw = google.read_bytes()
    rows = read_csv(raw)
    assert raw.decode("utf-8").splitlines()[0].split(",") == GOOGLE_HEADER
    assert len(rows) == customers
    for row in rows:
        for column in ("Email", "Phone", "First Name", "Last Name"):
            assert HEX64.fullmatch(row[column]), (column, row[column])
    assert {row["Country"] for row in rows} <= {"GB", "NO", "DE", "IE", "FR", "AU", "NL"}
    assert b"@" not in raw
    for email in emails:
        for form in (email, email.strip(), email.strip().lower()):
            assert form.encode() not in raw
    # Google's normalization (e-mail trimmed and lower-cased, phone in E.164), then SHA-256.
    run_customers = audience_ids | holdout_ids
    assert {row["Email"] for row in rows} == {
        sha256(written[c][0].strip().lower()) for c in run_customers
    }
    assert {row["Phone"] for row in rows} == {
        sha256("+44" + written[c][1].replace(" ", "").removeprefix("+44").removeprefix("0"))
        for c in run_customers
    }


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_cli_is_refused_while_the_app_holds_the_workspace(app: App, page):
    page.goto(app.url)
    page.get_by_text("Nothing is loaded yet.").wait_for()  # the app has opened the workspace
    segment = Path(sys.executable).with_name("segment")  # .venv/bin/segment
    if not segment.exists():
        pytest.skip(f"{segment} is missing: install the project (make test) first.")
    command = [str(segment), "--workspace", str(app.workspace)]
    done = subprocess.run(
        [*command, "tables"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done
    assert "in use by another process" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""

"""Helpers shared by the tests: the app under AppTest, a real Streamlit server, Chromium.

Test modules import from here (``from helpers import make_app``); they never import each other.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.ingest.load import ingest_upload
from segmentation.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[1]
TRANSACTIONS = ROOT / "sample_data" / "transactions.csv"
CUSTOMERS = ROOT / "sample_data" / "customers.csv"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = ROOT / "test-artifacts"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("localhost", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, server: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"streamlit exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().strip() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"streamlit did not answer within {timeout}s:\n{log.read_text()}")


@dataclass(frozen=True)
class App:
    """A running Streamlit server: its URL and the workspace file it serves."""

    url: str
    workspace: Path


@contextmanager
def serve_app(workspace: Path, log: Path) -> Iterator[App]:
    """Run ``streamlit run app.py`` on a free port over ``workspace``; stop it at the end."""
    port = free_port()
    env = dict(
        os.environ,
        SEGMENT_WORKSPACE=str(workspace),
        STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
    )
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    command += ["--server.headless", "true"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://localhost:{port}"
        wait_healthy(url, server, log)
        yield App(url, workspace)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@contextmanager
def chromium_context() -> Iterator:
    """A Playwright browser context in Debian's headless Chromium (downloads accepted);
    skips the test when Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium to run browser tests.")
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            context = browser.new_context(
                viewport={"width": 1400, "height": 1000}, accept_downloads=True
            )
            context.set_default_timeout(60_000)
            yield context
        finally:
            browser.close()


def upload_and_load(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_test_id("stFileChip").first.wait_for()  # a long name is cut in the middle
    load = page.get_by_role("button", name="Load", exact=True)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')]"
        ".some(b => b.innerText.trim() === 'Load' && !b.disabled)"
    )
    load.click()


# -- clicking through the app in Chromium ------------------------------------------------------
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
        except _playwright_timeout():
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


def _playwright_timeout():
    return pytest.importorskip("playwright.sync_api").TimeoutError


# -- Streamlit AppTest ------------------------------------------------------------------------
def make_app(monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    monkeypatch.setenv("SEGMENT_WORKSPACE", str(path))
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)


def data_page(monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    at = make_app(monkeypatch, path).run()
    return at.switch_page("pages/data.py").run()


def load(path: Path, *files: Path) -> None:
    ws = open_workspace(path)
    for file in files:
        ingest_upload(ws, file.read_bytes(), file.name)


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def features_page(monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    at = make_app(monkeypatch, path).run()
    return at.switch_page("pages/features.py").run()


def segment_page(monkeypatch: pytest.MonkeyPatch, path: Path) -> AppTest:
    at = make_app(monkeypatch, path).run()
    return at.switch_page("pages/segment.py").run()


def with_features(path: Path) -> None:
    from segmentation.features.build import build_features

    load(path, TRANSACTIONS)
    build_features(open_workspace(path), "transactions", name="feat")


# -- workspaces -------------------------------------------------------------------------------
def sample_run_workspace(folder: Path) -> Path:
    """A closed workspace in ``folder`` with the sample data (1,500 customers, seed 11), the
    feature table ``feat`` and a k-means run r1 (k=5)."""
    from segmentation.demo.sample import write_sample
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment import runs
    from segmentation.workspace import open_workspace

    write_sample(folder, customers=1500, seed=11)
    path = folder / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    ws.close()
    return path


ONLINE_RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online-retail-dataset.csv"
ONLINE_RETAIL_RUNS = {  # run id -> (algorithm, params), as online_retail_run_workspace fits them
    "r1": ("kmeans", {"n_clusters": 5}),
    "r2": ("gmm", {"n_components": 4}),
    "r3": ("ward", {"n_clusters": 5}),
    "r4": ("rfm", {}),
    "r5": ("hdbscan", {"min_cluster_size": 50}),
}


def online_retail_run_workspace(folder: Path) -> Path:
    """A closed workspace in ``folder`` with Online Retail (../shared/data) as table ``online``,
    its features ``online_features`` and the runs of ONLINE_RETAIL_RUNS; skips when absent."""
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment import runs

    if not ONLINE_RETAIL.exists():
        pytest.skip(f"../shared/data is not here: {ONLINE_RETAIL} is missing (real datasets).")
    path = folder / "online.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, ONLINE_RETAIL, table="online")
    build_features(ws, "online")
    for algorithm, params in ONLINE_RETAIL_RUNS.values():
        runs.run_segmentation(ws, "online_features", algorithm=algorithm, params=params)
    ws.close()
    return path


# -- the Results page's workspace -----------------------------------------------------------
def campaign_workspace(folder: Path) -> Path:
    """A closed workspace for the Results page: the sample (800 customers, seed 5), features
    as of 2025-01-01, a k-means run r1 (k=3), an export e1 with a 30% holdout, and an outcomes
    table ``orders_after`` whose lines start on the export's date (today), where segment 1's
    audience converts at 60% and its holdout at 20%."""
    from datetime import date, timedelta

    import numpy as np
    import pandas as pd

    from segmentation.demo.sample import write_sample
    from segmentation.export.plan import export_audience
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment.runs import assignments, run_segmentation

    write_sample(folder, customers=800, seed=5)
    path = folder / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat", as_of="2025-01-01")
    run = run_segmentation(ws, "feat", params={"n_clusters": 3}, seed=1)
    export_audience(ws, run.run_id, folder / "audience.csv", holdout=0.3, seed=2)
    held = set(ws.query_df("SELECT customer_id FROM _seg.export_holdouts")["customer_id"])
    rng = np.random.default_rng(0)
    rows = []
    for cid, sid in assignments(ws, run.run_id)[["customer_id", "segment_id"]].itertuples(
        index=False
    ):
        rate = (0.2 if cid in held else 0.6) if sid == 1 else 0.3
        for n in range(int(rng.random() < rate) * int(rng.integers(1, 4))):
            day = date.today() + timedelta(days=int(rng.integers(0, 30)))
            price = round(float(rng.gamma(4, 10)), 2)
            rows.append((f"N-{cid}-{n}", cid, f"{day} 10:00", 1, price))
    frame = pd.DataFrame(
        rows, columns=["order_id", "customer_id", "order_date", "quantity", "unit_price"]
    )
    frame.to_csv(folder / "orders_after.csv", index=False)
    ingest_file(ws, folder / "orders_after.csv", table="orders_after")
    ws.close()
    return path


# -- buy-till-you-die data (tests/predict) ------------------------------------------------------
def read_cdnow(path: Path):
    """Columns: customer id (in the full data), customer id (in the sample), date YYYYMMDD,
    number of CDs, dollar value (see lifetimes.datasets and Fader & Hardie's notes)."""
    import pandas as pd

    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "value"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


def weekly_summary(lines, end):
    """Frequency (repeat purchase days), recency and T in weeks, mean repeat-day value:
    computed here with pandas, apart from the library's SQL."""
    import pandas as pd

    cal = lines[lines["date"] <= end]
    days = cal.groupby(["customer_id", "date"], as_index=False)["value"].sum()
    days = days.sort_values(["customer_id", "date"])
    days["k"] = days.groupby("customer_id").cumcount()
    per = days.groupby("customer_id").agg(
        orders=("date", "size"), first=("date", "min"), last=("date", "max")
    )
    repeat_value = days[days["k"] > 0].groupby("customer_id")["value"].mean()
    out = pd.DataFrame(
        {
            "frequency": per["orders"] - 1.0,
            "recency": (per["last"] - per["first"]).dt.days / 7.0,
            "T": (end - per["first"]).dt.days / 7.0,
        }
    )
    out["monetary_value"] = repeat_value.reindex(out.index).fillna(0.0)
    return out


def write_shop(path: Path, customers: int = 600, seed: int = 0, days: int = 540) -> Path:
    """A transactions CSV in Online Retail's shape (InvoiceNo, StockCode, Quantity,
    InvoiceDate, UnitPrice, CustomerID): customers buying at gamma-distributed rates and
    leaving with beta-distributed probabilities after each order, two lines per order, and a
    return now and then (a negative quantity under its own invoice)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    rows = []
    invoice = 100000
    for c in range(customers):
        rate = rng.gamma(0.8, 1 / 30.0)
        leave = rng.beta(1.0, 4.0)
        scale = rng.gamma(3.0, 1.5)
        day = int(rng.integers(0, 120))
        while day < days:
            invoice += 1
            when = start + pd.Timedelta(days=day, hours=int(rng.integers(8, 20)))
            for item in range(2):
                price = round(float(rng.gamma(4.0, scale)), 2)
                rows.append(
                    (f"{invoice}", f"P{item}", int(rng.integers(1, 4)), when, price, 10000 + c)
                )
            if rng.random() < 0.05:
                rows.append((f"C{invoice}", "P0", -1, when + pd.Timedelta(days=2), 5.0, 10000 + c))
            if rng.random() < leave:
                break
            day += max(1, int(rng.exponential(1 / max(rate, 1e-6))))
    frame = pd.DataFrame(
        rows,
        columns=["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
    )
    frame["InvoiceDate"] = frame["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")
    frame.to_csv(path, index=False)
    return path

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
    page.get_by_test_id("stFileChip").filter(has_text=path.name).wait_for()
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

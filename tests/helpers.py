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

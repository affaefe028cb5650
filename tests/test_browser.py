"""The app in a real Chromium: upload files through the browser, as a user does."""

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

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
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


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """A Streamlit server on a free port with a fresh workspace; killed at the end."""
    with serve_app(tmp_path / "ws.duckdb", tmp_path / "streamlit.log") as running:
        yield running


@pytest.fixture
def app_url(app: App) -> str:
    return app.url


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


@pytest.fixture
def page(request: pytest.FixtureRequest):
    """A Chromium page; its screenshot goes to test-artifacts/ when the test fails."""
    with chromium_context() as context:
        page = context.new_page()
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is None or report.failed:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)


def upload_and_load(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))
    page.get_by_test_id("stFileChip").filter(has_text=path.name).wait_for()
    load = page.get_by_role("button", name="Load", exact=True)
    page.wait_for_function(
        "() => [...document.querySelectorAll('button')]"
        ".some(b => b.innerText.trim() === 'Load' && !b.disabled)"
    )
    load.click()


def test_upload_a_file_then_a_broken_one(app_url: str, page, tmp_path: Path, shared_file):
    day = shared_file("online_retail/by-day/2010-12-01.csv")
    page.goto(f"{app_url}/data")  # a page's URL as the server's first request: lands on Home
    page.get_by_text("Nothing is loaded yet.").wait_for()
    assert not page.get_by_test_id("stException").count()
    page.get_by_test_id("stSidebarNav").get_by_text("Data", exact=True).click()
    page.get_by_text("The workspace has no tables yet.").wait_for()

    upload_and_load(page, day)
    page.get_by_text("2010-12-01.csv: loaded 3,108 rows into t_2010_12_01").wait_for()
    sidebar_tables = page.get_by_test_id("stSidebarUserContent").locator("li")
    assert sidebar_tables.all_inner_texts() == ["t_2010_12_01 · transactions · 3,108 rows"]
    page.get_by_role("tab", name="Quality").click()
    page.get_by_test_id("stMetric").filter(has_text="Rows").first.wait_for()

    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    upload_and_load(page, bad)
    error = page.get_by_test_id("stAlertContentError").filter(has_text="bad.csv")
    error.wait_for()
    assert "PNG image" in error.inner_text()
    assert sidebar_tables.all_inner_texts() == ["t_2010_12_01 · transactions · 3,108 rows"]

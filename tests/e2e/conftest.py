"""Fixtures of the end-to-end tests: a real Streamlit server and a Chromium page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import ARTIFACTS, App, chromium_context, serve_app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[App]:
    """A Streamlit server on a free port with a fresh workspace; killed at the end."""
    with serve_app(tmp_path / "ws.duckdb", tmp_path / "streamlit.log") as running:
        yield running


@pytest.fixture
def app_url(app: App) -> str:
    return app.url


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

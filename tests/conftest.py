"""Shared fixtures: a fresh workspace path, and the real datasets in ../shared/data."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"


def _skip_unless(path: Path) -> Path:
    if not path.exists():
        pytest.skip(f"../shared/data is not here: {path} is missing (real datasets for tests).")
    return path


@pytest.fixture
def shared_file() -> Callable[[str], Path]:
    """``shared_file("online_retail/by-day/2010-12-01.csv")``: the path, or skip the test."""
    return lambda relative: _skip_unless(SHARED / relative)


@pytest.fixture
def shared_data() -> Path:
    """The folder ../shared/data; skips the test when it is absent."""
    return _skip_unless(SHARED)


@pytest.fixture
def workspace_path(tmp_path: Path) -> Path:
    """A path for a fresh workspace file (not created yet)."""
    return tmp_path / "ws.duckdb"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Keep each phase's report on the test (item.rep_setup, item.rep_call) for fixtures."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report

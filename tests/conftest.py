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


def sample_run_workspace(folder: Path) -> Path:
    """A closed workspace in ``folder`` with the sample data (1,500 customers, seed 11), the
    feature table ``feat`` and a k-means run r1 (k=5)."""
    from segmentation import runs
    from segmentation.features import build_features
    from segmentation.ingest import ingest_file
    from segmentation.sample import write_sample
    from segmentation.workspace import open_workspace

    write_sample(folder, customers=1500, seed=11)
    path = folder / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    ws.close()
    return path


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


ONLINE_RETAIL = "online_retail/online-retail-dataset.csv"
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
    from segmentation import runs
    from segmentation.features import build_features
    from segmentation.ingest import ingest_file
    from segmentation.workspace import open_workspace

    source = _skip_unless(SHARED / ONLINE_RETAIL)
    path = folder / "online.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, source, table="online")
    build_features(ws, "online")
    for algorithm, params in ONLINE_RETAIL_RUNS.values():
        runs.run_segmentation(ws, "online_features", algorithm=algorithm, params=params)
    ws.close()
    return path

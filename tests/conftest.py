"""Shared fixtures: a fresh workspace path, and the real datasets in ../shared/data."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
collect_ignore = ["data"]  # the script that writes the old workspace runs only with old code
OLD_LAYOUT = "468a207"  # the last commit of the flat layout, before the house move


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


@pytest.fixture(scope="session")
def workspace_v0(tmp_path_factory) -> Path:
    """The folder holding ``workspace_v0.duckdb`` and ``workspace_v0.json`` (its runs' expected
    assignments), written by the code of the flat layout: the package as of commit 468a207,
    taken from git, runs tests/data/make_workspace_v0.py (4 s). Nothing generated is kept in
    the repository; without that commit (a shallow clone) the tests of old workspaces skip."""
    found = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{OLD_LAYOUT}^{{commit}}"], capture_output=True
    )
    if found.returncode != 0:
        pytest.skip(f"commit {OLD_LAYOUT} (the old layout) is not in this clone's history")
    root = tmp_path_factory.mktemp("old_layout")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", OLD_LAYOUT, "segmentation"],
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    script = root / "tests" / "data" / "make_workspace_v0.py"
    script.parent.mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "data" / "make_workspace_v0.py", script)
    made = subprocess.run(  # PYTHONPATH first: the old package, not the installed one
        [sys.executable, str(script)],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    return script.parent


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


# -- explore: one sample workspace for tests/explore and tests/charts (the tests only add to it) --
@pytest.fixture(scope="session")
def explore_sample_dir(tmp_path_factory) -> Path:
    """The sample files of 600 customers (seed 3)."""
    from segmentation.demo.sample import write_sample

    out = tmp_path_factory.mktemp("explore_sample")
    write_sample(out, customers=600, seed=3)
    return out


def _explore_workspace(path: Path, sample_dir: Path):
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.workspace import open_workspace

    ws = open_workspace(path)
    ingest_file(ws, sample_dir / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    return ws


@pytest.fixture(scope="session")
def explore_workspace(explore_sample_dir) -> Callable[[Path], object]:
    """``explore_workspace(path)``: an open workspace at ``path`` with the sample transactions
    ``tx`` and their features ``feat`` (for tests that change or close it)."""
    return lambda path: _explore_workspace(path, explore_sample_dir)


@pytest.fixture(scope="session")
def explore_ws(tmp_path_factory, explore_sample_dir):
    """The shared explore workspace (tests may add runs and audiences to it)."""
    ws = _explore_workspace(tmp_path_factory.mktemp("explore_ws") / "ws.duckdb", explore_sample_dir)
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def explore_run(explore_ws):
    """A k-means run (k=4, seed 1) of the explore workspace."""
    from segmentation.segment import runs

    return runs.run_segmentation(explore_ws, "feat", params={"n_clusters": 4}, seed=1)


@pytest.fixture(scope="session")
def explore_pca(explore_ws, explore_run):
    from segmentation.explore.project import project

    return project(explore_ws, explore_run.run_id, "pca")


@pytest.fixture(scope="session")
def explore_umap(explore_ws, explore_run):
    from segmentation.explore.project import project

    return project(explore_ws, explore_run.run_id, "umap", sample=200, n_neighbors=8, seed=2)


# -- profiles: one sample workspace for tests/profiles and tests/charts ------------------------
@pytest.fixture(scope="session")
def profiles_sample_dir(tmp_path_factory) -> Path:
    """The sample files of 1,500 customers (seed 11)."""
    from segmentation.demo.sample import write_sample

    out = tmp_path_factory.mktemp("profiles_sample")
    write_sample(out, customers=1500, seed=11)
    return out


@pytest.fixture(scope="session")
def profiles_ws(tmp_path_factory, profiles_sample_dir):
    """A workspace with the sample transactions ``tx`` and features ``feat`` (tests add runs)."""
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.workspace import open_workspace

    ws = open_workspace(tmp_path_factory.mktemp("profiles_ws") / "ws.duckdb")
    ingest_file(ws, profiles_sample_dir / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    yield ws
    ws.close()


@pytest.fixture(scope="session")
def profiles_kmeans(profiles_ws):
    """A k-means run (k=5) and its profile, its generated names saved; tests that rename use
    runs of their own."""
    from segmentation.profiles.build import build_profile, save_segment_names
    from segmentation.segment import runs

    run = runs.run_segmentation(profiles_ws, "feat", params={"n_clusters": 5})
    profile = build_profile(profiles_ws, run.run_id)
    save_segment_names(profiles_ws, profile)
    return profile


# -- recommend: Online Retail once per session, and a shop whose products come in bundles -----
RETAIL = SHARED / "online_retail" / "online-retail-dataset.csv"
BUNDLES, BUNDLE_SIZE = 20, 4


@pytest.fixture(scope="session")
def retail_path(tmp_path_factory) -> Path:
    """A closed workspace with Online Retail (table ``retail``), features ``feat`` and the RFM
    run r1, built once per session."""
    if not RETAIL.exists():
        pytest.skip(f"../shared/data is not here: {RETAIL} is missing (real datasets for tests).")
    path = tmp_path_factory.mktemp("retail") / "ws.duckdb"
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment import runs
    from segmentation.workspace import open_workspace

    ws = open_workspace(path)
    ingest_file(ws, RETAIL, table="retail")
    build_features(ws, "retail", name="feat")
    runs.run_segmentation(ws, "feat", algorithm="rfm")
    ws.close()
    return path


@pytest.fixture
def retail(retail_path, tmp_path):
    """A private copy of the Online Retail workspace, open."""
    copy = tmp_path / "retail.duckdb"
    copy.write_bytes(retail_path.read_bytes())
    from segmentation.workspace import open_workspace

    ws = open_workspace(copy)
    yield ws
    ws.close()


def _write_bundles(
    path: Path, *, customers: int = 600, seed: int = 5, product: bool = True
) -> Path:
    """A shop of BUNDLES bundles of BUNDLE_SIZE products (``b03-p2``); bundle b draws customers
    with weight 1/sqrt(b+1), so bundle 0 is the bestseller. Each customer buys one bundle over three
    orders (two products, then one, then the rest) with a stray bestseller now and then."""
    import csv

    import numpy as np

    rng = np.random.default_rng(seed)
    weights = 1 / np.sqrt(np.arange(1, BUNDLES + 1))
    weights /= weights.sum()
    rows = []
    for c in range(customers):
        b = int(rng.choice(BUNDLES, p=weights))
        items = [f"b{b:02d}-p{k}" for k in rng.permutation(BUNDLE_SIZE)]
        baskets = [items[:2], items[2:3], items[3:]]
        if rng.random() < 0.2:
            baskets[0].append(f"b00-p{int(rng.integers(BUNDLE_SIZE))}")
        for o, basket in enumerate(baskets):
            day = f"2024-{o + 1:02d}-{1 + c % 27:02d}"
            for item in dict.fromkeys(basket):
                row = {"customer": f"c{c:04d}", "order": f"o{c:04d}-{o}", "date": day}
                if product:
                    row["product"] = item
                row["description"] = f"Item {item}"
                row["amount"] = f"{5 + 3 * b:.2f}"
                rows.append(row)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def _shop_workspace(folder: Path, csv_path: Path, *, algorithm: str = "kmeans", k: int = 3):
    """An open workspace with ``csv_path`` as table ``shop``, its features and one run r1."""
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment import runs
    from segmentation.workspace import open_workspace

    ws = open_workspace(folder / "shop.duckdb")
    ingest_file(ws, csv_path, table="shop")
    build_features(ws, "shop", name="shop_feat")
    params = {"n_clusters": k} if algorithm == "kmeans" else {}
    runs.run_segmentation(ws, "shop_feat", algorithm=algorithm, params=params)
    return ws


@pytest.fixture
def bundles(tmp_path):
    ws = _shop_workspace(tmp_path, _write_bundles(tmp_path / "bundles.csv"))
    yield ws
    ws.close()


@pytest.fixture
def make_shop(tmp_path):
    """``make_shop(csv_path, k=3, algorithm="kmeans")`` or ``make_shop(customers=60, product=False)`` (a bundle
    shop): an open workspace with the table ``shop`` and run r1, closed after the test."""
    opened = []

    def make(path: Path | None = None, *, k: int = 3, algorithm="kmeans", **bundle_options):
        if path is None:
            path = _write_bundles(tmp_path / "shop.csv", **bundle_options)
        opened.append(_shop_workspace(tmp_path, path, k=k, algorithm=algorithm))
        return opened[-1]

    yield make
    for ws in opened:
        ws.close()


# -- buy-till-you-die data (tests/predict) ------------------------------------------------------
@pytest.fixture(scope="session")
def shared_data_session() -> Path:
    """../shared/data for session-scoped fixtures; skips when the CDNOW sample is absent."""
    return _skip_unless(SHARED / "cdnow" / "CDNOW_sample.txt").parents[1]


@pytest.fixture(scope="session")
def cdnow_lines(shared_data_session):
    """The CDNOW 1/10 sample's lines (customer_id is the sample's id)."""
    from helpers import read_cdnow

    return read_cdnow(shared_data_session / "cdnow" / "CDNOW_sample.txt")


@pytest.fixture(scope="session")
def cdnow(cdnow_lines):
    """Its calibration summary as the papers use it: weeks, calibration to 1997-09-30."""
    import pandas as pd
    from helpers import weekly_summary

    return weekly_summary(cdnow_lines, pd.Timestamp("1997-09-30"))


@pytest.fixture(scope="session")
def cdnow_xtT(cdnow):
    """(frequency, recency, T) of the CDNOW calibration summary, as arrays."""
    return tuple(cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))


@pytest.fixture(scope="session")
def shop_csv():
    """``shop_csv(path, customers=600, seed=0)``: write a synthetic shop's transactions."""
    from helpers import write_shop

    return write_shop

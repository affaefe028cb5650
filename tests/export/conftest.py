"""Fixtures of the export tests: one sample workspace with a run and two audiences, built once."""

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from segmentation.demo.sample import write_sample
from segmentation.export.audiences import save_audience
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """A workspace (sample transactions + customers, features, k-means k=4, two audiences),
    closed; a copy is kept for the CLI (another process cannot open a file held here)."""
    folder = tmp_path_factory.mktemp("audiences")
    write_sample(folder, customers=800, seed=5)
    path = folder / "lib.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="transactions")
    ingest_file(ws, folder / "customers.csv", table="customers")
    build_features(ws, "transactions")
    run = runs.run_segmentation(ws, "transactions_features", params={"n_clusters": 4})
    ids = runs.assignments(ws, run.run_id)["customer_id"].tolist()
    save_audience(ws, run.run_id, "first 150", ids[:150])
    save_audience(ws, run.run_id, "next 200", ids[100:300])
    ws.close()
    shutil.copy(path, folder / "cli.duckdb")
    return folder


@pytest.fixture(scope="session")
def ws(built):
    return open_workspace(built / "lib.duckdb")


@pytest.fixture(scope="session")
def contacts(built):
    return pd.read_csv(built / "customers.csv", dtype=str, keep_default_na=False)


def _sha_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"customer_id": str}, keep_default_na=False)


@pytest.fixture
def sha_file() -> Callable:
    """``sha_file(path)``: the SHA-256 of a file's bytes."""
    return _sha_file


@pytest.fixture
def read_csv() -> Callable:
    """``read_csv(path)``: an exported CSV with customer ids as text."""
    return _read_csv

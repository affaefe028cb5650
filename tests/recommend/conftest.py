"""Fixtures of the recommend tests: Online Retail loaded once per session, and a planted shop
whose products come in bundles."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]
RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online-retail-dataset.csv"
BUNDLES, BUNDLE_SIZE = 20, 4


@pytest.fixture(scope="session")
def retail_path(tmp_path_factory) -> Path:
    """A closed workspace with Online Retail (table ``retail``), features ``feat`` and the RFM
    run r1, built once per session."""
    if not RETAIL.exists():
        pytest.skip(f"../shared/data is not here: {RETAIL} is missing (real datasets for tests).")
    path = tmp_path_factory.mktemp("retail") / "ws.duckdb"
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
    ws = open_workspace(copy)
    yield ws
    ws.close()


def write_bundles(path: Path, *, customers: int = 600, seed: int = 5, product: bool = True) -> Path:
    """A shop of BUNDLES bundles of BUNDLE_SIZE products (``b03-p2``); bundle b draws customers
    with weight 1/sqrt(b+1), so bundle 0 is the bestseller. Each customer buys one bundle over three
    orders (two products, then one, then the rest) with a stray bestseller now and then."""
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


def shop_workspace(folder: Path, csv_path: Path, *, algorithm: str = "kmeans", k: int = 3):
    """An open workspace with ``csv_path`` as table ``shop``, its features and one run r1."""
    ws = open_workspace(folder / "shop.duckdb")
    ingest_file(ws, csv_path, table="shop")
    build_features(ws, "shop", name="shop_feat")
    params = {"n_clusters": k} if algorithm == "kmeans" else {}
    runs.run_segmentation(ws, "shop_feat", algorithm=algorithm, params=params)
    return ws


@pytest.fixture
def bundles(tmp_path):
    ws = shop_workspace(tmp_path, write_bundles(tmp_path / "bundles.csv"))
    yield ws
    ws.close()


@pytest.fixture
def make_shop(tmp_path):
    """``make_shop(csv_path, k=3, algorithm="kmeans")`` or ``make_shop(customers=60, product=False)`` (a bundle
    shop): an open workspace with the table ``shop`` and run r1, closed after the test."""
    opened = []

    def make(path: Path | None = None, *, k: int = 3, algorithm="kmeans", **bundle_options):
        if path is None:
            path = write_bundles(tmp_path / "shop.csv", **bundle_options)
        opened.append(shop_workspace(tmp_path, path, k=k, algorithm=algorithm))
        return opened[-1]

    yield make
    for ws in opened:
        ws.close()

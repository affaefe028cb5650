"""A small workspace with a run, an export with a holdout and an outcomes table with a planted
lift, shared by the readout tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation.demo.sample import write_sample
from segmentation.export.plan import export_audience
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import Workspace, open_workspace

START = "2025-07-01"  # the sample's features are as of this day: the campaign starts then


@dataclass
class Campaign:
    ws: Workspace
    folder: Path
    run_id: str
    export_id: str
    groups: pd.DataFrame  # customer_id, segment_id, grp

    def plant(self, rates: dict[int, tuple[float, float]], seed: int = 0, table: str = "december"):
        """Load an outcomes table with planted conversion rates; returns its lines."""
        frame = planted_outcomes(self.groups, rates, seed=seed)
        load_outcomes(self.ws, self.folder, frame, table)
        return frame

    def load(self, frame: pd.DataFrame, table: str) -> str:
        return load_outcomes(self.ws, self.folder, frame, table)


def planted_outcomes(
    groups: pd.DataFrame,
    rates: dict[int, tuple[float, float]],
    *,
    seed: int = 0,
    start: str = START,
    days: int = 30,
) -> pd.DataFrame:
    """Order lines in the window: per segment ``(audience rate, holdout rate)`` of converting;
    each converter buys 1-3 orders of about 40 each."""
    rng = np.random.default_rng(seed)
    rows = []
    for sid, seg in groups.groupby("segment_id"):
        p_aud, p_hold = rates[int(sid)]
        p = np.where(seg["grp"] == "audience", p_aud, p_hold)
        buyers = seg["customer_id"].to_numpy()[rng.random(len(seg)) < p]
        for n, cid in enumerate(buyers):
            for k in range(int(rng.integers(1, 4))):
                day = pd.Timestamp(start) + pd.Timedelta(days=int(rng.integers(0, days)))
                rows.append((f"N{sid}-{n}-{k}", cid, f"{day:%Y-%m-%d} 10:00", 1, rng.gamma(4, 10)))
    return pd.DataFrame(
        rows, columns=["order_id", "customer_id", "order_date", "quantity", "unit_price"]
    )


def load_outcomes(ws: Workspace, folder: Path, frame: pd.DataFrame, table: str) -> str:
    path = folder / f"{table}.csv"
    frame.to_csv(path, index=False, float_format="%.2f")
    ingest_file(ws, path, table=table)
    return table


def groups_of(ws: Workspace, export_id: str, run_id: str) -> pd.DataFrame:
    held = ws.query_df(
        "SELECT customer_id, segment_id FROM _seg.export_holdouts WHERE export_id = ?", [export_id]
    )
    everyone = runs.assignments(ws, run_id)[["customer_id", "segment_id"]]
    everyone["grp"] = np.where(
        everyone["customer_id"].isin(held["customer_id"]), "holdout", "audience"
    )
    return everyone


@pytest.fixture
def campaign(tmp_path: Path) -> Campaign:
    write_sample(tmp_path, customers=900, seed=5)
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, tmp_path / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3}, seed=1)
    result = export_audience(ws, run.run_id, tmp_path / "out.csv", holdout=0.3, seed=2)
    yield Campaign(
        ws, tmp_path, run.run_id, result.export_id, groups_of(ws, result.export_id, run.run_id)
    )
    ws.close()

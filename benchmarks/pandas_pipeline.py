"""The pandas + scikit-learn peer: the whole job the plain way, in one process.

What the seed documents (and most notebooks) do with a transaction file: ``pd.read_csv``, an RFM
``groupby``, ``log1p`` + ``StandardScaler``, scikit-learn's ``KMeans`` with the same k, and a
CSV of ``customer_id,segment``. The definitions follow the README's "Customer features": a line
with amount < 0 is a return; ``recency_days`` is days from the last purchase day to ``as_of``
(the day after the last transaction day); ``frequency`` is distinct order ids among purchase
lines; ``monetary`` is net revenue (purchases and returns summed); customers without a purchase
line are left out. Net revenue can be negative: it is clipped at 0 before ``log1p``.

Run as its own process by the pipeline benchmark; it times its steps apart and prints one JSON
object (the benchmark times the whole process from outside):

    python -m benchmarks.pandas_pipeline LINES.csv OUT.csv [--k 6] [--seed 0]

(a ``.parquet`` file of lines is read with ``pd.read_parquet``: the benchmark's sizes beyond
ingest's 1,024 MB CSV limit are Parquet files).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.harness import self_peak_mb

FEATURES = ["recency_days", "frequency", "monetary"]


def rfm(tx: pd.DataFrame) -> pd.DataFrame:
    """Recency, frequency and monetary per customer with a purchase line (index customer_id)."""
    day = tx["order_date"].dt.normalize()
    amount = tx["quantity"] * tx["unit_price"]
    as_of = day.max() + pd.Timedelta(days=1)
    lines = tx.assign(day=day, amount=amount)
    buy = lines[lines["amount"] >= 0]
    out = buy.groupby("customer_id").agg(last_day=("day", "max"), frequency=("order_id", "nunique"))
    out["recency_days"] = (as_of - out["last_day"]).dt.days
    out["monetary"] = lines.groupby("customer_id")["amount"].sum()
    return out[FEATURES]


def segment(features: pd.DataFrame, k: int, seed: int) -> np.ndarray:
    """log1p + standard scaling, then k-means; segments numbered from 1."""
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    X = np.log1p(features.clip(lower=0).to_numpy(float))
    X = StandardScaler().fit_transform(X)
    model = KMeans(n_clusters=k, n_init="auto", random_state=seed).fit(X)
    return model.labels_ + 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="CSV (or Parquet) file of transaction lines")
    parser.add_argument("out", type=Path, help="where to write customer_id,segment (CSV)")
    parser.add_argument("--k", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    steps: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        steps[name] = now - clock
        clock = now

    if args.lines.suffix == ".parquet":  # beyond ingest's CSV size limit the lines are Parquet
        tx = pd.read_parquet(args.lines)
    else:
        tx = pd.read_csv(args.lines, parse_dates=["order_date"])
    lap("read")
    read_peak = self_peak_mb()
    features = rfm(tx)
    lap("groupby rfm")
    labels = segment(features, args.k, args.seed)
    lap("scale + kmeans")
    pd.DataFrame({"customer_id": features.index, "segment": labels}).to_csv(args.out, index=False)
    lap("write csv")
    sizes = np.bincount(labels)[1:].tolist()
    print(
        json.dumps(
            {
                "steps": steps,
                "read_peak_mb": read_peak,
                "peak_mb": self_peak_mb(),
                "rows": len(tx),
                "customers": len(features),
                "sizes": sizes,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

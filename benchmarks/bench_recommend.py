"""Recommendations: Online Retail end to end, and a synthetic shop of many customers.

1. Online Retail (``../shared/data``): the RFM run's workspace is built first (not timed), then
   ``recommend(ws, "r1")`` is timed: fit + top 10 for all 4,339 customers + the
   leave-last-order-out evaluation with both baselines, stored as a set. Target <= 15 s.
2. Synthetic: N customers x P products (default 200,000 x 20,000; ``--full`` for the issue's
   1M x 50,000): each customer buys from one of P/4 bundles of related products (Zipf-popular)
   plus a few bestsellers. The customer x product matrix is made in numpy (no workspace), then
   the method's fit and its top 10 for everyone are timed, beside the popularity baseline's.
   Targets at 1M x 50k: fit <= 90 s, top 10 <= 90 s, peak memory <= 4 GB.

3. Bought together on the benchmark's transaction lines (``benchmarks.data``: default 1M lines,
   ``--rules-lines 10000000`` for the 10M-line file): loaded into a workspace (not timed), then
   ``bought_together(ws, table, min_orders=20)`` is timed.

Every stage runs in its own process (its peak memory is its own).

    .venv/bin/python -m benchmarks.bench_recommend [--full] [--customers N] [--products P]
                            [--method item-knn|als] [--skip-retail] [--rules-lines N | --skip-rules]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT.parent / "shared" / "data" / "online_retail" / "online-retail-dataset.csv"
TARGETS = {"retail": 15.0, "fit": 90.0, "top": 90.0, "peak_mb": 4096.0}


def synthetic_matrix(customers: int, products: int, seed: int = 0):
    """A seeded customers x products CSR matrix of order counts with planted bundles."""
    import numpy as np
    import scipy.sparse as sp

    rng = np.random.default_rng(seed)
    bundles = max(products // 4, 1)
    weight = 1 / np.arange(1, bundles + 1) ** 0.8
    bundle = rng.choice(bundles, size=customers, p=weight / weight.sum())
    per = rng.integers(2, 9, size=customers)  # products bought from the bundle's neighbourhood
    rows = np.repeat(np.arange(customers), per)
    cols = (4 * np.repeat(bundle, per) + rng.integers(0, 8, size=len(rows))) % products
    best = rng.random(customers) < 0.5  # half also buy one of the 100 bestsellers
    rows = np.concatenate([rows, np.flatnonzero(best)])
    cols = np.concatenate([cols, rng.zipf(1.5, size=int(best.sum())) % min(100, products)])
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(customers, products))
    m.sum_duplicates()
    m.sort_indices()
    return m


def child_synthetic(method: str, customers: int, products: int) -> dict:
    import numpy as np

    from benchmarks.harness import self_peak_mb
    from segmentation.recommend.methods import make_method
    from segmentation.recommend.pick import recommend_rows

    m = synthetic_matrix(customers, products)
    segments = np.arange(customers) % 5
    started, cpu = time.perf_counter(), time.process_time()
    model = make_method(method).fit(m, segments)
    fallback = model if method == "segment-popular" else make_method("segment-popular")
    if fallback is not model:
        fallback.fit(m, segments)
    fit, fit_cpu = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    picked = recommend_rows(
        model, fallback, np.arange(customers), m, 10, exclude_bought=True, min_products=2
    )
    top, top_cpu = time.perf_counter() - started, time.process_time() - cpu
    filled = float((picked.items >= 0).all(axis=1).mean())
    return {
        "fit": fit, "fit_cpu": fit_cpu, "top": top, "top_cpu": top_cpu,
        "peak_mb": self_peak_mb(), "nnz": int(m.nnz), "full": filled,
    }  # fmt: skip


def child_retail(folder: str, method: str) -> dict:
    from benchmarks.harness import self_peak_mb
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.recommend import get_set, recommend
    from segmentation.segment import runs
    from segmentation.workspace import open_workspace

    path = Path(folder) / "retail.duckdb"
    path.unlink(missing_ok=True)
    ws = open_workspace(path)
    ingest_file(ws, RETAIL, table="retail")
    build_features(ws, "retail", name="feat")
    runs.run_segmentation(ws, "feat", algorithm="rfm")
    started, cpu = time.perf_counter(), time.process_time()
    rec = recommend(ws, "r1", method=method)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    record = get_set(ws, rec.recommendation_id)  # the stored evaluation, with beats_popularity
    ws.close()
    return {"seconds": seconds, "cpu": cpu, "peak_mb": self_peak_mb(), "set": record.__dict__}


def child_rules(folder: str, lines: str) -> dict:
    from benchmarks.data import ensure_lines
    from benchmarks.harness import self_peak_mb
    from segmentation.ingest.load import ingest_file
    from segmentation.recommend import bought_together
    from segmentation.workspace import open_workspace

    parquet, _, _ = ensure_lines(Path(folder), int(lines), fmt="parquet")
    path = Path(folder) / f"rules-{lines}.duckdb"
    path.unlink(missing_ok=True)
    ws = open_workspace(path)
    ingest_file(ws, parquet, table="tx")
    started, cpu = time.perf_counter(), time.process_time()
    rules = bought_together(ws, "tx", min_orders=20)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    ws.close()
    path.unlink(missing_ok=True)
    return {"seconds": seconds, "cpu": cpu, "peak_mb": self_peak_mb(), **rules.to_dict()}


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench_recommend", "--child", *args],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if out.returncode:
        raise SystemExit(f"stage {args} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="1M customers x 50,000 products")
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--method", default="item-knn", choices=["item-knn", "als"])
    parser.add_argument("--skip-retail", action="store_true")
    parser.add_argument("--rules-lines", type=int, default=1_000_000)
    parser.add_argument("--skip-rules", action="store_true")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        if kind == "retail":
            result = child_retail(*rest)
        elif kind == "rules":
            result = child_rules(*rest)
        else:
            result = child_synthetic(rest[0], *map(int, rest[1:]))
        print(json.dumps(result, default=str))
        return 0
    customers, products = (1_000_000, 50_000) if args.full else (args.customers, args.products)
    print(f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall times include "
          "waiting for a core; CPU times do not)")  # fmt: skip
    if not args.skip_retail and RETAIL.exists():
        folder = Path("/tmp/segment-bench-recommend")
        folder.mkdir(exist_ok=True)
        print("Online Retail: fit + top 10 for every customer + evaluation (target <= 15 s)")
        for method in (args.method, "popular"):
            r = _child("retail", str(folder), method)
            ev = r["set"]["evaluation"]
            print(
                f"  {method:<16} {r['seconds']:6.1f} s (CPU {r['cpu']:5.1f} s)  "
                f"peak {r['peak_mb']:6.0f} MB  "
                f"customers {r['set']['customers']:,}  evaluated {ev['customers']:,}  "
                f"hit@10 {ev['hit_rate']:.3f}  MAP@10 {ev['map']:.4f}  "
                f"(popular {ev['baselines']['popular']['map']:.4f}, segment "
                f"{ev['baselines']['segment_popular']['map']:.4f})"
            )
    print(f"Synthetic: {customers:,} customers x {products:,} products (targets at 1M x 50k: "
          "fit <= 90 s, top 10 <= 90 s, peak <= 4 GB)")  # fmt: skip
    for method in (args.method, "popular"):
        r = _child("synthetic", method, str(customers), str(products))
        print(
            f"  {method:<16} fit {r['fit']:6.1f} s (CPU {r['fit_cpu']:5.1f})  top 10 for "
            f"everyone {r['top']:6.1f} s (CPU {r['top_cpu']:5.1f})  "
            f"peak {r['peak_mb']:6.0f} MB  ({r['nnz']:,} customer-product pairs, "
            f"{r['full']:.1%} with 10 products)"
        )
    if not args.skip_rules:
        folder = Path("/tmp/segment-bench")
        r = _child("rules", str(folder), str(args.rules_lines))
        print(
            f"Bought together on {args.rules_lines:,} benchmark lines: {r['seconds']:.1f} s "
            f"(CPU {r['cpu']:.1f} s), "
            f"peak {r['peak_mb']:.0f} MB ({r['orders']:,} orders, {r['capped_orders']:,} cut to "
            f"{r['max_items']} products, {r['rules']:,} rules of at least {r['min_orders']} orders)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Exporting a run of 1M customers to CSV: `segment export RUN --format csv` in at most 10 s.

1. setup (not timed against the target): a feature table of N synthetic customers (four
   behavioural columns drawn from a seeded generator) is written into a fresh workspace through
   the library, and segmented with k-means (k = 6) by :func:`segmentation.runs.run_segmentation`;
2. export: ``segment --workspace W --json export r1 --format csv --out FILE`` as its own process,
   timed from start to exit (start-up included), with its peak memory. The file is then checked:
   one header and one line per customer.

    .venv/bin/python -m benchmarks.bench_export [--customers N] [--keep DIR] [--repeat N]
                                                [--no-record]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from benchmarks.harness import (
    RESULTS,
    SEGMENT,
    Stage,
    append_results,
    best_of,
    format_table,
    machine,
    run_stage,
    self_peak_mb,
)

TARGET_SECONDS = 10.0
TABLE = "customers_features"
DEFAULT_KEEP = Path("/tmp/segment-bench-export")
SEED = 7


def build_workspace(path: Path, customers: int) -> dict:
    """A workspace holding a feature table of ``customers`` rows and a k-means run (k = 6)."""
    import numpy as np
    import pandas as pd

    from segmentation.segment.runs import run_segmentation
    from segmentation.workspace import ColumnInfo, TableInfo, open_workspace

    rng = np.random.default_rng(SEED)
    group = rng.integers(0, 6, customers)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:08d}" for i in range(customers)],
            "recency_days": (rng.gamma(2.0, 20 + 30 * group)).astype(np.int64),
            "frequency": rng.poisson(1 + 3 * group).astype(np.int64) + 1,
            "monetary": rng.lognormal(4 + 0.4 * group, 0.6).round(2),
            "aov": rng.lognormal(3 + 0.2 * group, 0.4).round(2),
        }
    )
    ws = open_workspace(path)
    columns = [ColumnInfo("customer_id", "VARCHAR", "customer_id")] + [
        ColumnInfo(c, "DOUBLE" if frame[c].dtype.kind == "f" else "BIGINT")
        for c in frame.columns[1:]
    ]
    with ws.transaction() as cur:
        cur.register("__bench", frame)
        cur.execute(f"CREATE TABLE {TABLE} AS SELECT * FROM __bench").fetchall()
        cur.unregister("__bench")
        ws.register_table(cur, TableInfo(TABLE, "features", customers, columns))
    start = time.perf_counter()
    run = run_segmentation(ws, TABLE, algorithm="kmeans", params={"n_clusters": 6}, seed=SEED)
    seconds = time.perf_counter() - start
    ws.close()
    return {"run_id": run.run_id, "segments": len(run.segments), "run_seconds": seconds}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_export",
        description="Time `segment export --format csv` on a run of synthetic customers.",
    )
    parser.add_argument("--customers", type=int, default=1_000_000, help="default 1000000")
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP, metavar="DIR")
    parser.add_argument("--repeat", type=int, default=1, help="export runs; the best counts")
    parser.add_argument("--no-record", action="store_true", help=f"do not append to {RESULTS.name}")
    parser.add_argument("--results", type=Path, default=RESULTS, metavar="FILE")
    parser.add_argument("--setup-only", action="store_true", help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    keep = args.keep.resolve()
    keep.mkdir(parents=True, exist_ok=True)
    workspace = keep / f"export-{args.customers}.duckdb"
    if args.setup_only:  # the setup stage, in its own process
        for stale in (workspace, workspace.with_name(workspace.name + ".wal")):
            stale.unlink(missing_ok=True)
        facts = build_workspace(workspace, args.customers)
        print(json.dumps(facts | {"peak_mb": self_peak_mb()}))
        return 0
    title = f"Audience export, {args.customers:,} customers to CSV"
    print(title)
    setup = run_stage(
        "setup",
        [sys.executable, "-m", "benchmarks.bench_export", "--setup-only"]
        + ["--customers", str(args.customers), "--keep", str(keep)],
        note="feature table + k-means k=6 through the library (not part of the target)",
    )
    facts = json.loads(setup.stdout)
    out = keep / "audience.csv"
    command = [SEGMENT, "--workspace", workspace, "--json", "export", facts["run_id"]]
    command += ["--format", "csv", "--out", out]
    runs = []
    for _ in range(max(1, args.repeat)):
        runs.append(
            run_stage(
                "export csv",
                command,
                target_seconds=TARGET_SECONDS,
                note="segment export: whole process",
            )
        )
    export = best_of(runs)
    result = json.loads(export.stdout)
    with out.open("rb") as handle:
        lines = sum(1 for _ in handle)
    agree = result["rows"] == args.customers and lines == args.customers + 1
    stages: list[Stage] = [setup.stage, export.stage]
    notes = [
        f"export <= {TARGET_SECONDS:g} s: {'met' if export.stage.met else 'NOT met'} "
        f"({export.stage.seconds:.2f} s)",
        f"file: {lines - 1:,} customer lines, {out.stat().st_size / 2**20:,.1f} MB; "
        f"rows reported {result['rows']:,}: {'ok' if agree else 'WRONG'}",
        f"data: {args.customers:,} synthetic customers (seed {SEED}), k-means k=6 "
        f"({facts['run_seconds']:.1f} s in setup)",
    ]
    print()
    print(format_table(stages))
    print()
    for note in notes:
        print(note)
    if not agree:
        return 1
    if not args.no_record:
        print(f"recorded in {append_results(args.results, title, stages, machine(), notes=notes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

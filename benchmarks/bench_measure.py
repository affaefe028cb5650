"""The Measure stage at scale: a campaign readout and a segment migration.

Targets (issue 17): the readout of an export of 1M customers over a 10M-line outcomes table in
at most 5 s; the migration of 1M customers in at most the features build plus 3 s.

1. setup (not timed against a target): a history of ``--history`` lines per customer written
   in DuckDB SQL (seeded), its features at 2025-01-01, a k-means run (k = 6) and a CSV export
   with a 10% holdout, all through the library;
2. readout: :func:`segmentation.measure.campaign_readout` over an outcomes table of ``--lines``
   lines in the 30 days after the as_of (one customer in ten of them in neither group), timed
   with and without CUPED;
3. migration: the features build at 2025-02-01 timed alone, then
   :func:`segmentation.measure.migrate` to the same date (which builds those features again,
   under its own name, and assigns with the run's model); the figure against the target is
   migrate's time past its own features build (read from its progress), so a busy machine
   slowing one of two separate builds does not decide it.

    .venv/bin/python -m benchmarks.bench_measure                      # 100k customers, 1M lines
    .venv/bin/python -m benchmarks.bench_measure --customers 1000000 --lines 10000000   # full
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

READOUT_TARGET = 5.0
MIGRATION_MARGIN = 3.0
FIRST, LATER, SEED = "2025-01-01", "2025-02-01", 7


def _register(ws, name: str, rows: int) -> None:
    from segmentation.workspace import ColumnInfo, TableInfo

    columns = [
        ColumnInfo("customer_id", "VARCHAR", "customer_id"),
        ColumnInfo("order_id", "VARCHAR", "order_id"),
        ColumnInfo("order_date", "TIMESTAMP", "timestamp"),
        ColumnInfo("amount", "DOUBLE", "amount"),
    ]
    with ws.transaction() as cur:
        ws.register_table(cur, TableInfo(name, "transactions", rows, columns))


def _lines_sql(customers: int, per_customer: int, first_day: str, days: int, extra: int) -> str:
    """``customers + extra`` ids (the extra ones in no export), ``per_customer`` lines each on
    average, dated over ``days`` from ``first_day``; all numbers fixed in the text, no input."""
    total = int((customers + extra) * per_customer)
    return f"""
        SELECT 'C' || lpad(CAST(c AS VARCHAR), 8, '0') AS customer_id,
            'O' || CAST(i // 2 AS VARCHAR) AS order_id,
            TIMESTAMP '{first_day}' + to_days(CAST(floor(random() * {days}) AS INTEGER))
                AS order_date,
            round(5 + random() * 60 * (1 + c % 6), 2) AS amount
        FROM (SELECT i, CAST(floor(random() * {customers + extra}) AS BIGINT) AS c
              FROM range({total}) t(i))
    """


def setup(ws, customers: int, history: int, folder: Path) -> dict:
    from segmentation.export.plan import export_audience
    from segmentation.features.build import build_features
    from segmentation.segment.runs import run_segmentation

    started = time.perf_counter()
    with ws.transaction() as cur:
        cur.execute(f"SELECT setseed({SEED / 100})").fetchall()
        sql = _lines_sql(customers, history, "2023-01-01", 730, 0)
        cur.execute(f"CREATE TABLE history AS {sql}").fetchall()
    _register(ws, "history", customers * history)
    build_features(ws, "history", name="feat", as_of=FIRST)
    run = run_segmentation(ws, "feat", params={"n_clusters": 6}, seed=SEED)
    export = export_audience(ws, run.run_id, folder / "audience.csv", holdout=0.1, seed=SEED)
    return {
        "run_id": run.run_id,
        "export_id": export.export_id,
        "seconds": time.perf_counter() - started,
    }


def outcomes(ws, customers: int, lines: int) -> float:
    started = time.perf_counter()
    with ws.transaction() as cur:
        cur.execute(f"SELECT setseed({SEED / 50})").fetchall()
        sql = _lines_sql(customers, lines / (customers * 1.1), FIRST, 60, customers // 10)
        cur.execute(f"CREATE TABLE outcomes AS {sql}").fetchall()
    _register(ws, "outcomes", lines)
    return time.perf_counter() - started


def _timed(fn, *args, **kwargs) -> tuple[float, object]:
    started, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    _CPU[fn.__name__] = time.process_time() - cpu  # all threads: the work, without the waiting
    return time.perf_counter() - started, result


_CPU: dict[str, float] = {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_measure")
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=1_000_000, help="outcome lines")
    parser.add_argument("--history", type=int, default=8, help="history lines per customer")
    args = parser.parse_args(argv)

    from segmentation.features.build import build_features
    from segmentation.measure import campaign_readout, migrate
    from segmentation.workspace import open_workspace

    with tempfile.TemporaryDirectory(prefix="bench-measure-") as tmp:
        folder = Path(tmp)
        ws = open_workspace(folder / "ws.duckdb")
        try:
            made = setup(ws, args.customers, args.history, folder)
            print(f"setup: {args.customers:,} customers, run and export in {made['seconds']:.1f} s")
            print(
                f"outcomes: {args.lines:,} lines written in {outcomes(ws, args.customers, args.lines):.1f} s"
            )
            readout_s, r = _timed(campaign_readout, ws, made["export_id"], "outcomes", start=FIRST)
            cuped_s, c = _timed(
                campaign_readout, ws, made["export_id"], "outcomes", start=FIRST, cuped=True
            )
            print(
                f"readout: {readout_s:.2f} s, {_CPU['campaign_readout']:.2f} CPU s (target "
                f"{READOUT_TARGET:.0f} s; {r.overall.audience:,}"
                f" audience, {r.overall.holdout:,} holdout, {r.ignored:,} ignored); with CUPED "
                f"{cuped_s:.2f} s"
            )
            features_s, _f = _timed(build_features, ws, "history", name="feat_later", as_of=LATER)
            marks: dict[str, float] = {}

            def mark(fraction: float, _message: str) -> None:
                if fraction >= 0.55:  # migrate's features build is done: assigning starts
                    marks.setdefault("assign", time.perf_counter())

            started = time.perf_counter()
            m = migrate(ws, made["run_id"], as_of=LATER, progress=mark)
            migrate_s = time.perf_counter() - started
            own_build = marks["assign"] - started
            print(
                f"migration: {migrate_s:.2f} s for {m.customers:,} customers, of which its own "
                f"features build {own_build:.2f} s, so {migrate_s - own_build:+.2f} s over it "
                f"(target +{MIGRATION_MARGIN:.0f} s; the features build run alone before: "
                f"{features_s:.2f} s); stayed {m.stayed_share:.1%}"
            )
        finally:
            ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scale out: Spark local[2] features and assignment next to DuckDB's, on the same lines.

No target: on 2 cores Spark cannot beat DuckDB (one process, no shuffle, no JVM); the figures
show the overhead one pays here for code that runs unchanged on a cluster. What changes on a
cluster: the session start and the per-stage scheduling stay (seconds), while the scan and the
aggregations spread over the executors, so at billions of lines the time per line falls with
the cores, which DuckDB on one machine cannot follow.

For each size (lines from :func:`benchmarks.data.ensure_lines`, as Parquet):

1. DuckDB: ingest (shown, not compared), ``build_features``, a k-means run (k=6, shown), then
   the run's compiled SQL scoring every customer inside DuckDB;
2. Spark local[2]: the session start, ``spark_features`` from the Parquet lines (the features
   SQL transpiled), ``spark_assign`` of the same run (the compiled SQL on Spark);
3. a check that both engines give the same customers and segments.

    .venv/bin/python -m benchmarks.bench_scale                    # 100k lines: a quick look
    .venv/bin/python -m benchmarks.bench_scale --lines 1000000 --lines 10000000 --record
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

import pandas as pd

from benchmarks.data import ensure_lines
from benchmarks.harness import RESULTS, Ratio, Stage, append_results, format_table, machine

DEFAULT_KEEP = Path("/tmp/segment-bench")
DEFAULT_LINES = (100_000,)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_scale",
        description="Spark local[2] features and assignment next to DuckDB's.",
    )
    parser.add_argument(
        "--lines", type=int, action="append", help="lines per size, repeatable (default 100000)"
    )
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP, metavar="DIR")
    parser.add_argument("--record", action="store_true", help=f"append to {RESULTS.name}")
    parser.add_argument("--results", type=Path, default=RESULTS, metavar="FILE")
    return parser


def _timed(name: str, work, note: str = "") -> tuple[Stage, object]:
    started = time.perf_counter()
    value = work()
    return Stage(name, time.perf_counter() - started, note=note), value


def _microsecond_timestamps(path: Path) -> Path:
    """The lines with timestamps in microseconds, as lakes hold them (Spark reads no nanos)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = path.with_name(path.stem + "-us.parquet")
    if not out.exists() or out.stat().st_mtime < path.stat().st_mtime:
        table = pq.read_table(path)
        schema = pa.schema(
            [f.with_type(pa.timestamp("us")) if pa.types.is_timestamp(f.type) else f
             for f in table.schema]
        )  # fmt: skip
        pq.write_table(table.cast(schema), out)
    return out


def measure(lines: int, keep: Path, spark) -> tuple[list[Stage], list[Ratio]]:
    """The stages of one size, and Spark's time over DuckDB's for features and assignment."""
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.scale import compile_run, scoring_query
    from segmentation.scale.dialects import render
    from segmentation.scale.jobs import spark_assign, spark_features
    from segmentation.segment import runs
    from segmentation.workspace import open_workspace

    path = _microsecond_timestamps(ensure_lines(keep, lines, fmt="parquet")[0])
    folder = keep / f"scale-{lines}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    ws = open_workspace(folder / "ws.duckdb")
    label = f"{lines:,} lines"
    ingest, _ = _timed(f"{label}: DuckDB ingest", lambda: ingest_file(ws, path, table="tx"))
    duck_features, built = _timed(
        f"{label}: DuckDB features", lambda: build_features(ws, "tx", name="feat")
    )
    fit, run = _timed(
        f"{label}: k-means fit (k=6)", lambda: runs.run_segmentation(ws, "feat", params={})
    )
    query = render(scoring_query(compile_run(ws, run.run_id), "feat"), "duckdb")
    duck_assign, duck_segments = _timed(f"{label}: DuckDB assign (SQL)", lambda: ws.query_df(query))
    spark_feat, result = _timed(
        f"{label}: Spark features",
        lambda: spark_features(
            ws, str(path), roles_from="tx", out=str(folder / "features"), spark=spark
        ),
    )
    spark_seg, _ = _timed(
        f"{label}: Spark assign (SQL)",
        lambda: spark_assign(
            ws, run.run_id, features=str(folder / "features"), out=str(folder / "seg"), spark=spark
        ),
    )
    theirs = pd.read_parquet(folder / "seg").set_index("customer_id")["segment_id"]
    ours = duck_segments.set_index("customer_id")["segment_id"]
    same = bool(theirs.reindex(ours.index).eq(ours).all()) and result.customers == built.customers
    ws.close()
    note = f"{built.customers:,} customers; same segments: {'yes' if same else 'NO'}"
    spark_seg = Stage(spark_seg.name, spark_seg.seconds, note=note)
    stages = [ingest, duck_features, fit, duck_assign, spark_feat, spark_seg]
    ratios = [
        Ratio(f"{label}: Spark / DuckDB features", stages[4], stages[1]),
        Ratio(f"{label}: Spark / DuckDB assign", stages[5], stages[3]),
    ]
    return stages, ratios


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from segmentation.scale.spark import start_session

    os.environ.setdefault("SPARK_DRIVER_MEMORY", "4g")  # local[2]'s default 1g spills at 10M
    start, spark = _timed("Spark local[2] session start", start_session)
    stages, ratios = [start], []
    try:
        for lines in args.lines or DEFAULT_LINES:
            more, figures = measure(lines, args.keep, spark)
            stages += more
            ratios += figures
    finally:
        spark.stop()
    print(format_table(stages, ratios))
    if args.record:
        notes = [
            "Spark local[2] on the same machine as DuckDB; no target (see the module docstring).",
            "Spark features include reading the Parquet lines and writing the feature Parquet.",
        ]
        append_results(args.results, "Scale out: Spark vs DuckDB", stages, machine(),
                       ratios=ratios, notes=notes)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

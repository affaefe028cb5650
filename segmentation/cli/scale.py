"""`segment scale features|assign` (Apache Spark) and `segment sql` (one query for a warehouse)."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub, shared) -> None:
    features, assign, sql = _parsers(sub)
    features.set_defaults(run=lambda args: _features(args, shared))
    assign.set_defaults(run=lambda args: _assign(args, shared))
    sql.set_defaults(run=lambda args: _sql(args, shared))


def _parsers(sub) -> tuple[argparse.ArgumentParser, ...]:
    p = sub.add_parser(
        "scale",
        help="compute features and segments on Apache Spark",
        description="The studio's feature SQL and a run's model, on Spark: a local session "
        "(local[2]), any cluster (--master) or a Spark Connect server (--remote).",
    )
    steps = p.add_subparsers(dest="scale_command", metavar="STEP")
    steps.required = True

    f = steps.add_parser(
        "features",
        help="every customer's features from order lines on Spark",
        description="Read order lines (a Parquet/CSV path or glob, or a Spark catalog table) "
        "of the same shape as a workspace table, and write one row per customer with every "
        "feature to Parquet.",
    )
    f.add_argument("source", help="a Parquet/CSV path or glob, or a Spark catalog table")
    f.add_argument(
        "--roles-from",
        required=True,
        metavar="TABLE",
        help="the workspace transactions table whose columns and roles the source shares",
    )
    f.add_argument("--as-of", help="YYYY-MM-DD (default: the day after the last line)")
    f.add_argument("--format", choices=("parquet", "csv"), help="the source's format (default: "
                   "from the suffix; Parquet for a folder)")  # fmt: skip
    f.add_argument("--top-categories", type=int, default=8, help="share_<category> columns (8)")
    f.add_argument("--out", required=True, metavar="PATH", help="the Parquet folder to write")
    _engine_options(f)

    a = steps.add_parser(
        "assign",
        help="every customer's segment under a run, on Spark",
        description="Score a run's fitted preparation and model over features made by "
        "`segment scale features`: as SQL (k-means, Gaussian mixture, Ward, RFM) or with the "
        "stored model in mapInPandas (HDBSCAN). Writes customer_id, segment_id, segment.",
    )
    a.add_argument("run_id")
    a.add_argument("--features", required=True, metavar="PATH", help="the features (Parquet)")
    a.add_argument("--format", choices=("parquet", "csv"), help="the features' format")
    a.add_argument("--out", required=True, metavar="PATH", help="the Parquet folder to write")
    _engine_options(a)

    q = sub.add_parser(
        "sql",
        help="a run as one SQL query (features + segment) for BigQuery, Snowflake, Spark, DuckDB",
        description="Print one self-contained query that computes every customer's features "
        "from the order lines and their segment under the run: customer_id, segment_id, "
        "segment, then the features.",
    )
    q.add_argument("run_id")
    q.add_argument("--dialect", required=True, help="bigquery, snowflake, spark or duckdb")
    q.add_argument(
        "--source", metavar="TABLE", help="the lines' table (default: the run's source table)"
    )
    return f, a, q


def _engine_options(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--master", metavar="URL", help="Spark master (default local[2])")
    where.add_argument("--remote", metavar="URL", help="Spark Connect server, sc://HOST:15002")


def _features(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..scale.jobs import spark_features

    result = spark_features(
        shared.workspace(args),
        args.source,
        roles_from=args.roles_from,
        out=args.out,
        as_of=args.as_of,
        fmt=args.format,
        top_categories=args.top_categories,
        master=args.master,
        remote=args.remote,
        progress=shared.progress(args),
    )
    text = (
        f"Wrote {result.customers:,} customers x {len(result.features)} features as of "
        f"{result.as_of.isoformat()} to {args.out} ({result.engine}, {result.seconds:.1f} s)."
    )
    return result.to_dict(), text


def _assign(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..scale.jobs import spark_assign

    result = spark_assign(
        shared.workspace(args),
        args.run_id,
        features=args.features,
        out=args.out,
        fmt=args.format,
        master=args.master,
        remote=args.remote,
        progress=shared.progress(args),
    )
    lines = [
        f"Run {result.run_id}: {result.customers:,} customers assigned ({result.method}, "
        f"{result.seconds:.1f} s), written to {args.out}."
    ]
    width = max([28, *(len(s["segment"]) for s in result.segments)])
    lines += [f"  {s['segment_id']:>3}  {s['segment']:<{width}} {s['size']:>10,}" for s in
              result.segments]  # fmt: skip
    return result.to_dict(), "\n".join(lines)


def _sql(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..scale import run_sql as write_sql

    sql = write_sql(shared.workspace(args), args.run_id, args.dialect, source=args.source)
    return {"run_id": args.run_id, "dialect": args.dialect, "sql": sql}, sql

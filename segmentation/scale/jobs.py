"""The two Spark jobs: every customer's features from the lines, every customer's segment.

:func:`spark_features` runs the studio's feature SQL (transpiled to Spark SQL) over order lines
of the same shape as a workspace table; :func:`spark_assign` scores a run's model over those
features: as SQL for k-means, Gaussian mixtures, Ward and RFM rules, and with ``mapInPandas``
(the stored scikit-learn objects, on the executors) for HDBSCAN. Both check everything they can
before Spark starts and write their output whole or not at all.

>>> result = spark_features(ws, "lake/orders/*.parquet", roles_from="orders", out="feat")  # doctest: +SKIP
>>> result.to_dict()["customers"]  # doctest: +SKIP
4339
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError
from ..features.build import parse_as_of
from ..features.transactions import share_column_names
from ..progress import Progress, reporter
from ..segment.fit import assign
from ..segment.preprocess import transform
from ..workspace import Workspace
from .dialects import render
from .featuresql import feature_query, last_day_query, top_categories_query
from .runsql import CompiledRun, compile_run, scoring_query
from .spark import (
    check_out,
    check_source,
    engine_name,
    job_error,
    lines_frame,
    read_source,
    session,
    write_frame,
)

_LINES, _FEATURES = "__scale_lines", "__scale_features"


@dataclass(frozen=True)
class SparkFeatures:
    """What :func:`spark_features` wrote."""

    source: str
    customers: int
    features: list[str]
    as_of: date
    seconds: float
    engine: str
    out: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `segment scale features --json`."""
        return {
            "source": self.source,
            "customers": self.customers,
            "features": list(self.features),
            "as_of": self.as_of.isoformat(),
            "seconds": round(self.seconds, 3),
            "engine": self.engine,
        }


@dataclass(frozen=True)
class SparkAssignment:
    """What :func:`spark_assign` wrote."""

    run_id: str
    customers: int
    segments: list[dict[str, Any]]  # segment_id, segment, size
    seconds: float
    method: str  # "sql" or "mapInPandas"
    out: str

    def to_dict(self) -> dict[str, Any]:
        """The JSON of `segment scale assign --json`."""
        return {
            "run_id": self.run_id,
            "customers": self.customers,
            "segments": [dict(s) for s in self.segments],
            "seconds": round(self.seconds, 3),
            "method": self.method,
        }


def spark_features(
    ws: Workspace,
    source: str,
    *,
    roles_from: str,
    out: str,
    as_of: date | str | None = None,
    fmt: str | None = None,
    out_format: str = "parquet",
    top_categories: int = 8,
    spark: Any = None,
    master: str | None = None,
    remote: str | None = None,
    progress: Progress | None = None,
) -> SparkFeatures:
    """Every customer's features from the lines in ``source``, written to ``out``.

    ``roles_from`` is a workspace transactions table of the same shape: its roles say which
    column is the customer id, the date, the amount...; ``as_of`` defaults to the day after the
    last dated line with a customer, as in the workspace.
    """
    report = reporter(progress)
    started = time.perf_counter()
    info = ws.table(roles_from)
    if info.kind != "transactions":
        raise InvalidParameterError(
            f"The roles table {roles_from!r} is of kind {info.kind!r}; give the transactions "
            "table whose columns the source shares (its roles name the customer id, date, ...)."
        )
    as_of_day = parse_as_of(as_of)
    check_source(source)
    check_out(out)
    report(0.05, "Starting Spark")
    with session(spark, master=master, remote=remote) as active:
        lines, roles = lines_frame(read_source(active, source, fmt, info), info)
        lines = lines.persist(_memory_and_disk())  # read once for the three queries
        lines.createOrReplaceTempView(_LINES)
        try:
            types = {c.name: c.type for c in info.columns}
            as_of_day = as_of_day or _default_as_of(active, roles, types, source, report)
            shares = _share_columns(active, roles, types, as_of_day, top_categories, report)
            report(0.4, "Computing the features")
            query = feature_query(_LINES, roles, types, as_of_day, share_columns=shares, clean=True)
            features = active.sql(render(query, "spark"))
            write_frame(features, out, out_format)
            customers = _count(active, out, out_format)
            engine = engine_name(active)
        finally:
            active.catalog.dropTempView(_LINES)
            lines.unpersist()
    report(1.0, f"Wrote {customers:,} customers to {out}")
    return SparkFeatures(
        source,
        customers,
        [c for c in features.columns if c != "customer_id"],
        as_of_day,
        time.perf_counter() - started,
        engine,
        out,
    )


def spark_assign(
    ws: Workspace,
    run_id: str,
    *,
    features: str,
    out: str,
    fmt: str | None = None,
    out_format: str = "parquet",
    spark: Any = None,
    master: str | None = None,
    remote: str | None = None,
    progress: Progress | None = None,
) -> SparkAssignment:
    """Every customer's segment under run ``run_id``, from the features in ``features``.

    Written to ``out``: ``customer_id, segment_id, segment``.
    """
    report = reporter(progress)
    started = time.perf_counter()
    compiled = compile_run(ws, run_id)
    query = scoring_query(compiled, _FEATURES) if compiled.method == "sql" else None
    feature_table = ws.table(compiled.run.table)
    check_source(features)
    check_out(out)
    report(0.05, "Starting Spark")
    with session(spark, master=master, remote=remote) as active:
        frame = _feature_frame(read_source(active, features, fmt), compiled, feature_table)
        report(0.3, f"Assigning segments ({compiled.method})")
        try:
            if query is not None:
                frame.createOrReplaceTempView(_FEATURES)
                assigned = active.sql(render(query, "spark"))
            else:
                schema = "customer_id string, segment_id int, segment string"
                assigned = frame.mapInPandas(_stored_model_scorer(compiled), schema)
            write_frame(assigned, out, out_format)
            sizes = _sizes(active, out, out_format)
        finally:
            active.catalog.dropTempView(_FEATURES)
    segments = [
        {"segment_id": sid, "segment": compiled.names.get(sid, f"Segment {sid}"), "size": n}
        for sid, n in sorted(sizes.items())
    ]
    report(1.0, f"Wrote the segments of {sum(sizes.values()):,} customers to {out}")
    return SparkAssignment(
        run_id,
        sum(sizes.values()),
        segments,
        time.perf_counter() - started,
        compiled.method,
        out,
    )


def _default_as_of(spark: Any, roles, types, source: str, report: Progress) -> date:
    """The day after the last dated line with a customer id, as a build's default."""
    report(0.2, "Finding the last date")
    last = spark.sql(render(last_day_query(_LINES, roles, types, clean=True), "spark"))
    last_day = _collect(last)[0][0]
    if last_day is None:
        raise InvalidParameterError(
            f"The source {source!r} has no line with both a customer id and a date. Check the "
            "roles table's customer_id and timestamp columns."
        )
    return last_day + timedelta(days=1)


def _share_columns(spark: Any, roles, types, as_of: date, top: int, report: Progress) -> list:
    """The ``share_`` columns of the top categories, ranked as a build ranks them."""
    if "category" not in roles or top <= 0:
        return []
    report(0.3, "Ranking categories")
    ranked = top_categories_query(_LINES, roles, types, as_of, top, clean=True)
    return share_column_names([r[0] for r in _collect(spark.sql(render(ranked, "spark")))])


def _feature_frame(df: Any, compiled: CompiledRun, table: Any) -> Any:
    """The features the run reads, typed as in the run's feature table; an error naming each
    column the source lacks."""
    from pyspark.sql import functions as F

    needed = ["customer_id", *compiled.inputs]
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InvalidParameterError(
            f"Run {compiled.run.run_id} reads the feature(s) {', '.join(map(repr, missing))}, "
            f"which the features given lack (they have {', '.join(df.columns[:20])}). Build "
            "the features from lines with the same roles as the run's table "
            f"{compiled.run.table!r} (e.g. its category or country column), or choose a run "
            "on features Spark can compute."
        )
    types = {c.name: c.type.upper() for c in table.columns}
    fields = []
    for name in needed:
        col = F.col("`" + name.replace("`", "``") + "`")
        if name == "customer_id" or types.get(name) == "VARCHAR":
            fields.append(col.cast("string").alias(name))
        else:
            fields.append(col.cast("double").alias(name))
    return df.select(*fields)


def _stored_model_scorer(compiled: CompiledRun) -> Callable:
    """The function mapInPandas runs on each batch: the stored preparation and model."""
    pipeline, model, names = compiled.pipeline, compiled.model, dict(compiled.names)

    def score(batches):
        for batch in batches:
            ids = assign(model, transform(pipeline, batch)) + 1
            yield pd.DataFrame(
                {
                    "customer_id": batch["customer_id"].astype(str).to_numpy(),
                    "segment_id": ids.astype("int32"),
                    "segment": [names.get(int(i), f"Segment {int(i)}") for i in ids],
                }
            )

    return score


def _collect(frame: Any) -> list:
    try:
        return frame.collect()
    except Exception as e:
        raise job_error(e) from e


def _memory_and_disk() -> Any:
    from pyspark import StorageLevel

    return StorageLevel.MEMORY_AND_DISK


def _count(spark: Any, out: str, fmt: str) -> int:
    return int(_read_back(spark, out, fmt).count())


def _sizes(spark: Any, out: str, fmt: str) -> dict[int, int]:
    rows = _read_back(spark, out, fmt).groupBy("segment_id").count().collect()
    return {int(r["segment_id"]): int(r["count"]) for r in rows}


def _read_back(spark: Any, out: str, fmt: str) -> Any:
    reader = spark.read.option("header", True) if fmt == "csv" else spark.read
    frame = reader.format(fmt).load(out)
    if fmt == "csv" and "segment_id" in frame.columns:
        frame = frame.withColumn("segment_id", frame["segment_id"].cast("int"))
    return frame

"""A run as one SQL query: its features from the lines, its preparation, its model.

:func:`scoring_query` scores a table of features (one row per customer, the columns of the
run's feature table) and returns ``customer_id, segment_id, segment``; :func:`run_query` puts
the feature SQL in front of it, so one self-contained query goes from the order lines to every
customer's segment and features, for DuckDB, Spark SQL, BigQuery or Snowflake.

>>> print(run_sql(ws, "r1", "bigquery", source="shop.orders"))  # doctest: +SKIP
WITH `raw_lines` AS (SELECT ...
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlglot import exp

from ..errors import InvalidParameterError
from ..segment.rfm import SEGMENTS, RfmModel
from ..segment.runs import Run, fitted, get_run
from ..workspace import Workspace
from .dialects import column, render, table_name, text
from .featuresql import feature_query, split_ctes
from .modelsql import best_index, is_compilable, rfm_scores, rfm_segment, segment_scores
from .prepsql import input_columns, prepared_columns

FEATURES = "features"  # the relation the scoring CTEs read


@dataclass(frozen=True)
class CompiledRun:
    """What a run's scoring needs: its fitted objects, names and the feature columns read."""

    run: Run
    pipeline: Any
    model: Any
    names: dict[int, str]  # segment_id -> name (ids the model can give)
    inputs: list[str]  # feature columns the preparation or the rules read

    @property
    def method(self) -> str:
        """``'sql'`` when the model compiles to SQL, else ``'mapInPandas'`` (HDBSCAN)."""
        return "sql" if is_compilable(self.model) else "mapInPandas"


def compile_run(ws: Workspace, run_id: str) -> CompiledRun:
    """The run, its fitted preparation and model, and its segment names."""
    run = get_run(ws, run_id)
    stored = fitted(ws, run_id)
    pipeline, model = stored["pipeline"], stored["model"]
    names = {s.segment_id: s.name for s in run.segments}
    if isinstance(model, RfmModel):
        ids = range(1, len(SEGMENTS) + 1)
        names = {i: names.get(i, SEGMENTS[i - 1]) for i in ids}
        inputs = [model.columns[k] for k in ("recency", "frequency", "monetary")]
    else:
        ids = _segment_ids(model)
        names = {i: names.get(i, "Unassigned" if i == 0 else f"Segment {i}") for i in ids}
        inputs = input_columns(pipeline)
    return CompiledRun(run, pipeline, model, names, inputs)


def scoring_ctes(compiled: CompiledRun) -> list[tuple[str, exp.Select]]:
    """CTEs from the relation ``features`` to ``assigned`` (customer_id, segment_id, segment)."""
    if isinstance(compiled.model, RfmModel):
        scores = rfm_scores(compiled.model)
        scored = exp.select(
            column("customer_id"), *(e.as_(k, quoted=True) for k, e in scores.items())
        ).from_(FEATURES)
        index = rfm_segment("R", "F", "M")
        ctes = [("rfm_scores", scored)]
        last = "rfm_scores"
    else:
        prepared = prepared_columns(compiled.pipeline)
        x = exp.select(
            column("customer_id"),
            *(e.as_(f"x{j}", quoted=True) for j, (_, e) in enumerate(prepared)),
        ).from_(FEATURES)
        scores, direction = segment_scores(compiled.model, len(prepared))
        scored = exp.select(
            column("customer_id"), *(s.as_(f"s{i}", quoted=True) for i, s in enumerate(scores))
        ).from_("prepared")
        index = best_index([f"s{i}" for i in range(len(scores))], direction)
        ctes = [("prepared", x), ("segment_scores", scored)]
        last = "segment_scores"
    indexed = exp.select(column("customer_id"), index.as_("segment_index", quoted=True)).from_(last)
    ids = exp.Add(this=column("segment_index"), expression=exp.Literal.number(1))
    names = exp.Case(
        ifs=[
            exp.If(this=exp.EQ(this=ids.copy(), expression=exp.Literal.number(sid)), true=text(n))
            for sid, n in sorted(compiled.names.items())
        ]
    )
    assigned = exp.select(
        column("customer_id"), ids.as_("segment_id", quoted=True), names.as_("segment", quoted=True)
    ).from_("indexed")
    return [*ctes, ("indexed", indexed), ("assigned", assigned)]


def scoring_query(compiled: CompiledRun, features_table: str) -> exp.Select:
    """``customer_id, segment_id, segment`` of every row of a table of features."""
    query = exp.select("customer_id", "segment_id", "segment").from_("assigned")
    source = exp.select("*").from_(table_name(features_table))
    query = query.with_(FEATURES, as_=source)
    for name, cte in scoring_ctes(compiled):
        query = query.with_(name, as_=cte)
    return query.order_by("customer_id")


def run_query(ws: Workspace, run_id: str, *, source: str | None = None) -> exp.Select:
    """The run's features computed from the order lines in ``source`` (default: the run's own
    source table), its segment for every customer, and every feature."""
    compiled = compile_run(ws, run_id)
    plan = feature_plan(ws, compiled.run)
    lines = source or plan["source"]
    features = feature_query(
        lines, plan["roles"], plan["types"], plan["as_of"], share_columns=plan["shares"]
    )
    ctes, final = split_ctes(features)
    query = exp.select(
        *(column(c, "a") for c in ("customer_id", "segment_id", "segment")),
        *(column(c, "f") for c in plan["columns"] if c != "customer_id"),
    ).from_(exp.to_table("assigned").as_("a"))
    query = query.join(
        exp.to_table(FEATURES).as_("f"),
        on=exp.EQ(this=column("customer_id", "a"), expression=column("customer_id", "f")),
    )
    for cte in ctes:
        query = query.with_(cte.alias, as_=cte.this)
    query = query.with_(FEATURES, as_=final)
    for name, cte in scoring_ctes(compiled):
        query = query.with_(name, as_=cte)
    return query.order_by(column("customer_id", "a"))


def run_sql(ws: Workspace, run_id: str, dialect: str, *, source: str | None = None) -> str:
    """:func:`run_query` written for ``dialect`` (duckdb, spark, bigquery or snowflake)."""
    return render(run_query(ws, run_id, source=source), dialect, pretty=True)


def feature_plan(ws: Workspace, run: Run) -> dict[str, Any]:
    """How the run's feature table was built: source, roles, types, as-of, share columns."""
    info = ws.table(run.table)
    opts = info.options
    if info.kind != "features" or opts.get("source_kind") != "transactions":
        raise InvalidParameterError(
            f"Run {run.run_id} segments table {run.table!r}, which was not built from "
            "transactions by `segment features`; only such runs can be written as one query "
            "from the order lines. Score its features with `segment scale assign` instead."
        )
    source = opts.get("source")
    if not source or not ws.has_table(source):
        raise InvalidParameterError(
            f"Run {run.run_id}'s features were built from table {source!r}, which is no longer "
            "in the workspace; its column types are needed to write the feature SQL. Load it "
            "again under that name."
        )
    raw = ws.table(source)
    roles: Mapping[str, str] = opts.get("roles") or {}
    columns = [c.name for c in info.columns]
    return {
        "source": source,
        "roles": dict(roles),
        "types": {c.name: c.type for c in raw.columns},
        "as_of": date.fromisoformat(opts["as_of"]),
        "shares": [c for c in columns if c.startswith("share_")],
        "columns": columns,
    }


def _segment_ids(model: Any) -> list[int]:
    """The segment ids a fitted model can give (label + 1; HDBSCAN's noise is 0)."""
    if hasattr(model, "centers"):
        return list(range(1, len(model.centers) + 1))
    if hasattr(model, "order"):
        return list(range(1, len(model.order) + 1))
    return sorted(int(c) + 1 for c in getattr(model, "classes_", []))

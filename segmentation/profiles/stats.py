"""Per-segment aggregates of a run's features over every customer, in one DuckDB query.

Size, mean and median per segment; everyone's mean, median and standard deviation; revenue per
segment where the table has a ``monetary`` column. ``index`` is the segment mean / overall mean x
100 (the marketing convention), ``std_diff`` (segment mean - overall mean) / overall std.

>>> stats = segment_stats(ws, "r1")  # doctest: +SKIP
>>> stats.index.loc[1, "frequency"]  # doctest: +SKIP
412.5
>>> clean(float("nan")), clean(2.5)
(None, 2.5)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..features.summaries import numeric_columns
from ..segment.runs import get_run
from ..workspace import META, Workspace, quote_ident
from .rundata import profile_features, run_table


@dataclass(frozen=True)
class SegmentStats:
    """Per-segment aggregates of a run's features over every customer (:func:`segment_stats`)."""

    features: list[str]
    sizes: pd.Series  # segment_id -> customers
    mean: pd.DataFrame  # segment_id x feature
    median: pd.DataFrame
    overall_mean: pd.Series
    overall_median: pd.Series
    overall_std: pd.Series
    revenue: pd.Series | None  # segment_id -> sum of monetary, where the table has it
    yes_no: tuple[str, ...] = ()  # features whose every value is 0 or 1: their means are shares

    @property
    def index(self) -> pd.DataFrame:
        base = self.overall_mean.where(self.overall_mean > 0)
        return self.mean.div(base, axis=1) * 100

    @property
    def std_diff(self) -> pd.DataFrame:
        spread = self.overall_std.where(self.overall_std > 0)
        return self.mean.sub(self.overall_mean, axis=1).div(spread, axis=1)


def segment_stats(ws: Workspace, run_id: str, features: list[str] | None = None) -> SegmentStats:
    """Size, mean, median and revenue per segment, and everyone's mean, median and std.

    One DuckDB query over the run's assignments joined to its customer table.
    """
    run = get_run(ws, run_id)
    table, id_sql = run_table(ws, run)
    features = features or profile_features(ws, run)
    revenue = _revenue_column(ws, table)
    cols = [f"CAST(f.{quote_ident(c)} AS DOUBLE)" for c in features]
    select = ["a.segment_id", "count(*)"]
    for col in cols:
        select += [f"avg({col})", f"median({col})", f"stddev_pop({col})"]
        select += [f"bool_and({col} IN (0, 1))"]
    select.append(f"sum(f.{quote_ident(revenue)})" if revenue else "NULL")
    rows = ws.query(
        f"SELECT {', '.join(select)} FROM {META}.assignments a "
        f"JOIN {quote_ident(table)} f ON a.customer_id = {id_sql} "
        "WHERE a.run_id = ? GROUP BY GROUPING SETS ((a.segment_id), ()) ORDER BY a.segment_id",
        [run_id],
    )
    overall = next(r for r in rows if r[0] is None)
    per_segment = [r for r in rows if r[0] is not None]
    return _stats(features, overall, per_segment, has_revenue=revenue is not None)


def _stats(
    features: list[str], overall: tuple, per_segment: list[tuple], *, has_revenue: bool
) -> SegmentStats:
    """The query's rows (``segment_id, count, (avg, median, std, all 0/1) per feature,
    revenue``) as frames and series."""
    ids = [int(r[0]) for r in per_segment]

    def frame(offset: int) -> pd.DataFrame:
        values = [[_num(r[2 + 4 * i + offset]) for i in range(len(features))] for r in per_segment]
        return pd.DataFrame(values, index=ids, columns=features, dtype=float)

    def series(offset: int) -> pd.Series:
        return pd.Series(
            [_num(overall[2 + 4 * i + offset]) for i in range(len(features))],
            index=features,
            dtype=float,
        )

    return SegmentStats(
        features=list(features),
        sizes=pd.Series([int(r[1]) for r in per_segment], index=ids, dtype="int64"),
        mean=frame(0),
        median=frame(1),
        overall_mean=series(0),
        overall_median=series(1),
        overall_std=series(2),
        revenue=(
            pd.Series([_num(r[-1]) or 0.0 for r in per_segment], index=ids, dtype=float)
            if has_revenue
            else None
        ),
        yes_no=tuple(f for i, f in enumerate(features) if overall[2 + 4 * i + 3]),
    )


def _revenue_column(ws: Workspace, table: str) -> str | None:
    lower = {c.lower(): c for c in numeric_columns(ws, table)}
    return lower.get("monetary")


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) else value


def clean(value: Any) -> float | None:
    """A float for JSON: NaN and infinities become None."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None

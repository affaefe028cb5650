"""Summaries of a workspace table computed in DuckDB: histograms, correlations, a sample.

They feed the charts of the Features page without pulling a million rows into pandas.
"""

from __future__ import annotations

import math

import pandas as pd

from ..errors import InvalidParameterError
from ..workspace import Workspace, quote_ident
from ..workspace.types import is_numeric


def numeric_columns(ws: Workspace, table: str) -> list[str]:
    """The numeric columns of a table, in table order."""
    return [c.name for c in ws.table(table).columns if is_numeric(c.type)]


def _check_column(ws: Workspace, table: str, column: str) -> None:
    known = numeric_columns(ws, table)
    if column not in known:
        raise InvalidParameterError(
            f"The 'column' parameter must be a numeric column of {table!r} "
            f"({', '.join(known) or 'none'}). Got {column!r} instead."
        )


def histogram(
    ws: Workspace, table: str, column: str, *, bins: int = 40, log: bool = False
) -> pd.DataFrame:
    """Counts of a column's values in equal-width bins (of log1p(value) when ``log``).

    Returns columns ``start``, ``end`` (in the column's own units) and ``count``; missing
    values are not counted. Negative values are clipped at 0 before a log.

    >>> histogram(ws, "orders_features", "monetary", log=True).head(2)  # doctest: +SKIP
    """
    _check_column(ws, table, column)
    if not 2 <= int(bins) <= 500:
        raise InvalidParameterError(f"The 'bins' parameter must be in [2, 500]. Got {bins!r}.")
    q = quote_ident(column)
    value = f"ln(1 + greatest({q}, 0))" if log else f"{q}::DOUBLE"
    lo, hi = ws.query(f"SELECT min({value}), max({value}) FROM {quote_ident(table)}")[0]
    if lo is None:
        return pd.DataFrame({"start": [], "end": [], "count": []})
    width = (hi - lo) / bins if hi > lo else 1.0
    counts = dict(
        ws.query(
            f"SELECT least(floor(({value} - ?) / ?)::BIGINT, ?) AS b, count(*) "
            f"FROM {quote_ident(table)} WHERE {q} IS NOT NULL GROUP BY b",
            [lo, width, bins - 1],
        )
    )
    edges = [lo + i * width for i in range(bins + 1)]
    if log:
        edges = [math.expm1(e) for e in edges]
    return pd.DataFrame(
        {"start": edges[:-1], "end": edges[1:], "count": [counts.get(i, 0) for i in range(bins)]}
    )


def correlations(
    ws: Workspace, table: str, columns: list[str] | None = None, *, sample: int = 200_000
) -> pd.DataFrame:
    """Pearson correlations between numeric columns, on a seeded sample of at most ``sample`` rows."""
    columns = columns or numeric_columns(ws, table)
    for column in columns:
        _check_column(ws, table, column)
    if not columns:
        return pd.DataFrame()
    select = ", ".join(f"{quote_ident(c)}::DOUBLE AS {quote_ident(c)}" for c in columns)
    frame = ws.query_df(
        f"SELECT {select} FROM {quote_ident(table)} USING SAMPLE {int(sample)} ROWS (reservoir, 1)"
    )
    return frame.corr()


def read_table(
    ws: Workspace, table: str, columns: list[str] | None = None, *, sample: int | None = None
) -> pd.DataFrame:
    """A table (or some of its columns, or a seeded sample of its rows) as a DataFrame."""
    info = ws.table(table)
    names = [c.name for c in info.columns]
    unknown = [c for c in columns or [] if c not in names]
    if unknown:
        raise InvalidParameterError(
            f"Unknown column(s) {', '.join(map(repr, unknown))} in {table!r}; it has "
            f"{', '.join(map(repr, names))}."
        )
    select = ", ".join(quote_ident(c) for c in columns) if columns else "*"
    sql = f"SELECT {select} FROM {quote_ident(table)}"
    if sample is not None and sample < info.rows:
        return ws.query_df(sql + f" USING SAMPLE {int(sample)} ROWS (reservoir, 1)")
    return ws.query_df(sql)

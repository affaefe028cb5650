"""The transaction features as SQLGlot expressions, from the one DuckDB definition.

:func:`segmentation.features.transaction_sql.feature_sql` stays the only definition of the
features. This module parses its text, puts the as-of date in as a literal (the one value of
the query) and the source table the engine knows, and derives from the same CTEs the two
questions a build asks first: the default as-of date and the top categories.

>>> roles = {"customer_id": "cid", "timestamp": "ts", "amount": "amt"}
>>> query = feature_query("orders", roles, {}, date(2024, 1, 1))
>>> "DATE" in render(query, "bigquery")
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sqlglot import exp

from ..features.transaction_sql import feature_sql
from .dialects import parse, render, table_name, text

__all__ = ["feature_query", "last_day_query", "top_categories_query", "render"]

_SOURCE = "__scale_source"  # stands for the source table until it is replaced


def feature_query(
    source: str,
    roles: Mapping[str, str],
    types: Mapping[str, str],
    as_of: date,
    *,
    share_columns: Sequence[str] = (),
    clean: bool = False,
) -> exp.Select:
    """The features' SELECT (one row per customer) over table ``source``, as of ``as_of``.

    ``roles``, ``types``, ``share_columns`` and ``clean`` are those of ``feature_sql``.
    """
    sql = feature_sql(_SOURCE, roles, "?", types=types, share_columns=share_columns, clean=clean)
    return _bind(parse(sql), source, as_of)


def last_day_query(
    source: str, roles: Mapping[str, str], types: Mapping[str, str], *, clean: bool = False
) -> exp.Select:
    """``SELECT max(day)`` of the lines with a customer id: the day before the default as-of."""
    query = feature_query(source, roles, types, date(1970, 1, 1), clean=clean)
    raw = _cte(query, "raw_lines")
    return (
        exp.select("max(day) AS last_day")
        .from_("raw_lines")
        .where("customer_id IS NOT NULL")
        .with_("raw_lines", as_=raw)
    )


def top_categories_query(
    source: str,
    roles: Mapping[str, str],
    types: Mapping[str, str],
    as_of: date,
    n: int,
    *,
    clean: bool = False,
) -> exp.Select:
    """The ``n`` categories with the most purchase revenue (ties: alphabetical), best first:
    the ranking a build names its ``share_`` columns after."""
    query = feature_query(source, roles, types, as_of, clean=clean)
    ranked = (
        exp.select("category")
        .from_("lines")
        .where("NOT is_return AND category IS NOT NULL")
        .group_by("category")
        .order_by("sum(amount) DESC", "category")
        .limit(int(n))
    )
    for name in ("raw_lines", "cutoff", "checked_lines", "lines"):
        ranked = ranked.with_(name, as_=_cte(query, name))
    return ranked


def split_ctes(query: exp.Select) -> tuple[list[exp.CTE], exp.Select]:
    """The CTEs of a query and its final SELECT without them (nor its ORDER BY)."""
    ctes = [cte.copy() for cte in query.ctes]
    final = query.copy()
    for key in ("with_", "with", "order"):  # SQLGlot 30 calls the WITH clause "with_"
        if key in final.args:
            final.set(key, None)
    return ctes, final


def _cte(query: exp.Select, name: str) -> exp.Expression:
    for cte in query.ctes:
        if cte.alias == name:
            return cte.this.copy()
    raise KeyError(name)


def _bind(query: exp.Expression, source: str, as_of: date) -> exp.Select:
    """The placeholder as a DATE literal, the stand-in table as ``source``."""
    day = exp.cast(text(as_of.isoformat()), exp.DataType.build("DATE"))
    query = query.transform(lambda node: day.copy() if isinstance(node, exp.Placeholder) else node)
    target = table_name(source)
    for table in query.find_all(exp.Table):
        if table.name == _SOURCE:
            table.replace(target.copy())
    return query

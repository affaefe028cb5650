"""Features of a customers table: its own columns, one row per customer id.

Numbers are kept, booleans become 0/1, dates become days before the as-of date
(``<column>_days_ago``) and text columns with at most :data:`MAX_CATEGORY_LEVELS` distinct
values are kept as categories. Identifiers and personal fields (by role), columns of other
types, empty or constant columns and free text are left out, each with its reason
(``FeatureResult.missing``). A customer id that repeats is refused, or only its first row is
kept (``on_duplicate='first'``).

>>> build_features(ws, "crm").missing["email"]  # doctest: +SKIP
"identifier or personal field (role 'email')"
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from ..errors import InvalidParameterError
from ..workspace import ColumnInfo, TableInfo, quote_ident
from ..workspace.types import type_class
from .sql import Plan, cte, customer_id_sql, cutoff_cte, need_role, with_ctes

MAX_CATEGORY_LEVELS = 20  # text columns of a customer table with more distinct values are dropped
# Roles of a customer table that are identifiers or personal data: never features.
_NOT_FEATURES = ("customer_id", "order_id", "email", "phone", "first_name", "last_name", "zip")


def customer_plan(
    cur, info: TableInfo, roles: dict[str, str], as_of: date | None, on_duplicate: str, report
) -> Plan:
    """The SQL of a customer table's features, its parameters, and what it leaves out."""
    id_column = need_role(info, roles, "customer_id", "says whose each row is")
    id_type = info.column(id_column).type
    id_sql = customer_id_sql(id_column, id_type)
    src = quote_ident(info.name)
    report(0.2, "Looking at the columns")
    not_features = {c: r for r, c in roles.items() if r in _NOT_FEATURES}
    candidates = [c for c in info.columns if c.name not in not_features]
    facts = _column_facts(cur, src, id_sql, candidates)
    kept, missing = _choose_columns(candidates, facts)
    missing = {
        c: f"identifier or personal field (role {r!r})"
        for c, r in not_features.items()
        if c != id_column
    } | missing
    if as_of is None:
        dates = [facts[c][1] for c, kind in kept if kind == "date" and facts[c][1] is not None]
        as_of = max(dates) + timedelta(days=1) if dates else date.today()
    without_id, dropped, repeating = (
        int(x)
        for x in cur.execute(
            "SELECT count(*) FILTER (WHERE customer_id IS NULL), "
            "count(customer_id) - count(DISTINCT customer_id), "
            "count(DISTINCT customer_id) FILTER (WHERE repeats) FROM ("
            f"SELECT {id_sql} AS customer_id, count(*) OVER (PARTITION BY {id_sql}) > 1 "
            f"AS repeats FROM {src}) AS ids"
        ).fetchall()[0]
    )
    if dropped and on_duplicate == "refuse":
        raise InvalidParameterError(
            f"{repeating:,} customer id(s) appear more than once in table {info.name!r} "
            f"(column {id_column!r}, {dropped:,} extra row(s)). Remove the duplicates, or keep "
            "the first row of each id with on_duplicate='first' (--on-duplicate first, or "
            "'Keep first' on the Features page)."
        )
    excluded = {"rows_without_customer": without_id, "duplicate_rows_dropped": dropped}
    sql = customer_feature_sql(info.name, id_column, id_type, kept, "?")
    used = {r: c for r, c in roles.items() if c in {id_column, *(k for k, _ in kept)}}
    return Plan(sql, [as_of], as_of, used, excluded, missing)


def _choose_columns(
    columns: list[ColumnInfo], facts: Mapping[str, tuple]
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(column, class) of the columns kept as features, and column -> why for the others."""
    kept: list[tuple[str, str]] = []
    dropped: dict[str, str] = {}
    for col in columns:
        kind, distinct = type_class(col.type), facts[col.name][0]
        if kind == "other":
            dropped[col.name] = f"its type {col.type} cannot be a feature"
        elif distinct == 0:
            dropped[col.name] = "it has no values"
        elif distinct == 1:
            dropped[col.name] = "it has the same value in every row"
        elif kind == "text" and distinct > MAX_CATEGORY_LEVELS:
            dropped[col.name] = (
                f"text with {distinct:,} distinct values (categories need at most "
                f"{MAX_CATEGORY_LEVELS})"
            )
        else:
            kept.append((col.name, kind))
    return kept, dropped


def _column_facts(cur, src: str, id_sql: str, columns: list[ColumnInfo]) -> dict[str, tuple]:
    """Column -> (distinct values, latest date as a DATE or None), over rows with an id."""
    facts: dict[str, tuple] = {}
    for start in range(0, len(columns), 60):
        batch = columns[start : start + 60]
        parts = []
        for col in batch:
            q = quote_ident(col.name)
            parts.append(f"count(DISTINCT {q})")
            parts.append(
                f"max(CAST({q} AS DATE))" if type_class(col.type) == "date" else "NULL::DATE"
            )
        row = cur.execute(
            f"SELECT {', '.join(parts)} FROM {src} WHERE ({id_sql}) IS NOT NULL"
        ).fetchall()[0]
        for i, col in enumerate(batch):
            facts[col.name] = (int(row[2 * i]), row[2 * i + 1])
    return facts


def customer_feature_sql(
    source_table: str,
    id_column: str,
    id_type: str,
    columns: Sequence[tuple[str, str]],
    as_of_sql: str,
) -> str:
    """The SELECT of a customer table's features: the first row of each customer id.

    ``columns`` are (column, class) with class 'number' or 'text' (kept as they are),
    'boolean' (0/1) or 'date' (days before as_of, named ``<column>_days_ago``).

    >>> sql = customer_feature_sql("crm", "id", "VARCHAR", [("age", "number")], "?")
    >>> "row_number() OVER" in sql
    True
    """
    taken = {"customer_id"}
    fields, outs = [], []
    for column, kind in columns:
        q = f"s.{quote_ident(column)}"
        out = base = f"{column}_days_ago" if kind == "date" else column
        n = 2
        while out.lower() in taken:
            out, n = f"{base}_{n}", n + 1
        taken.add(out.lower())
        expr = {
            "date": f"date_diff('day', CAST({q} AS DATE), c.as_of)",
            "boolean": f"CAST({q} AS INTEGER)",
            "text": f"nullif(trim({q}), '')",
        }.get(kind, q)
        fields.append(f"{expr} AS {quote_ident(out)}")
        outs.append(quote_ident(out))
    id_sql = customer_id_sql(id_column, id_type, table="s")
    keyed = ",\n        ".join([f"{id_sql} AS __seg_customer_id", "s.rowid AS __seg_row", *fields])
    return with_ctes(
        [
            cutoff_cte(as_of_sql),
            cte(
                "keyed",
                f"    SELECT\n        {keyed}\n    FROM {quote_ident(source_table)} AS s "
                "CROSS JOIN cutoff AS c",
            ),
            cte(
                "ranked",
                "    SELECT *, row_number() OVER (PARTITION BY __seg_customer_id "
                "ORDER BY __seg_row) AS __seg_nth\n    FROM keyed "
                "WHERE __seg_customer_id IS NOT NULL",
            ),
        ],
        f"SELECT __seg_customer_id AS customer_id{''.join(', ' + o for o in outs)}\n"
        "FROM ranked WHERE __seg_nth = 1 ORDER BY customer_id",
    )

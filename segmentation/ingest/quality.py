"""The quality report of a loaded table, and the facts that role guessing reads from values."""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb

from ..workspace import ColumnInfo, quote_ident
from ..workspace.types import is_numeric, type_class
from . import roles as roles_mod
from .coltypes import ColumnPlan, reads_as_date_sql, value_sql

_QUARTILE_SAMPLE = 100_000
_BATCH = 60  # columns per aggregate query (files may have 1,000+ columns)
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_PHONE = r"\+?[0-9 ().\-/]{7,22}"
_CODE = r"[A-Za-z0-9][A-Za-z0-9_./#-]{0,39}"  # one word: an id, a card or member number
US = ("US", "USA", "U.S.", "U.S.A.", "UNITED STATES", "UNITED STATES OF AMERICA")
ZIP_SHAPED = 0.9  # share of a zip column's values that must be 4- or 5-digit numbers to check it


def _batches(items: list, size: int = _BATCH):
    for i in range(0, len(items), size):
        yield items[i : i + size]


def column_facts(
    cur: duckdb.DuckDBPyConnection, sample: str, plans: list[ColumnPlan]
) -> list[roles_mod.ColumnFacts]:
    """Value facts per column (distinct ratio, email/phone look, zero-padding) from a sample."""
    out = []
    for batch in _batches(plans):
        parts = []
        for i, plan in enumerate(batch):
            t = f"({value_sql_text(plan.name)})"
            parts += [
                f"count({t}) AS n{i}",
                f"approx_count_distinct({t}) AS d{i}",
                f"count(*) FILTER (WHERE regexp_full_match({t}, '{_EMAIL}')) AS e{i}",
                f"count(*) FILTER (WHERE CASE WHEN regexp_full_match({t}, '{_PHONE}') AND "
                f"length(regexp_replace({t}, '[^0-9]', '', 'g')) BETWEEN 7 AND 15 "
                f"THEN NOT {reads_as_date_sql(t)} ELSE false END) AS p{i}",
                rf"count(*) FILTER (WHERE regexp_full_match({t}, '0\d+')) AS z{i}",
                rf"count(*) FILTER (WHERE regexp_full_match({t}, '[+-]?\d+\.0+')) AS w{i}",
                f"count(*) FILTER (WHERE regexp_full_match({t}, '{_CODE}')) AS c{i}",
            ]
        row = cur.execute(f"SELECT {', '.join(parts)} FROM {quote_ident(sample)}").fetchall()[0]
        for i, plan in enumerate(batch):
            n, d, e, p, z, w, c = row[7 * i : 7 * i + 7]
            share = lambda k, n=n: k / n if n else 0.0  # noqa: E731
            out.append(
                roles_mod.ColumnFacts(
                    name=plan.name,
                    type=plan.type,
                    distinct_ratio=share(d),
                    share_email=share(e),
                    share_phone=share(p),
                    leading_zeros=z > 0,
                    generic_name=bool(re.fullmatch(r"column_\d+", plan.name)),
                    whole_floats=n > 0 and w == n,
                    distinct=int(d),
                    code_like=n > 0 and c == n,
                )
            )
    return out


def value_sql_text(col: str) -> str:
    """The trimmed text of any column (typed or not), empty and NA tokens as NULL."""
    q = quote_ident(col)
    return value_sql(col).replace(q, f"{q}::VARCHAR")


def guess_kind(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[ColumnInfo],
    report: dict[str, Any] | None = None,
) -> str:
    """'transactions' when customer ids repeat, else 'customers'.

    With the table's quality ``report``, ids that repeat far more than the rule needs (their
    estimated distinct count under 85% of the ids; the estimate errs by about 2%) decide it
    without counting distinct ids exactly over every row.
    """
    by_role = {c.role: c.name for c in columns}
    cid = by_role.get("customer_id")
    has_time = "timestamp" in by_role
    if cid is None:
        rows = cur.execute(f"SELECT count(*) FROM {quote_ident(table)}").fetchall()[0][0]
        return roles_mod.guess_kind(rows, 0, 0, has_time and "amount" in by_role)
    stats = next((s for s in (report or {}).get("per_column", []) if s.get("name") == cid), {})
    if {"missing", "distinct"} <= stats.keys() and "rows" in report:  # older reports: count
        present = report["rows"] - stats["missing"]
        if present and stats["distinct"] < 0.85 * present:
            return roles_mod.guess_kind(report["rows"], present, stats["distinct"], has_time)
    q = quote_ident(cid)
    rows, present, distinct = cur.execute(
        f"SELECT count(*), count({q}), count(DISTINCT {q}) FROM {quote_ident(table)}"
    ).fetchall()[0]
    return roles_mod.guess_kind(rows, present, distinct, has_time)


def quality_report(
    cur: duckdb.DuckDBPyConnection,
    table: str,
    columns: list[ColumnInfo],
    unparseable: dict[str, int] | None = None,
) -> dict[str, Any]:
    """Rows, missing values, duplicates, returns, bad and future dates, constants, outliers,
    and ``notes``: findings in words, such as US zip codes that lost their leading zero."""
    unparseable = dict(unparseable or {})
    t = quote_ident(table)
    rows = cur.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
    per_column = _per_column(cur, t, columns, rows, unparseable)
    outliers = _outliers(
        cur, t, [c for c in columns if is_numeric(c.type) and c.role not in roles_mod.TEXT_ROLES]
    )
    for stats in per_column:
        stats["outliers"] = outliers.get(stats["name"], 0)
    duplicates = _duplicate_rows(cur, t, columns)
    by_role = {  # a role on a column of the wrong type (an old catalog) is not counted
        c.role: c.name
        for c in columns
        if type_class(c.type) == roles_mod.TYPE_RULES.get(c.role, type_class(c.type))
    }
    report: dict[str, Any] = {
        "rows": rows,
        "columns": len(columns),
        "duplicate_rows": duplicates,
        "rows_without_customer_id": _count_where(cur, t, by_role.get("customer_id"), "IS NULL"),
        "negative_amounts": _count_where(cur, t, by_role.get("amount"), "< 0"),
        "negative_quantities": _count_where(cur, t, by_role.get("quantity"), "< 0"),
        "unparseable_dates": sum(
            n
            for c, n in unparseable.items()
            if any(x.name == c and x.type in ("DATE", "TIMESTAMP") for x in columns)
        ),
        "future_dates": _count_where(cur, t, by_role.get("timestamp"), "> now()::TIMESTAMP"),
        "constant_columns": [
            s["name"] for s in per_column if s["distinct"] == 1 and s["missing"] < rows
        ],
        "empty_columns": [s["name"] for s in per_column if s["missing"] == rows],
        "outlier_values": sum(outliers.values()),
        "unparseable": unparseable,
        "per_column": per_column,
        "notes": _zip_notes(cur, t, columns),
    }
    return report


def _zip_notes(cur, t: str, columns: list[ColumnInfo]) -> list[str]:
    """A note per zip column whose US codes include 4-digit numbers: 02134 saved as a number
    (as Excel does) becomes 2134. US rows are those whose country column says so; without a
    country column, a column of 4- and 5-digit numbers (some of each) reads as US zip codes,
    while one of 4-digit numbers only may hold another country's postcodes and is left alone.
    """
    country = next((c.name for c in columns if c.role == "country"), None)
    notes = []
    for col in columns:
        if col.role != "zip" and not roles_mod.named_for(col.name, "zip"):
            continue
        z = rf"regexp_replace(trim(CAST({quote_ident(col.name)} AS VARCHAR)), '\.0+$', '')"
        where, params = "", []
        if country is not None:  # the US rows only
            marks = ", ".join(["?"] * len(US))
            where = f"WHERE upper(trim(CAST({quote_ident(country)} AS VARCHAR))) IN ({marks})"
            params = list(US)
        present, four, five = cur.execute(
            rf"SELECT count({z}), count(*) FILTER (WHERE regexp_full_match({z}, '\d{{4}}')), "
            rf"count(*) FILTER (WHERE regexp_full_match({z}, '\d{{5}}(-\d{{4}})?')) FROM {t} "
            + where,
            params,
        ).fetchall()[0]
        shaped = four and four + five >= ZIP_SHAPED * present
        if shaped and (country is not None or five):
            notes.append(_zip_note(col.name, four, present, country is not None))
    return notes


def _zip_note(col: str, four: int, present: int, by_country: bool) -> str:
    among = f"{present:,} US zip codes" if by_country else f"{present:,} zip codes"
    return (
        f"Column {col!r}: {four:,} of its {among} have 4 digits, so their leading zero was "
        "likely lost (02134 saved as a number becomes 2134, as Excel does). Keep the column as "
        "text in the file, or pad the codes to 5 digits with leading zeros, and load it again."
    )


def _per_column(cur, t: str, columns: list[ColumnInfo], rows: int, unparseable) -> list[dict]:
    """Missing, distinct and unparseable values of each column (outliers filled in later)."""
    per_column = []
    for batch in _batches(columns):
        parts = []
        for c in batch:
            q = quote_ident(c.name)
            parts += [f"count({q})", f"approx_count_distinct({q})"]
        row = cur.execute(f"SELECT {', '.join(parts)} FROM {t}").fetchall()[0]
        for i, c in enumerate(batch):
            present, distinct = row[2 * i], row[2 * i + 1]
            per_column.append(
                {
                    "name": c.name,
                    "type": c.type,
                    "role": c.role,
                    "missing": rows - present,
                    "missing_pct": round(100.0 * (rows - present) / rows, 2) if rows else 0.0,
                    "distinct": int(distinct),
                    "unparseable": unparseable.get(c.name, 0),
                    "outliers": 0,
                }
            )
    return per_column


def _duplicate_rows(cur, t: str, columns: list[ColumnInfo]) -> int:
    every = ", ".join(quote_ident(c.name) for c in columns)
    # A row is a duplicate when its hash equals the one before it in hash order: sorting the
    # hashes is twice as fast as count(DISTINCT ...) over millions of rows.
    return cur.execute(
        f"SELECT count(*) FROM (SELECT h, lag(h) OVER (ORDER BY h) AS prev "
        f"FROM (SELECT hash({every}) AS h FROM {t})) WHERE h = prev"
    ).fetchall()[0][0]


def _count_where(cur, t: str, col: str | None, condition: str) -> int | None:
    if col is None:
        return None
    return int(
        cur.execute(f"SELECT count(*) FROM {t} WHERE {quote_ident(col)} {condition}").fetchall()[0][
            0
        ]
    )


def _outliers(cur, t: str, columns: list[ColumnInfo]) -> dict[str, int]:
    """Extreme values: beyond 3 interquartile ranges outside the quartiles (the quartiles of a
    100,000-row sample)."""
    found: dict[str, int] = {}
    for batch in _batches(columns):
        # Quartiles of a fixed sample: exact (and repeatable) where the table is smaller, and
        # twice as fast as approx_quantile over millions of rows.
        quart = ", ".join(f"quantile_cont({quote_ident(c.name)}, [0.25, 0.75])" for c in batch)
        cols = ", ".join(quote_ident(c.name) for c in batch)
        bounds = cur.execute(
            f"SELECT {quart} FROM (SELECT {cols} FROM {t} "
            f"USING SAMPLE {_QUARTILE_SAMPLE} ROWS (reservoir, 7))"
        ).fetchall()[0]
        parts, fences = [], []
        for c, qs in zip(batch, bounds, strict=True):
            iqr = float(qs[1]) - float(qs[0]) if qs and qs[0] is not None else math.nan
            if not (math.isfinite(iqr) and iqr > 0):  # no spread, or quartiles of +-inf/NaN
                parts.append("0")
                continue
            q = quote_ident(c.name)
            parts.append(f"count(*) FILTER (WHERE {q} < ? OR {q} > ?)")
            fences += [float(qs[0]) - 3 * iqr, float(qs[1]) + 3 * iqr]  # may be +-inf: bound
        row = cur.execute(f"SELECT {', '.join(parts)} FROM {t}", fences).fetchall()[0]
        found.update({c.name: int(n) for c, n in zip(batch, row, strict=True) if n})
    return found

"""Features of a transactions table: RFM and behaviour features, one row per customer.

The transaction features are one SELECT over the named source table
(:func:`.transaction_sql.feature_sql`). :func:`transaction_plan` checks the roles, counts the
rows each build leaves out and ranks the categories whose revenue shares become columns
(:func:`share_column_names`). What each feature means: :data:`.definitions.FEATURE_HELP`.

>>> share_column_names(["Toys", "toys"])
['share_toys', 'share_toys_2']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from ..errors import InvalidParameterError
from ..progress import Progress
from ..workspace import TableInfo
from ..workspace.types import type_class
from .sql import MAX_NAME, Plan, need_role, with_ctes
from .transaction_sql import feature_sql, raw_lines_cte, scope_ctes

_TRANSACTION_ROLES = ("order_id", "quantity", "product", "category", "country")  # optional


# -- parameters ------------------------------------------------------------------------------
def _check_type(info: TableInfo, roles: Mapping[str, str], role: str, allowed: str) -> None:
    column = roles.get(role)
    if column is None:
        return
    kind = type_class(info.column(column).type)
    if kind != allowed:
        word = {"number": "numbers", "date": "dates or timestamps"}[allowed]
        raise InvalidParameterError(
            f"The role {role!r} needs a column of {word}, but column {column!r} of table "
            f"{info.name!r} is {info.column(column).type}. Give the role to another column on "
            f"the Data page or with `--role {role}=COLUMN`, or load the file again."
        )


def share_column_names(categories: Sequence[str]) -> list[str]:
    """Safe, distinct column names for category shares.

    >>> share_column_names(["Home & Garden", "home garden", "Électronique", "€"])
    ['share_home_garden', 'share_home_garden_2', 'share_electronique', 'share_category_4']
    """
    names: list[str] = []
    for rank, category in enumerate(categories, start=1):
        ascii_text = unicodedata.normalize("NFKD", str(category)).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[: MAX_NAME - 10]
        base = "share_" + (stem or f"category_{rank}")
        candidate, n = base, 2
        while candidate in names:
            candidate, n = f"{base}_{n}", n + 1
        names.append(candidate)
    return names


# -- the plan: the SQL of a build and what it leaves out ---------------------------------------
def transaction_plan(
    cur, info: TableInfo, roles: dict[str, str], as_of: date | None, top: int, report: Progress
) -> Plan:
    """The SQL of a transactions table's features, its parameters, and the rows it leaves out."""
    _check_roles(info, roles)
    wanted = ("customer_id", "timestamp", "amount", *_TRANSACTION_ROLES)
    wanted += () if "amount" in roles else ("unit_price",)
    roles = {r: c for r, c in roles.items() if r in wanted}
    types = {c.name: c.type for c in info.columns}
    clean = bool(info.options.get("text_clean"))  # loaded by this version's ingest
    if as_of is None:
        as_of = _default_transaction_as_of(cur, info, roles, types, clean)
    scope = scope_ctes(info.name, roles, "?", types, clean)
    report(0.25, "Counting rows left out")
    excluded = _left_out(cur, scope, as_of)
    share_columns: list[str] = []
    if "category" in roles and top > 0:
        report(0.4, "Ranking categories")
        share_columns = share_column_names(_top_categories(cur, scope, as_of, top))
    missing = {
        feature: role
        for feature, role in (
            ("items_per_order", "quantity"),
            ("distinct_products", "product"),
            ("distinct_categories", "category"),
            ("share_<category>", "category"),
            ("country", "country"),
        )
        if role not in roles
    }
    sql = feature_sql(info.name, roles, "?", types=types, share_columns=share_columns, clean=clean)

    def without_purchases(features: str) -> str:
        return with_ctes(
            scope,
            "SELECT count(*) FROM (SELECT DISTINCT customer_id FROM lines WHERE is_return) AS r "
            f"WHERE NOT EXISTS (SELECT 1 FROM {features} AS f WHERE f.customer_id = r.customer_id)",
        )

    return Plan(sql, [as_of], as_of, roles, excluded, missing, without_purchases)


def _check_roles(info: TableInfo, roles: Mapping[str, str]) -> None:
    """The roles a transactions table needs, and the types of their columns."""
    need_role(info, roles, "customer_id", "says whose each transaction is")
    need_role(info, roles, "timestamp", "dates each transaction")
    if "amount" not in roles and not ("quantity" in roles and "unit_price" in roles):
        have = [r for r in ("quantity", "unit_price") if r in roles]
        lacking = "unit_price" if have == ["quantity"] else "quantity" if have else "amount"
        raise InvalidParameterError(
            f"Table {info.name!r} needs a column with the role 'amount' (the value of each "
            "line), or two with the roles 'quantity' and 'unit_price' (amount = quantity * "
            f"unit_price); it has {', '.join(map(repr, have)) or 'neither'}. Set the role "
            f"{lacking!r} on the Data page or with `--role {lacking}=COLUMN`."
        )
    _check_type(info, roles, "timestamp", "date")
    for role in ("amount", "quantity", "unit_price"):
        _check_type(info, roles, role, "number")


def _left_out(cur, scope: list[str], as_of: date) -> dict[str, int]:
    """Rows left out per reason."""
    excluded = dict.fromkeys(
        ("rows_without_customer", "rows_without_date", "rows_without_amount", "rows_after_as_of"),
        0,
    )
    counted = cur.execute(
        with_ctes(
            scope[:3],
            "SELECT left_out, count(*) FROM checked_lines WHERE left_out IS NOT NULL "
            "GROUP BY left_out",
        ),
        [as_of],
    ).fetchall()
    excluded.update({reason: int(rows) for reason, rows in counted})
    return excluded


def _top_categories(cur, scope: list[str], as_of: date, top: int) -> list[str]:
    """The ``top`` categories by purchase revenue (as top_categories ranks them), best first."""
    ranked = cur.execute(
        with_ctes(
            scope,
            "SELECT category FROM lines WHERE NOT is_return AND category IS NOT NULL "
            "GROUP BY category ORDER BY sum(amount) DESC, category LIMIT ?",
        ),
        [as_of, int(top)],
    ).fetchall()
    return [r[0] for r in ranked]


def default_transaction_as_of(cur, info: TableInfo, roles: dict[str, str]) -> date:
    """The as-of date a build uses when none is given: the day after the last transaction date
    (among rows with a customer id and a date)."""
    types = {c.name: c.type for c in info.columns}
    return _default_transaction_as_of(cur, info, roles, types, bool(info.options.get("text_clean")))


def _default_transaction_as_of(cur, info: TableInfo, roles, types, clean: bool) -> date:
    """The day after the last transaction date among rows with a customer id and a date."""
    last = cur.execute(
        with_ctes(
            [raw_lines_cte(info.name, roles, types, clean)],
            "SELECT max(day) FROM raw_lines WHERE customer_id IS NOT NULL",
        )
    ).fetchall()[0][0]
    if last is None:
        raise InvalidParameterError(
            f"Table {info.name!r} has no row with both a customer id (column "
            f"{roles['customer_id']!r}) and a date (column {roles['timestamp']!r}). Check the "
            "roles on the Data page."
        )
    return last + timedelta(days=1)

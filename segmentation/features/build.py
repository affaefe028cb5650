"""Customer features: one row per customer, built in SQL inside the workspace.

From a transactions table (:mod:`.transaction_features`): RFM and behaviour features (recency,
frequency, monetary, returns, basket, categories, country, recent activity) plus the lifetimes /
pymc-marketing RFM summary columns (``frequency_repeat``, ``recency_btyd``, ``T``). From a
customers table (:mod:`.customer_features`): its own columns, with dates turned into "days ago"
and identifiers, personal fields and free text left out.

:func:`build_features` checks the parameters, has the source's module plan the SQL, and runs it.
A build is one transaction: the feature table and its catalog entry (kind ``'features'``) appear
together or not at all. The SQL helpers both kinds of source use are here too.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> result = build_features(ws, "online_retail_dataset")  # doctest: +SKIP
>>> result.customers, result.as_of.isoformat()  # doctest: +SKIP
(4339, '2011-12-10')
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..errors import InvalidParameterError, param_error
from ..ingest.roles import ROLES
from ..workspace.connection import ColumnInfo, TableInfo, Workspace, quote_ident

Progress = Callable[[float, str], None]

FEATURE_HELP: dict[str, str] = {
    "customer_id": "The customer's id, as text.",
    "recency_days": "Days from the last purchase to the as-of date.",
    "frequency": "Number of orders: distinct order ids among purchase lines "
    "(without an order id role: distinct purchase days).",
    "monetary": "Net revenue: all purchase and return amounts summed.",
    "gross_revenue": "Revenue of purchase lines (amount >= 0).",
    "returns_value": "Value of returns (lines with amount < 0), as a positive number.",
    "return_rate": "returns_value / gross_revenue.",
    "aov": "Average order value: gross_revenue / frequency.",
    "tenure_days": "Days from the first purchase to the as-of date.",
    "days_between_orders": "(last - first purchase date in days) / (frequency - 1); "
    "empty for one order.",
    "items_per_order": "Sum of purchase quantities / frequency.",
    "distinct_products": "Number of distinct products bought.",
    "distinct_categories": "Number of distinct categories bought.",
    "share_<category>": "Purchase revenue in that category / gross_revenue, for each of the top "
    "categories by purchase revenue.",
    "country": "The customer's most frequent country among purchase lines (ties: alphabetical).",
    "orders_last_90d": "Orders dated in the 90 days before the as-of date.",
    "orders_prev_90d": "Orders dated 91 to 180 days before the as-of date.",
    "frequency_repeat": "Repeat orders: frequency - 1 (lifetimes / pymc-marketing 'frequency').",
    "recency_btyd": "Days from the first to the last purchase (lifetimes 'recency').",
    "T": "Days from the first purchase to the as-of date (lifetimes 'T').",
}

# Numeric transaction features a default segmentation uses (after log + standard scaling).
# Left out: near-duplicates (gross_revenue, frequency_repeat, recency_btyd, T), counts that are
# mostly zero (orders_last_90d/prev_90d), and days_between_orders (empty for one-time buyers).
BEHAVIOURAL_FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "aov",
    "tenure_days",
    "return_rate",
    "items_per_order",
    "distinct_products",
)

ON_DUPLICATE = ("refuse", "first")
MAX_TOP_CATEGORIES = 50
_MAX_NAME = 63  # as workspace.check_table_name
_SIGNED_INTEGERS = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT")
_INTEGER_TYPES = _SIGNED_INTEGERS + tuple("U" + t for t in _SIGNED_INTEGERS)
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass(frozen=True)
class FeatureResult:
    """What :func:`build_features` made.

    ``excluded`` counts what was left out (rows or customers); ``missing`` maps each feature
    left out to the role that would add it (transactions), or each dropped column to the
    reason (customer tables).
    """

    table: str
    customers: int
    as_of: date
    features: list[str]
    excluded: dict[str, int]
    missing: dict[str, str]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: as_of as an ISO date."""
        return {
            "table": self.table,
            "customers": self.customers,
            "as_of": self.as_of.isoformat(),
            "features": list(self.features),
            "excluded": dict(self.excluded),
            "missing": dict(self.missing),
            "source": self.source,
        }


def build_features(
    ws: Workspace,
    source: str,
    *,
    name: str | None = None,
    as_of: date | str | None = None,
    roles: Mapping[str, str | None] | None = None,
    replace: bool = False,
    top_categories: int = 8,
    on_duplicate: str = "refuse",
    progress: Progress | None = None,
) -> FeatureResult:
    """Build the feature table (one row per customer) of a transactions or customers table.

    ``roles`` (role -> column, or None to unset a role) overrides the table's saved roles for
    this build. ``as_of`` is a date or 'YYYY-MM-DD'; by default the day after the last
    transaction date (transactions) or after the latest date in any date column (customers;
    today when there is none).

    Transactions: rows without a customer id, without a valid date, or without an amount
    (e.g. quantity missing) are left out and counted (``rows_without_customer``,
    ``rows_without_date``, ``rows_without_amount``), as are rows dated on or after ``as_of``
    (``rows_after_as_of``) and customers with no purchase line (``customers_without_purchases``).
    Each row is counted under the first of these reasons that applies.

    Customers: ``on_duplicate`` is 'refuse' (an error when an id repeats) or 'first' (keep the
    first row of each id in table order; the rest are counted in ``duplicate_rows_dropped``).

    >>> result = build_features(ws, "online_retail_dataset", as_of="2011-12-10")  # doctest: +SKIP
    >>> result.table, result.customers  # doctest: +SKIP
    ('online_retail_dataset_features', 4339)
    """
    from .customers import customer_plan  # both import this module
    from .transactions import transaction_plan

    report = progress or (lambda _f, _m: None)
    info = ws.table(source)
    _check_options(top_categories, on_duplicate)
    as_of_day = parse_as_of(as_of)
    used = _resolve_roles(info, roles)
    target = ws.check_new_name(name or f"{source[: _MAX_NAME - 9]}_features", replace=replace)
    if target.lower() == source.lower():
        raise InvalidParameterError(
            f"The 'name' parameter must differ from the source table. Got {target!r}; "
            f"leave it empty to use {source[: _MAX_NAME - 9] + '_features'!r}."
        )
    if info.kind == "features":
        raise InvalidParameterError(
            f"Table {source!r} is already a feature table. Build features from the "
            f"transactions or customer table it was made from ({info.options.get('source')!r})."
        )
    if info.kind not in ("transactions", "customers"):
        raise InvalidParameterError(
            f"Table {source!r} is of kind {info.kind!r}; features are built from a "
            "'transactions' or 'customers' table. Set its kind on the Data page."
        )
    report(0.05, f"Reading {source}")
    with ws.transaction() as cur:
        if info.kind == "transactions":
            plan = transaction_plan(cur, info, used, as_of_day, top_categories, report)
        else:
            plan = customer_plan(cur, info, used, as_of_day, on_duplicate, report)
        report(0.6, f"Writing {target}")
        if replace:
            cur.execute(f"DROP TABLE IF EXISTS {quote_ident(target)}").fetchall()
        cur.execute(f"CREATE TABLE {quote_ident(target)} AS {plan.sql}", plan.params).fetchall()
        report(0.9, "Recording the feature table")
        columns, quality, customers = _describe(cur, target)
        excluded = dict(plan.excluded)
        if plan.customers_in_scope is not None:
            excluded["customers_without_purchases"] = plan.customers_in_scope - customers
        if customers == 0:
            raise InvalidParameterError(
                f"No customer is left in {source!r} (left out: {_counts_text(excluded)}). "
                "Check the roles on the Data page, and the 'as_of' date."
            )
        result = FeatureResult(
            table=target,
            customers=customers,
            as_of=plan.as_of,
            features=[c.name for c in columns if c.role != "customer_id"],
            excluded=excluded,
            missing=plan.missing,
            source=source,
        )
        ws.register_table(
            cur,
            TableInfo(
                name=target,
                kind="features",
                rows=customers,
                columns=columns,
                loaded_at=datetime.now(),
                quality=quality,
                options={
                    "source": source,
                    "source_kind": info.kind,
                    "as_of": plan.as_of.isoformat(),
                    "roles": plan.roles,
                    "excluded": excluded,
                    "missing": plan.missing,
                    "top_categories": top_categories,
                    "on_duplicate": on_duplicate,
                },
            ),
        )
    report(1.0, f"Built {customers:,} customers x {len(result.features)} features")
    return result


# -- parameters ------------------------------------------------------------------------------
def parse_as_of(value: date | str | None) -> date | None:
    """A date from a date, a datetime or 'YYYY-MM-DD' text; None stays None.

    >>> parse_as_of("2011-12-10")
    datetime.date(2011, 12, 10)
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise param_error("as_of", "a date written YYYY-MM-DD (e.g. '2011-12-10')", value)


def _check_options(top_categories: object, on_duplicate: object) -> None:
    ok = isinstance(top_categories, int) and not isinstance(top_categories, bool)
    if not ok or not 0 <= top_categories <= MAX_TOP_CATEGORIES:
        raise param_error(
            "top_categories", f"an int in the range [0, {MAX_TOP_CATEGORIES}]", top_categories
        )
    if on_duplicate not in ON_DUPLICATE:
        raise param_error("on_duplicate", "one of 'refuse', 'first'", on_duplicate)


def _resolve_roles(info: TableInfo, override: Mapping[str, str | None] | None) -> dict[str, str]:
    """The table's saved roles (role -> column) with the override applied and checked."""
    used = dict(info.roles)
    names = [c.name for c in info.columns]
    for role, column in (override or {}).items():
        if role not in ROLES or role == "attribute":
            choices = ", ".join(r for r in ROLES if r != "attribute")
            raise param_error("roles", f"a mapping of role -> column, roles being {choices}", role)
        if column is None:
            used.pop(role, None)
        elif column not in names:
            raise InvalidParameterError(
                f"The 'roles' parameter gives role {role!r} to column {column!r}, which table "
                f"{info.name!r} does not have; its columns are {', '.join(map(repr, names))}."
            )
        else:
            used[role] = column
    return used


def _need_role(info: TableInfo, roles: Mapping[str, str], role: str, what: str) -> str:
    if role not in roles:
        raise InvalidParameterError(
            f"Table {info.name!r} has no column with the role {role!r}, which {what}. Set it on "
            f"the Data page or with `--role {role}=COLUMN`."
        )
    return roles[role]


def _type_class(duck_type: str) -> str:
    """'number', 'date', 'text', 'boolean' or 'other' for a DuckDB type name."""
    t = duck_type.upper()
    if t in _INTEGER_TYPES or t in _FLOAT_TYPES or t.startswith("DECIMAL"):
        return "number"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    if t == "VARCHAR":
        return "text"
    if t == "BOOLEAN":
        return "boolean"
    return "other"


# -- SQL building blocks both sources use -----------------------------------------------------
def customer_id_sql(
    column: str, duck_type: str = "VARCHAR", *, table: str | None = None, clean: bool = False
) -> str:
    """The customer id as text users know: '17850' for 17850.0, digits for an integer.

    ``table`` qualifies the column with a table alias; ``clean``: text is already trimmed with
    '' as NULL (as ingest stores it).

    >>> customer_id_sql("CustomerID", "BIGINT", table="s")
    'CAST(s."CustomerID" AS VARCHAR)'
    """
    q = (f"{table}." if table else "") + quote_ident(column)
    t = duck_type.upper()
    if t == "VARCHAR":
        return q if clean else f"nullif(trim({q}), '')"
    if t in _INTEGER_TYPES:
        return f"CAST({q} AS VARCHAR)"
    if t in _FLOAT_TYPES or t.startswith("DECIMAL"):
        whole = f"CAST(CAST({q} AS BIGINT) AS VARCHAR)"
        return (
            f"CASE WHEN {q} = trunc({q}) AND abs({q}) < 1e18 THEN {whole} "
            f"ELSE CAST({q} AS VARCHAR) END"
        )
    return f"nullif(trim(CAST({q} AS VARCHAR)), '')"


def _cte(name: str, body: str) -> str:
    return f"{name} AS (\n{body}\n)"


def _cutoff_cte(as_of_sql: str) -> str:
    return _cte("cutoff", f"    SELECT CAST({as_of_sql} AS DATE) AS as_of")


def _with(ctes: Sequence[str], select: str) -> str:
    return "WITH " + ",\n".join(ctes) + "\n" + select


# -- plans: the SQL of a build and what it leaves out ------------------------------------------
@dataclass
class _Plan:
    sql: str
    params: list[Any]
    as_of: date
    roles: dict[str, str]  # the roles the build used
    excluded: dict[str, int]
    missing: dict[str, str]
    customers_in_scope: int | None = None  # customers with kept rows (transactions)


# -- after the build ---------------------------------------------------------------------------
def _describe(cur, table: str) -> tuple[list[ColumnInfo], dict[str, Any], int]:
    """Columns (customer_id with its role), a small quality dict, and the row count."""
    described = cur.execute(f"DESCRIBE {quote_ident(table)}").fetchall()
    columns = [
        ColumnInfo(name, dtype, "customer_id" if name == "customer_id" else "attribute")
        for name, dtype, *_ in described
    ]
    counts = ", ".join(f"count({quote_ident(c.name)})" for c in columns)
    row = cur.execute(f"SELECT count(*), {counts} FROM {quote_ident(table)}").fetchall()[0]
    rows = int(row[0])
    empty = {c.name: rows - int(n) for c, n in zip(columns, row[1:], strict=True) if rows - n}
    return columns, {"rows": rows, "columns": len(columns), "missing_values": empty}, rows


def _counts_text(counts: Mapping[str, int]) -> str:
    shown = [f"{k.replace('_', ' ')}: {v:,}" for k, v in counts.items() if v]
    return "; ".join(shown) or "nothing"

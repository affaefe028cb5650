"""Customer features: one row per customer, built in SQL inside the workspace.

From a transactions table: RFM and behaviour features (recency, frequency, monetary, returns,
basket, categories, country, recent activity) plus the lifetimes / pymc-marketing RFM summary
columns (``frequency_repeat``, ``recency_btyd``, ``T``). From a customers table: its own columns,
with dates turned into "days ago" and identifiers, personal fields and free text left out.

The transaction features are one SELECT over the named source table, written as small common
table expressions (:func:`feature_sql`), so the same text could later run on another SQL engine.
A build is one transaction: the feature table and its catalog entry (kind ``'features'``) appear
together or not at all.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> result = build_features(ws, "online_retail_dataset")  # doctest: +SKIP
>>> result.customers, result.as_of.isoformat()  # doctest: +SKIP
(4339, '2011-12-10')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from .errors import InvalidParameterError, param_error
from .roles import ROLES
from .workspace import ColumnInfo, TableInfo, Workspace, quote_ident

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
MAX_CATEGORY_LEVELS = 20  # text columns of a customer table with more distinct values are dropped
MAX_TOP_CATEGORIES = 50
_MAX_NAME = 63  # as workspace.check_table_name
# Roles of a customer table that are identifiers or personal data: never features.
_NOT_FEATURES = ("customer_id", "order_id", "email", "phone", "first_name", "last_name", "zip")
_SIGNED_INTEGERS = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT")
_INTEGER_TYPES = _SIGNED_INTEGERS + tuple("U" + t for t in _SIGNED_INTEGERS)
_FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
_TRANSACTION_ROLES = ("order_id", "quantity", "product", "category", "country")  # optional


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
            plan = _transaction_plan(cur, info, used, as_of_day, top_categories, report)
        else:
            plan = _customer_plan(cur, info, used, as_of_day, on_duplicate, report)
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


def _check_type(info: TableInfo, roles: Mapping[str, str], role: str, allowed: str) -> None:
    column = roles.get(role)
    if column is None:
        return
    kind = _type_class(info.column(column).type)
    if kind != allowed:
        word = {"number": "numbers", "date": "dates or timestamps"}[allowed]
        raise InvalidParameterError(
            f"The role {role!r} needs a column of {word}, but column {column!r} of table "
            f"{info.name!r} is {info.column(column).type}. Give the role to another column on "
            f"the Data page or with `--role {role}=COLUMN`, or load the file again."
        )


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


# -- SQL building blocks ---------------------------------------------------------------------
def customer_id_sql(column: str, duck_type: str = "VARCHAR", *, table: str | None = None) -> str:
    """The customer id as text users know: '17850' for 17850.0, digits for an integer.

    ``table`` qualifies the column with a table alias.

    >>> customer_id_sql("CustomerID", "BIGINT", table="s")
    'CAST(s."CustomerID" AS VARCHAR)'
    """
    q = (f"{table}." if table else "") + quote_ident(column)
    t = duck_type.upper()
    if t == "VARCHAR":
        return f"nullif(trim({q}), '')"
    if t in _INTEGER_TYPES:
        return f"CAST({q} AS VARCHAR)"
    if t in _FLOAT_TYPES or t.startswith("DECIMAL"):
        whole = f"CAST(CAST({q} AS BIGINT) AS VARCHAR)"
        return (
            f"CASE WHEN {q} = trunc({q}) AND abs({q}) < 1e18 THEN {whole} "
            f"ELSE CAST({q} AS VARCHAR) END"
        )
    return f"nullif(trim(CAST({q} AS VARCHAR)), '')"


def _text_sql(column: str, duck_type: str) -> str:
    """A text column trimmed, with '' as NULL; other types as they are."""
    q = quote_ident(column)
    return f"nullif(trim({q}), '')" if duck_type.upper() == "VARCHAR" else q


def _cte(name: str, body: str) -> str:
    return f"{name} AS (\n{body}\n)"


def _cutoff_cte(as_of_sql: str) -> str:
    return _cte("cutoff", f"    SELECT CAST({as_of_sql} AS DATE) AS as_of")


def _raw_lines_cte(source_table: str, roles: Mapping[str, str], types: Mapping[str, str]) -> str:
    """Every row of the source with the fields the features read, under fixed names."""

    def typed(role: str) -> str:
        return types.get(roles[role], "VARCHAR")

    if "amount" in roles:
        amount = f"CAST({quote_ident(roles['amount'])} AS DOUBLE)"
    else:
        amount = (
            f"CAST({quote_ident(roles['quantity'])} AS DOUBLE) * "
            f"CAST({quote_ident(roles['unit_price'])} AS DOUBLE)"
        )
    fields = [
        f"{customer_id_sql(roles['customer_id'], typed('customer_id'))} AS customer_id",
        f"CAST({quote_ident(roles['timestamp'])} AS DATE) AS day",
        f"{amount} AS amount",
    ]
    if "quantity" in roles:
        fields.append(f"CAST({quote_ident(roles['quantity'])} AS DOUBLE) AS quantity")
    if "order_id" in roles:
        fields.append(f"{_text_sql(roles['order_id'], typed('order_id'))} AS order_id")
    if "product" in roles:
        fields.append(f"{_text_sql(roles['product'], typed('product'))} AS product")
    for role in ("category", "country"):
        if role in roles:
            fields.append(
                f"nullif(trim(CAST({quote_ident(roles[role])} AS VARCHAR)), '') AS {role}"
            )
    select = ",\n        ".join(fields)
    return _cte("raw_lines", f"    SELECT\n        {select}\n    FROM {quote_ident(source_table)}")


def _checked_lines_cte() -> str:
    """Each row with the reason it is left out (NULL when it is kept): the first that applies."""
    return _cte(
        "checked_lines",
        """    SELECT raw_lines.*,
        CASE
            WHEN customer_id IS NULL THEN 'rows_without_customer'
            WHEN day IS NULL THEN 'rows_without_date'
            WHEN amount IS NULL THEN 'rows_without_amount'
            WHEN day >= cutoff.as_of THEN 'rows_after_as_of'
        END AS left_out
    FROM raw_lines CROSS JOIN cutoff""",
    )


def _lines_cte() -> str:
    """The kept rows; a line with amount < 0 is a return, any other line a purchase."""
    return _cte(
        "lines",
        "    SELECT *, amount < 0 AS is_return FROM checked_lines WHERE left_out IS NULL",
    )


def _orders_cte(has_order_id: bool) -> str:
    """One row per order: a distinct order id among purchase lines, else a purchase day.

    A purchase line without an order id counts as an order of its day.
    """
    key = "order_id, CASE WHEN order_id IS NULL THEN day END" if has_order_id else "day"
    return _cte(
        "orders",
        f"""    SELECT customer_id, min(day) AS day
    FROM lines
    WHERE NOT is_return
    GROUP BY customer_id, {key}""",
    )


def _order_counts_cte() -> str:
    return _cte(
        "order_counts",
        """    SELECT customer_id,
        count(*) AS frequency,
        count(*) FILTER (WHERE date_diff('day', day, cutoff.as_of) <= 90) AS orders_last_90d,
        count(*) FILTER (WHERE date_diff('day', day, cutoff.as_of) BETWEEN 91 AND 180)
            AS orders_prev_90d
    FROM orders CROSS JOIN cutoff
    GROUP BY customer_id""",
    )


def _customer_categories_cte() -> str:
    """Purchase revenue per customer and category: the source of every category feature."""
    return _cte(
        "customer_categories",
        """    SELECT customer_id, category, sum(amount) AS revenue
    FROM lines
    WHERE NOT is_return AND category IS NOT NULL
    GROUP BY customer_id, category""",
    )


def _top_categories_cte(n: int) -> str:
    """The n categories with the most purchase revenue (ties: alphabetical), ranked 1..n."""
    return _cte(
        "top_categories",
        f"""    SELECT category, category_rank FROM (
        SELECT category,
            row_number() OVER (ORDER BY sum(revenue) DESC, category) AS category_rank
        FROM customer_categories
        GROUP BY category
    ) AS ranked
    WHERE category_rank <= {int(n)}""",
    )


def _category_mix_cte(n_shares: int) -> str:
    """Per customer: distinct categories bought, and the revenue in each top category."""
    fields = ["count(*) AS distinct_categories"] + [
        f"coalesce(sum(revenue) FILTER (WHERE category_rank = {rank}), 0) "
        f"AS category_revenue_{rank}"
        for rank in range(1, n_shares + 1)
    ]
    joined = (
        "customer_categories LEFT JOIN top_categories USING (category)"
        if n_shares
        else "customer_categories"
    )
    select = ",\n        ".join(fields)
    return _cte(
        "category_mix",
        f"    SELECT customer_id,\n        {select}\n    FROM {joined}\n    GROUP BY customer_id",
    )


def _totals_cte(roles: Mapping[str, str]) -> str:
    """Money, dates and basket figures per customer (purchases and returns)."""
    purchase = "FILTER (WHERE NOT is_return)"
    fields = [
        "sum(amount) AS monetary",
        f"coalesce(sum(amount) {purchase}, 0) AS gross_revenue",
        "coalesce(-sum(amount) FILTER (WHERE is_return), 0) AS returns_value",
        f"min(day) {purchase} AS first_day",
        f"max(day) {purchase} AS last_day",
    ]
    if "quantity" in roles:
        fields.append(f"sum(quantity) {purchase} AS purchased_items")
    if "product" in roles:
        fields.append(f"count(DISTINCT product) {purchase} AS distinct_products")
    select = ",\n        ".join(fields)
    return _cte(
        "totals",
        f"    SELECT customer_id,\n        {select}\n    FROM lines\n    GROUP BY customer_id",
    )


def _countries_cte() -> str:
    """Each customer's most frequent country among purchase lines (ties: alphabetical)."""
    return _cte(
        "countries",
        """    SELECT customer_id, country FROM (
        SELECT customer_id, country,
            row_number() OVER (PARTITION BY customer_id ORDER BY count(*) DESC, country) AS pick
        FROM lines
        WHERE NOT is_return AND country IS NOT NULL
        GROUP BY customer_id, country
    ) AS ranked
    WHERE pick = 1""",
    )


def _final_select(roles: Mapping[str, str], share_columns: Sequence[str]) -> str:
    per_order = "CAST({} AS DOUBLE) / o.frequency"
    fields = [
        "o.customer_id",
        "date_diff('day', t.last_day, c.as_of) AS recency_days",
        "o.frequency",
        "t.monetary",
        "t.gross_revenue",
        "t.returns_value",
        "t.returns_value / nullif(t.gross_revenue, 0) AS return_rate",
        per_order.format("t.gross_revenue") + " AS aov",
        "date_diff('day', t.first_day, c.as_of) AS tenure_days",
        "CASE WHEN o.frequency > 1 THEN CAST(date_diff('day', t.first_day, t.last_day) AS DOUBLE)"
        " / (o.frequency - 1) END AS days_between_orders",
    ]
    if "quantity" in roles:
        fields.append(per_order.format("t.purchased_items") + " AS items_per_order")
    if "product" in roles:
        fields.append("t.distinct_products")
    if "category" in roles:
        fields.append("coalesce(m.distinct_categories, 0) AS distinct_categories")
    for rank, column in enumerate(share_columns, start=1):
        fields.append(
            f"coalesce(m.category_revenue_{rank}, 0) / nullif(t.gross_revenue, 0) "
            f"AS {quote_ident(column)}"
        )
    if "country" in roles:
        fields.append("n.country")
    fields += [
        "o.orders_last_90d",
        "o.orders_prev_90d",
        "o.frequency - 1 AS frequency_repeat",
        "date_diff('day', t.first_day, t.last_day) AS recency_btyd",
        "date_diff('day', t.first_day, c.as_of) AS \"T\"",
    ]
    joins = ["JOIN totals AS t ON t.customer_id = o.customer_id"]
    if "category" in roles:
        joins.append("LEFT JOIN category_mix AS m ON m.customer_id = o.customer_id")
    if "country" in roles:
        joins.append("LEFT JOIN countries AS n ON n.customer_id = o.customer_id")
    select = ",\n    ".join(fields)
    return (
        f"SELECT\n    {select}\nFROM order_counts AS o\n"
        + "\n".join(joins)
        + "\nCROSS JOIN cutoff AS c\nORDER BY o.customer_id"
    )


def _with(ctes: Sequence[str], select: str) -> str:
    return "WITH " + ",\n".join(ctes) + "\n" + select


def _scope_ctes(
    source_table: str, roles: Mapping[str, str], as_of_sql: str, types: Mapping[str, str]
) -> list[str]:
    return [
        _raw_lines_cte(source_table, roles, types),
        _cutoff_cte(as_of_sql),
        _checked_lines_cte(),
        _lines_cte(),
    ]


def feature_sql(
    source_table: str,
    roles: Mapping[str, str],
    as_of_sql: str,
    *,
    types: Mapping[str, str] | None = None,
    share_columns: Sequence[str] = (),
) -> str:
    """The SELECT of transaction features: one row per customer with a purchase before as_of.

    ``roles`` maps role -> column (customer_id, timestamp, and amount or quantity and
    unit_price are needed); ``as_of_sql`` is an SQL expression for the as-of date (``?`` to bind
    it); ``types`` maps column -> DuckDB type (for the customer id's text form);
    ``share_columns`` names the ``share_`` columns of the top categories by purchase revenue,
    best first (needs the category role).

    >>> sql = feature_sql("tx", {"customer_id": "cid", "timestamp": "ts", "amount": "amt"},
    ...                   "DATE '2024-01-01'")
    >>> sql.startswith("WITH raw_lines AS")
    True
    """
    types = dict(types or {})
    if share_columns and "category" not in roles:
        raise InvalidParameterError("share_columns need the 'category' role.")
    ctes = _scope_ctes(source_table, roles, as_of_sql, types)
    ctes += [_orders_cte("order_id" in roles), _order_counts_cte()]
    ctes.append(_totals_cte(roles))
    if "category" in roles:
        ctes.append(_customer_categories_cte())
        if share_columns:
            ctes.append(_top_categories_cte(len(share_columns)))
        ctes.append(_category_mix_cte(len(share_columns)))
    if "country" in roles:
        ctes.append(_countries_cte())
    return _with(ctes, _final_select(roles, share_columns))


def share_column_names(categories: Sequence[str]) -> list[str]:
    """Safe, distinct column names for category shares.

    >>> share_column_names(["Home & Garden", "home garden", "Électronique", "€"])
    ['share_home_garden', 'share_home_garden_2', 'share_electronique', 'share_category_4']
    """
    names: list[str] = []
    for rank, category in enumerate(categories, start=1):
        ascii_text = unicodedata.normalize("NFKD", str(category)).encode("ascii", "ignore").decode()
        stem = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")[: _MAX_NAME - 10]
        base = "share_" + (stem or f"category_{rank}")
        candidate, n = base, 2
        while candidate in names:
            candidate, n = f"{base}_{n}", n + 1
        names.append(candidate)
    return names


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


def _transaction_plan(
    cur, info: TableInfo, roles: dict[str, str], as_of: date | None, top: int, report: Progress
) -> _Plan:
    _need_role(info, roles, "customer_id", "says whose each transaction is")
    _need_role(info, roles, "timestamp", "dates each transaction")
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
    wanted = ("customer_id", "timestamp", "amount", *_TRANSACTION_ROLES)
    wanted += () if "amount" in roles else ("unit_price",)
    roles = {r: c for r, c in roles.items() if r in wanted}
    types = {c.name: c.type for c in info.columns}
    if as_of is None:
        as_of = _default_transaction_as_of(cur, info, roles, types)
    scope = _scope_ctes(info.name, roles, "?", types)
    report(0.25, "Counting rows left out")
    excluded = dict.fromkeys(
        ("rows_without_customer", "rows_without_date", "rows_without_amount", "rows_after_as_of"),
        0,
    )
    counted = cur.execute(
        _with(
            scope[:3],
            "SELECT left_out, count(*), count(DISTINCT customer_id) FROM checked_lines "
            "GROUP BY left_out",
        ),
        [as_of],
    ).fetchall()
    in_scope = 0
    for reason, rows, customers in counted:
        if reason is None:
            in_scope = int(customers)
        else:
            excluded[reason] = int(rows)
    share_columns: list[str] = []
    if "category" in roles and top > 0:
        report(0.4, "Ranking categories")
        ranked = cur.execute(
            _with(
                [*scope, _customer_categories_cte(), _top_categories_cte(top)],
                "SELECT category FROM top_categories ORDER BY category_rank",
            ),
            [as_of],
        ).fetchall()
        share_columns = share_column_names([r[0] for r in ranked])
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
    sql = feature_sql(info.name, roles, "?", types=types, share_columns=share_columns)
    return _Plan(sql, [as_of], as_of, roles, excluded, missing, in_scope)


def _default_transaction_as_of(cur, info: TableInfo, roles, types) -> date:
    """The day after the last transaction date among rows with a customer id and a date."""
    last = cur.execute(
        _with(
            [_raw_lines_cte(info.name, roles, types)],
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


def _customer_plan(
    cur, info: TableInfo, roles: dict[str, str], as_of: date | None, on_duplicate: str, report
) -> _Plan:
    id_column = _need_role(info, roles, "customer_id", "says whose each row is")
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
    return _Plan(sql, [as_of], as_of, used, excluded, missing)


def _choose_columns(
    columns: list[ColumnInfo], facts: Mapping[str, tuple]
) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """(column, class) of the columns kept as features, and column -> why for the others."""
    kept: list[tuple[str, str]] = []
    dropped: dict[str, str] = {}
    for col in columns:
        kind, distinct = _type_class(col.type), facts[col.name][0]
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
                f"max(CAST({q} AS DATE))" if _type_class(col.type) == "date" else "NULL::DATE"
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
    return _with(
        [
            _cutoff_cte(as_of_sql),
            _cte(
                "keyed",
                f"    SELECT\n        {keyed}\n    FROM {quote_ident(source_table)} AS s "
                "CROSS JOIN cutoff AS c",
            ),
            _cte(
                "ranked",
                "    SELECT *, row_number() OVER (PARTITION BY __seg_customer_id "
                "ORDER BY __seg_row) AS __seg_nth\n    FROM keyed "
                "WHERE __seg_customer_id IS NOT NULL",
            ),
        ],
        f"SELECT __seg_customer_id AS customer_id{''.join(', ' + o for o in outs)}\n"
        "FROM ranked WHERE __seg_nth = 1 ORDER BY customer_id",
    )


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

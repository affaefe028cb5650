"""Features of a transactions table: RFM and behaviour features, one row per customer.

The transaction features are one SELECT over the named source table, written as small common
table expressions (:func:`feature_sql`), so the same text could later run on another SQL engine.
:func:`transaction_plan` checks the roles, counts the rows each build leaves out and ranks the
categories whose revenue shares become columns (:func:`share_column_names`). What each feature
means: :data:`.definitions.FEATURE_HELP`.

>>> roles = {"customer_id": "cid", "timestamp": "ts", "amount": "amt", "category": "cat"}
>>> "share_toys" in feature_sql("tx", roles, "?", share_columns=["share_toys"])
True
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from ..errors import InvalidParameterError
from ..progress import Progress
from ..workspace.connection import TableInfo, quote_ident
from ..workspace.types import type_class
from .sql import MAX_NAME, Plan, cte, customer_id_sql, cutoff_cte, need_role, with_ctes

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


# -- SQL building blocks ---------------------------------------------------------------------
def _text_sql(column: str, duck_type: str, clean: bool = False) -> str:
    """A text column trimmed, with '' as NULL (as it is in a ``clean`` table); other types as
    they are."""
    q = quote_ident(column)
    return f"nullif(trim({q}), '')" if duck_type.upper() == "VARCHAR" and not clean else q


def _raw_lines_cte(
    source_table: str, roles: Mapping[str, str], types: Mapping[str, str], clean: bool = False
) -> str:
    """Every row of the source with the fields the features read, under fixed names.

    ``clean``: the table's text is already trimmed with '' as NULL (ingest stores it so), and
    is read as it is; trimming every text value of every line costs a quarter of a build.
    """

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
        f"{customer_id_sql(roles['customer_id'], typed('customer_id'), clean=clean)} AS customer_id",
        f"CAST({quote_ident(roles['timestamp'])} AS DATE) AS day",
        f"{amount} AS amount",
    ]
    if "quantity" in roles:
        fields.append(f"CAST({quote_ident(roles['quantity'])} AS DOUBLE) AS quantity")
    if "order_id" in roles:
        fields.append(f"{_text_sql(roles['order_id'], typed('order_id'), clean)} AS order_id")
    if "product" in roles:
        fields.append(f"{_text_sql(roles['product'], typed('product'), clean)} AS product")
    for role in ("category", "country"):
        if role in roles:
            q = quote_ident(roles[role])
            text = (
                q
                if clean and typed(role) == "VARCHAR"
                else f"nullif(trim(CAST({q} AS VARCHAR)), '')"
            )
            fields.append(f"{text} AS {role}")
    select = ",\n        ".join(fields)
    return cte("raw_lines", f"    SELECT\n        {select}\n    FROM {quote_ident(source_table)}")


def _checked_lines_cte() -> str:
    """Each row with the reason it is left out (NULL when it is kept): the first that applies."""
    return cte(
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
    return cte(
        "lines",
        "    SELECT *, amount < 0 AS is_return FROM checked_lines WHERE left_out IS NULL",
    )


def _orders_cte(has_order_id: bool) -> str:
    """One row per order: a distinct order id among purchase lines, else a purchase day.

    A purchase line without an order id counts as an order of its day.
    """
    key = "order_id, CASE WHEN order_id IS NULL THEN day END" if has_order_id else "day"
    return cte(
        "orders",
        f"""    SELECT customer_id, min(day) AS day
    FROM lines
    WHERE NOT is_return
    GROUP BY customer_id, {key}""",
    )


def _order_counts_cte() -> str:
    return cte(
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
    return cte(
        "customer_categories",
        """    SELECT customer_id, category, sum(amount) AS revenue
    FROM lines
    WHERE NOT is_return AND category IS NOT NULL
    GROUP BY customer_id, category""",
    )


def _top_categories_cte(n: int) -> str:
    """The n categories with the most purchase revenue (ties: alphabetical), ranked 1..n."""
    return cte(
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
    return cte(
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
    return cte(
        "totals",
        f"    SELECT customer_id,\n        {select}\n    FROM lines\n    GROUP BY customer_id",
    )


def _countries_cte() -> str:
    """Each customer's most frequent country among purchase lines (ties: alphabetical)."""
    return cte(
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


def _scope_ctes(
    source_table: str,
    roles: Mapping[str, str],
    as_of_sql: str,
    types: Mapping[str, str],
    clean: bool = False,
) -> list[str]:
    return [
        _raw_lines_cte(source_table, roles, types, clean),
        cutoff_cte(as_of_sql),
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
    clean: bool = False,
) -> str:
    """The SELECT of transaction features: one row per customer with a purchase before as_of.

    ``roles`` maps role -> column (customer_id, timestamp, and amount or quantity and
    unit_price are needed); ``as_of_sql`` is an SQL expression for the as-of date (``?`` to bind
    it); ``types`` maps column -> DuckDB type (for the customer id's text form);
    ``share_columns`` names the ``share_`` columns of the top categories by purchase revenue,
    best first (needs the category role); ``clean``: the table's text is trimmed, '' as NULL.

    >>> sql = feature_sql("tx", {"customer_id": "cid", "timestamp": "ts", "amount": "amt"},
    ...                   "DATE '2024-01-01'")
    >>> sql.startswith("WITH raw_lines AS")
    True
    """
    types = dict(types or {})
    if share_columns and "category" not in roles:
        raise InvalidParameterError("share_columns need the 'category' role.")
    ctes = _scope_ctes(source_table, roles, as_of_sql, types, clean)
    ctes += [_orders_cte("order_id" in roles), _order_counts_cte()]
    ctes.append(_totals_cte(roles))
    if "category" in roles:
        ctes.append(_customer_categories_cte())
        if share_columns:
            ctes.append(_top_categories_cte(len(share_columns)))
        ctes.append(_category_mix_cte(len(share_columns)))
    if "country" in roles:
        ctes.append(_countries_cte())
    return with_ctes(ctes, _final_select(roles, share_columns))


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
    scope = _scope_ctes(info.name, roles, "?", types, clean)
    report(0.25, "Counting rows left out")
    excluded, in_scope = _left_out(cur, scope, as_of)
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
    return Plan(sql, [as_of], as_of, roles, excluded, missing, in_scope)


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


def _left_out(cur, scope: list[str], as_of: date) -> tuple[dict[str, int], int]:
    """Rows left out per reason, and the customers with rows kept."""
    excluded = dict.fromkeys(
        ("rows_without_customer", "rows_without_date", "rows_without_amount", "rows_after_as_of"),
        0,
    )
    counted = cur.execute(
        with_ctes(
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
    return excluded, in_scope


def _top_categories(cur, scope: list[str], as_of: date, top: int) -> list[str]:
    """The ``top`` categories by purchase revenue (as top_categories ranks them), best first."""
    ranked = cur.execute(
        with_ctes(
            scope,
            "SELECT category FROM lines WHERE NOT is_return AND category IS NOT NULL "
            f"GROUP BY category ORDER BY sum(amount) DESC, category LIMIT {int(top)}",
        ),
        [as_of],
    ).fetchall()
    return [r[0] for r in ranked]


def _default_transaction_as_of(cur, info: TableInfo, roles, types, clean: bool) -> date:
    """The day after the last transaction date among rows with a customer id and a date."""
    last = cur.execute(
        with_ctes(
            [_raw_lines_cte(info.name, roles, types, clean)],
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

"""The SQL of transaction features: one SELECT over a named table, as small common table
expressions, so the same text could later run on another SQL engine (:func:`feature_sql`).

>>> roles = {"customer_id": "cid", "timestamp": "ts", "amount": "amt", "category": "cat"}
>>> "share_toys" in feature_sql("tx", roles, "?", share_columns=["share_toys"])
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ..errors import InvalidParameterError
from ..workspace import quote_ident
from .sql import amount_sql, cte, customer_id_sql, cutoff_cte, with_ctes


def _text_sql(column: str, duck_type: str, clean: bool = False) -> str:
    """A text column trimmed, with '' as NULL (as it is in a ``clean`` table); other types as
    they are."""
    q = quote_ident(column)
    return f"nullif(trim({q}), '')" if duck_type.upper() == "VARCHAR" and not clean else q


def raw_lines_cte(
    source_table: str, roles: Mapping[str, str], types: Mapping[str, str], clean: bool = False
) -> str:
    """Every row of the source with the fields the features read, under fixed names.

    ``clean``: the table's text is already trimmed with '' as NULL (ingest stores it so), and
    is read as it is; trimming every text value of every line costs a quarter of a build.
    """

    def typed(role: str) -> str:
        return types.get(roles[role], "VARCHAR")

    amount = amount_sql(roles)
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


def _basket_cte(roles: Mapping[str, str]) -> str:
    """The lines summed per customer, category, country and purchase-or-return: one pass over
    the lines that the totals, category and country features then read (a few rows per
    customer), instead of three passes over every line."""
    keys = ["customer_id", *(r for r in ("category", "country") if r in roles), "is_return"]
    fields = ["sum(amount) AS amount", "count(*) AS lines", "min(day) AS first_day"]
    fields += ["max(day) AS last_day"]
    if "quantity" in roles:
        fields.append("sum(quantity) AS quantity")
    return cte(
        "basket",
        f"    SELECT {', '.join(keys)},\n        {', '.join(fields)}\n    FROM lines\n"
        f"    GROUP BY {', '.join(keys)}",
    )


def _products_cte() -> str:
    """Distinct products among each customer's purchase lines (the distinct pairs first, then
    counted: a quarter faster than ``count(DISTINCT product)`` over millions of lines)."""
    return cte(
        "products",
        """    SELECT customer_id, count(*) AS distinct_products
    FROM (
        SELECT DISTINCT customer_id, product
        FROM lines
        WHERE NOT is_return AND product IS NOT NULL
    ) AS bought
    GROUP BY customer_id""",
    )


def _customer_categories_cte() -> str:
    """Purchase revenue per customer and category: the source of every category feature."""
    return cte(
        "customer_categories",
        """    SELECT customer_id, category, sum(amount) AS revenue
    FROM basket
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
    """Money, dates and basket figures per customer (purchases and returns), from the basket.

    Sums of money are rounded to 6 decimals: sums of doubles carry noise in their last digits,
    which also depends on the order the threads add them in (a customer who returned everything
    came out as 0.0 one time and 5.7e-14 another).
    """
    purchase = "FILTER (WHERE NOT is_return)"
    fields = [
        "round(sum(amount), 6) AS monetary",
        f"round(coalesce(sum(amount) {purchase}, 0), 6) AS gross_revenue",
        "round(coalesce(-sum(amount) FILTER (WHERE is_return), 0), 6) AS returns_value",
        f"min(first_day) {purchase} AS first_day",
        f"max(last_day) {purchase} AS last_day",
    ]
    if "quantity" in roles:
        fields.append(f"sum(quantity) {purchase} AS purchased_items")
    select = ",\n        ".join(fields)
    return cte(
        "totals",
        f"    SELECT customer_id,\n        {select}\n    FROM basket\n    GROUP BY customer_id",
    )


def _countries_cte() -> str:
    """Each customer's most frequent country among purchase lines (ties: alphabetical)."""
    return cte(
        "countries",
        """    SELECT customer_id, country FROM (
        SELECT customer_id, country,
            row_number() OVER (PARTITION BY customer_id ORDER BY sum(lines) DESC, country) AS pick
        FROM basket
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
        fields.append("coalesce(p.distinct_products, 0) AS distinct_products")
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
        # T runs to the observation end, the last day observed (as_of - 1), as lifetimes' T
        "date_diff('day', t.first_day, c.as_of) - 1 AS \"T\"",
    ]
    joins = ["JOIN totals AS t ON t.customer_id = o.customer_id"]
    if "product" in roles:
        joins.append("LEFT JOIN products AS p ON p.customer_id = o.customer_id")
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


def scope_ctes(
    source_table: str,
    roles: Mapping[str, str],
    as_of_sql: str,
    types: Mapping[str, str],
    clean: bool = False,
) -> list[str]:
    return [
        raw_lines_cte(source_table, roles, types, clean),
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
    ctes = scope_ctes(source_table, roles, as_of_sql, types, clean)
    ctes += [_orders_cte("order_id" in roles), _order_counts_cte()]
    ctes += [_basket_cte(roles), _totals_cte(roles)]
    if "product" in roles:
        ctes.append(_products_cte())
    if "category" in roles:
        ctes.append(_customer_categories_cte())
        if share_columns:
            ctes.append(_top_categories_cte(len(share_columns)))
        ctes.append(_category_mix_cte(len(share_columns)))
    if "country" in roles:
        ctes.append(_countries_cte())
    return with_ctes(ctes, _final_select(roles, share_columns))

"""Bought together: product -> product rules from the orders, in DuckDB SQL.

For products a and c: ``orders`` = orders holding both, ``support`` = orders / all orders,
``confidence`` = orders / orders holding a, ``lift`` = confidence / (orders holding c / all
orders). The self-join is bounded two ways: only products in at least ``min_orders`` orders take
part (a pair cannot be in more orders than either product: nothing is lost), and an order with
more than ``max_items`` such products keeps its ``max_items`` most frequent ones (the number of
orders cut is reported), so a wholesaler's 500-line basket adds at most max_items^2/2 pairs.
Within a segment every figure counts the orders of that segment's customers only.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..errors import InvalidParameterError, param_error
from ..segment.runs import get_run
from ..workspace import META, Workspace
from .segments import check_segment
from .source import purchase_lines

COLUMNS = [
    "antecedent", "antecedent_description", "consequent", "consequent_description", "orders",
    "support", "confidence", "lift",
]  # fmt: skip


@dataclass(frozen=True)
class Rules:
    """The rules (one row each, COLUMNS) and what they were computed over."""

    frame: pd.DataFrame
    orders: int  # orders counted (in the segment, when one was chosen)
    capped_orders: int  # orders with more than max_items frequent products, cut to those
    max_items: int
    min_orders: int
    run_id: str | None = None
    segment_id: int | None = None

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "segment_id": self.segment_id,
            "orders": self.orders,
            "capped_orders": self.capped_orders,
            "max_items": self.max_items,
            "min_orders": self.min_orders,
            "rules": len(self.frame),
        }


def bought_together(
    ws: Workspace,
    table: str,
    *,
    run_id: str | None = None,
    segment_id: int | None = None,
    min_orders: int = 10,
    min_confidence: float = 0.0,
    max_items: int = 50,
    limit: int | None = 1000,
) -> Rules:
    """Product -> product rules of a transactions table (within a run's segment if given).

    >>> bought_together(ws, "retail", min_orders=50).frame.iloc[0]["lift"] > 1  # doctest: +SKIP
    True
    """
    for label, value, low in (("min_orders", min_orders, 1), ("max_items", max_items, 2)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise param_error(label, f"an int of at least {low}", value)
    if not 0.0 <= float(min_confidence) <= 1.0:
        raise param_error("min_confidence", "a number in [0, 1]", min_confidence)
    if segment_id is not None and run_id is None:
        raise InvalidParameterError("A segment needs its run: give --run RUN_ID with --segment.")
    lines = purchase_lines(ws, run_id or table)
    if lines.table != table:
        raise InvalidParameterError(
            f"Run {run_id} was made from table {lines.table!r}, not {table!r}; give that table."
        )
    where, params = "", [*lines.params]
    if run_id is not None and segment_id is not None:
        check_segment(get_run(ws, run_id), int(segment_id))
        where = (
            f"JOIN {META}.assignments a ON a.customer_id = l.customer_id AND a.run_id = ? "
            "WHERE a.segment_id = ?"
        )
        params += [run_id, int(segment_id)]
    orders, cut = _order_counts(ws, lines, where, params, min_orders, max_items)
    if not orders:
        raise InvalidParameterError(
            f"Table {table!r} has no orders"
            + (f" in segment {segment_id} of run {run_id}" if segment_id is not None else "")
            + "; there is nothing to find products bought together in."
        )
    sql = _rules_sql(lines, where, capped=cut > 0) + (" LIMIT ?" if limit else "")
    head = [int(min_orders), int(max_items), int(min_orders), float(min_confidence)]
    rows = ws.query(sql, [*params, *head, *([int(limit)] if limit else [])])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return Rules(
        frame, orders, cut, max_items, min_orders, run_id,
        None if segment_id is None else int(segment_id),
    )  # fmt: skip


def _order_counts(ws, lines, where, params, min_orders: int, max_items: int) -> tuple[int, int]:
    """Orders, and those with more than ``max_items`` products of at least ``min_orders``."""
    row = ws.query(
        f"""WITH baskets_text AS (SELECT l.customer_id, l.order_id, l.product
            FROM ({lines.sql}) l {where}),
        baskets AS (SELECT DISTINCT customer_id, order_id, product FROM baskets_text),
        item AS (SELECT product, count(*) AS orders FROM baskets GROUP BY product),
        sizes AS (SELECT customer_id, order_id, count(*) FILTER (WHERE i.orders >= ?) AS frequent
            FROM baskets b JOIN item i USING (product) GROUP BY customer_id, order_id)
        SELECT count(*), count(*) FILTER (WHERE frequent > ?) FROM sizes""",
        [*params, int(min_orders), int(max_items)],
    )[0]
    return int(row[0]), int(row[1])


def _rules_sql(lines, where: str, *, capped: bool) -> str:
    """The rules' SQL; parameters: the lines', min_orders, max_items, min_orders, confidence.
    Orders are cut to their most frequent products (a window) only when some need it."""
    texts = (
        "SELECT product, mode(description) AS description FROM baskets_text GROUP BY product"
        if lines.description
        else "SELECT NULL AS product, NULL AS description"
    )
    kept = (
        """kept AS (
            SELECT b.customer_id, b.order_id, b.product, row_number() OVER (
                PARTITION BY b.customer_id, b.order_id ORDER BY i.orders DESC, b.product) AS pos
            FROM baskets b JOIN item i USING (product) WHERE i.orders >= ?
        ),
        capped AS (SELECT * FROM kept WHERE pos <= ?)"""
        if capped
        else """capped AS (SELECT b.customer_id, b.order_id, b.product
            FROM baskets b JOIN item i USING (product) WHERE i.orders >= ? AND ? > 0)"""
    )
    return f"""WITH baskets_text AS (
            SELECT l.customer_id, l.order_id, l.product,
                {"l.description" if lines.description else "NULL"} AS description
            FROM ({lines.sql}) l {where}),
        baskets AS (SELECT DISTINCT customer_id, order_id, product FROM baskets_text),
        total AS (SELECT count(*) AS n FROM (SELECT DISTINCT customer_id, order_id FROM baskets)),
        item AS (SELECT product, count(*) AS orders FROM baskets GROUP BY product),
        {kept},
        pairs AS (
            SELECT x.product AS a, y.product AS c, count(*) AS orders
            FROM capped x JOIN capped y ON x.customer_id = y.customer_id
                AND x.order_id = y.order_id AND x.product < y.product
            GROUP BY x.product, y.product HAVING count(*) >= ?
        ),
        directed AS (SELECT a, c, orders FROM pairs UNION ALL SELECT c, a, orders FROM pairs),
        texts AS ({texts})
    SELECT d.a, ta.description, d.c, tc.description, d.orders, d.orders / t.n AS support,
        d.orders / ia.orders AS confidence, d.orders / ia.orders / (ic.orders / t.n) AS lift
    FROM directed d JOIN item ia ON ia.product = d.a JOIN item ic ON ic.product = d.c
        LEFT JOIN texts ta ON ta.product = d.a LEFT JOIN texts tc ON tc.product = d.c, total t
    WHERE d.orders / ia.orders >= ?
    ORDER BY lift DESC, d.orders DESC, d.a, d.c"""

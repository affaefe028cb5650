"""The customer x product matrix of a run's purchase lines, and its leave-last-order-out split.

One DuckDB query aggregates the lines to ``customer, product, orders`` and marks the products
of each customer's last order (customers with at least two orders); pandas turns the ids into
codes and scipy holds the matrices. ``full`` counts every order; ``train`` leaves the last order
out; ``targets`` holds, per evaluated customer, the last order's products not bought before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InvalidParameterError
from ..workspace import META, Workspace, fetch_frame
from .source import Lines

NO_SEGMENT = -1  # the segment code of every customer when the lines are a table, not a run


@dataclass(frozen=True)
class Interactions:
    """Customers (rows) x products (columns): order counts, the split and each row's segment."""

    customers: np.ndarray  # customer ids (text), row order
    products: np.ndarray  # product ids (text), column order
    full: sp.csr_matrix  # orders that hold the product, all orders
    train: sp.csr_matrix  # the same without each evaluated customer's last order
    targets: sp.csr_matrix  # 1 where a product of the last order was not bought before
    segments: np.ndarray  # segment id per row (NO_SEGMENT without a run)

    @property
    def shape(self) -> tuple[int, int]:
        return self.full.shape

    def history(self, *, holdout: bool) -> sp.csr_matrix:
        """The matrix a model learns from: ``train`` when evaluating, else ``full``."""
        return self.train if holdout else self.full

    def evaluated(self) -> np.ndarray:
        """Rows of the customers the evaluation covers (at least one target)."""
        return np.flatnonzero(np.diff(self.targets.indptr) > 0)


def load_interactions(ws: Workspace, lines: Lines) -> Interactions:
    """Aggregate ``lines`` in DuckDB and build the matrices.

    >>> load_interactions(ws, purchase_lines(ws, "r1")).shape  # doctest: +SKIP
    (4339, 3665)
    """
    join = (
        f"JOIN {META}.assignments a ON a.customer_id = l.customer_id AND a.run_id = ?"
        if lines.run_id
        else ""
    )
    segment = "a.segment_id" if lines.run_id else str(NO_SEGMENT)
    params = [*lines.params, *([lines.run_id] if lines.run_id else [])]
    sql = f"""WITH l AS (SELECT l.customer_id, l.order_id, l.product, l.day, {segment} AS seg
        FROM ({lines.sql}) l {join}),
    orders AS (
        SELECT customer_id, order_id,
            row_number() OVER (PARTITION BY customer_id ORDER BY min(day) DESC, order_id DESC) AS rk,
            count(*) OVER (PARTITION BY customer_id) AS n_orders
        FROM l GROUP BY customer_id, order_id
    ),
    last AS (SELECT customer_id, order_id FROM orders WHERE rk = 1 AND n_orders >= 2)
    SELECT l.customer_id, l.product, any_value(l.seg) AS seg,
        count(DISTINCT l.order_id) AS n,
        count(DISTINCT l.order_id) FILTER (WHERE last.order_id IS NULL) AS n_train,
        bool_or(last.order_id IS NOT NULL) AS held
    FROM l LEFT JOIN last ON l.customer_id = last.customer_id AND l.order_id = last.order_id
    GROUP BY l.customer_id, l.product"""
    cur = ws.cursor()
    try:
        frame = fetch_frame(cur, sql, params)
    finally:
        cur.close()
    if frame.empty:
        raise InvalidParameterError(
            f"Table {lines.table!r} has no purchase lines with a customer id and a product"
            + (f" for the customers of run {lines.run_id}" if lines.run_id else "")
            + "; recommendations need purchases. Check the table's roles on the Data page."
        )
    return _build(frame)


def _build(frame: pd.DataFrame) -> Interactions:
    rows, customers = pd.factorize(frame["customer_id"], sort=True)
    cols, products = pd.factorize(frame["product"], sort=True)
    shape = (len(customers), len(products))

    def matrix(values: np.ndarray) -> sp.csr_matrix:
        keep = values > 0
        m = sp.csr_matrix((values[keep].astype(np.float32), (rows[keep], cols[keep])), shape=shape)
        m.sort_indices()
        return m

    n_train = frame["n_train"].to_numpy()
    targets = frame["held"].to_numpy() & (n_train == 0)
    segments = np.full(shape[0], NO_SEGMENT, dtype=np.int64)
    segments[rows] = frame["seg"].to_numpy()
    return Interactions(
        customers=np.asarray(customers, dtype=object),
        products=np.asarray(products, dtype=object),
        full=matrix(frame["n"].to_numpy()),
        train=matrix(n_train),
        targets=matrix(targets.astype(np.float32)),
        segments=segments,
    )

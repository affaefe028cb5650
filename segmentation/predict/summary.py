"""The summary per customer that the models read, computed in DuckDB from a transactions table.

Definitions (those of the features, see the README):

* A line needs a customer id, a date and an amount (or quantity x unit price); a line with
  amount < 0 is a return, any other a purchase.
* An order is a distinct order id among a customer's purchase lines (without an order id role:
  a distinct day). Its day is that of its first purchase line; its value is the sum of every
  line with its key (purchases and returns under the same order id, or on the same day). The
  first order is the one with the earliest purchase line (ties: the smaller value).
* frequency = repeat orders (orders - 1); recency = days from the first to the last order;
  T = days from the first order to the observation end: the calibration end when one is given,
  else the last transaction day; monetary_value = mean value of the repeat orders (the first
  order left out), 0 without repeat orders.
* With a calibration end, the model sees only lines dated up to and including it; the holdout
  is each calibration customer's orders after it, up to the last transaction day.

>>> sql, _ = summary_sql("tx", {"customer_id": "c", "timestamp": "t", "amount": "v"},
...                      {"c": "VARCHAR", "t": "DATE", "v": "DOUBLE"})
>>> sql.startswith("WITH lines AS")
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ..errors import InvalidParameterError
from ..features.sql import amount_sql, customer_id_sql
from ..workspace import TableInfo, Workspace, quote_ident

UNITS = {"day": 1.0, "week": 7.0, "month": 30.4375}


@dataclass(frozen=True)
class CustomerSummary:
    """The per-customer summary (times in days) and the period it covers."""

    customer_id: np.ndarray  # text
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray
    first_day: date
    observation_end: date
    holdout_end: date | None  # the last transaction day, with a calibration end
    holdout_orders: np.ndarray | None
    holdout_days: dict[int, int] | None  # day after the calibration end -> repeat orders

    @property
    def customers(self) -> int:
        return len(self.customer_id)

    @property
    def repeat_customers(self) -> int:
        return int(np.count_nonzero(self.frequency))


def _lines_sql(table: str, roles: Mapping[str, str], types: Mapping[str, str]) -> str:
    q = quote_ident
    amount = amount_sql(roles)
    fields = [
        f"{customer_id_sql(roles['customer_id'], types.get(roles['customer_id'], 'VARCHAR'))}"
        " AS customer_id",
        f"CAST({q(roles['timestamp'])} AS DATE) AS day",
        f"CAST({q(roles['timestamp'])} AS TIMESTAMP) AS bought_at",
        f"{amount} AS amount",
    ]
    if "order_id" in roles:
        fields.append(f"nullif(trim(CAST({q(roles['order_id'])} AS VARCHAR)), '') AS order_id")
    return "SELECT " + ", ".join(fields) + f" FROM {q(table)}"


def summary_sql(table: str, roles: Mapping[str, str], types: Mapping[str, str]) -> tuple[str, str]:
    """The SELECT of the summary (parameter: the observation end) and of the holdout orders
    per customer and day (parameter: the calibration end)."""
    key = "order_id, CASE WHEN order_id IS NULL THEN day END" if "order_id" in roles else "day"
    base = f"""WITH lines AS ({_lines_sql(table, roles, types)}),
kept AS (
    SELECT * FROM lines
    WHERE customer_id IS NOT NULL AND day IS NOT NULL AND amount IS NOT NULL
),
orders AS (
    SELECT customer_id, min(day) FILTER (WHERE amount >= 0) AS day,
        min(bought_at) FILTER (WHERE amount >= 0) AS bought_at, sum(amount) AS value
    FROM kept WHERE day <= $1
    GROUP BY customer_id, {key}
    HAVING count(*) FILTER (WHERE amount >= 0) > 0
)"""
    summary = (
        base
        + """,
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY bought_at, value) AS k FROM orders
)
SELECT customer_id,
    count(*) - 1 AS frequency,
    date_diff('day', min(day), max(day)) AS recency,
    date_diff('day', min(day), CAST($1 AS DATE)) AS "T",
    coalesce(avg(value) FILTER (WHERE k > 1), 0) AS monetary_value
FROM ranked
GROUP BY customer_id
ORDER BY customer_id"""
    )
    holdout = f"""WITH lines AS ({_lines_sql(table, roles, types)}),
kept AS (
    SELECT * FROM lines
    WHERE customer_id IS NOT NULL AND day IS NOT NULL AND amount IS NOT NULL
),
known AS (SELECT DISTINCT customer_id FROM kept WHERE day <= $1 AND amount >= 0),
later AS (
    SELECT customer_id, min(day) FILTER (WHERE amount >= 0) AS day
    FROM kept WHERE day > $1 AND customer_id IN (SELECT customer_id FROM known)
    GROUP BY customer_id, {key}
    HAVING count(*) FILTER (WHERE amount >= 0) > 0
)
SELECT customer_id, date_diff('day', CAST($1 AS DATE), day) AS day, count(*) AS orders
FROM later GROUP BY customer_id, day"""
    return summary, holdout


def _need_roles(info: TableInfo) -> dict[str, str]:
    if info.kind != "transactions":
        raise InvalidParameterError(
            f"Table {info.name!r} is a {info.kind} table; a prediction reads the orders of a "
            "transactions table (one row per order line). Choose that table, or set its kind "
            "on the Data page."
        )
    roles = info.roles
    missing = [r for r in ("customer_id", "timestamp") if r not in roles]
    if "amount" not in roles and not ("quantity" in roles and "unit_price" in roles):
        missing.append("amount (or quantity and unit_price)")
    if missing:
        raise InvalidParameterError(
            f"Table {info.name!r} needs the roles {', '.join(missing)} for a prediction. Set "
            "them on the Data page or with `segment features TABLE --role ROLE=COLUMN`."
        )
    kind = info.column(roles["timestamp"]).type.upper()
    if not (kind == "DATE" or kind.startswith("TIMESTAMP")):
        raise InvalidParameterError(
            f"The timestamp column {roles['timestamp']!r} of table {info.name!r} is {kind}, "
            "not a date. Load the file again with --date-format, or give the role to a date column."
        )
    return roles


def customer_summary(
    ws: Workspace, table: str, *, calibration_end: date | None = None
) -> CustomerSummary:
    """The summary of every customer with a purchase by the observation end."""
    info = ws.table(table)
    roles = _need_roles(info)
    types = {c.name: c.type for c in info.columns}
    summary, holdout = summary_sql(info.name, roles, types)
    cur = ws.cursor()
    try:
        first, last = cur.execute(
            f"WITH lines AS ({_lines_sql(info.name, roles, types)}) SELECT min(day), max(day) "
            "FROM lines WHERE customer_id IS NOT NULL AND amount IS NOT NULL"
        ).fetchone()
        if last is None:
            raise InvalidParameterError(
                f"Table {info.name!r} has no line with a customer id, a date and an amount."
            )
        end = last if calibration_end is None else calibration_end
        if calibration_end is not None and not first <= calibration_end < last:
            raise InvalidParameterError(
                f"The calibration end must fall between the first and the day before the last "
                f"transaction day ({first} .. {last - timedelta(days=1)}). Got {calibration_end}."
            )
        data = cur.execute(summary, [end]).fetchnumpy()
        hold = None if calibration_end is None else cur.execute(holdout, [end]).fetchnumpy()
    finally:
        cur.close()
    ids = np.asarray(data["customer_id"], dtype=object)
    held, per_day = None, None
    if hold is not None:
        index = {c: i for i, c in enumerate(ids)}
        held = np.zeros(len(ids))
        rows = np.array([index[c] for c in hold["customer_id"]], dtype=np.int64)
        np.add.at(held, rows, np.asarray(hold["orders"], dtype=float))
        days = np.asarray(hold["day"], dtype=np.int64)
        per_day = dict(enumerate(np.bincount(days, weights=hold["orders"]).astype(int).tolist()))
    return CustomerSummary(
        customer_id=ids,
        frequency=np.asarray(data["frequency"], dtype=float),
        recency=np.asarray(data["recency"], dtype=float),
        T=np.asarray(data["T"], dtype=float),
        monetary_value=np.asarray(data["monetary_value"], dtype=float),
        first_day=first,
        observation_end=end,
        holdout_end=None if calibration_end is None else last,
        holdout_orders=held,
        holdout_days=per_day,
    )

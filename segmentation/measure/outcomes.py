"""What the export's customers did in the campaign window: one pass of DuckDB SQL over an
outcomes (transactions) table, joined to the export's audience and holdout.

Per customer of the window ``[start, start + days)``: ``orders`` (distinct order ids among
purchase lines, a purchase day when a line has no order id: as the features count orders),
``revenue`` (the net sum of line amounts, returns included) and, for CUPED, ``pre_revenue``
(the same sum over the ``days`` before ``start``). A purchase line is one with amount >= 0.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError
from ..features.sql import amount_sql, customer_id_sql
from ..workspace import TableInfo, Workspace, quote_ident

SUMS = ("n", "converted", "sum_r", "sum_r2", "sum_o", "sum_o2", "sum_x", "sum_x2", "sum_xr")


@dataclass(frozen=True)
class Window:
    """The campaign window: ``start`` included, ``end`` the last day included."""

    start: date
    days: int

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.days - 1)

    def bounds(self) -> list[date]:
        return [self.start, self.start + timedelta(days=self.days)]

    def before(self) -> list[date]:
        return [self.start - timedelta(days=self.days), self.start]


@dataclass(frozen=True)
class Outcomes:
    """Sufficient statistics per ``(segment_id, grp)`` (columns :data:`SUMS`), the daily first
    purchases per group, and the counts the readout reports."""

    sums: pd.DataFrame
    daily: pd.DataFrame
    missing: int
    ignored: int
    window_lines: int


def outcome_roles(info: TableInfo) -> dict[str, str]:
    """The roles the readout needs from an outcomes table, or an error saying which is missing."""
    roles = info.roles
    for role, what in (("customer_id", "who bought"), ("timestamp", "when")):
        if role not in roles:
            raise InvalidParameterError(
                f"Table {info.name!r} has no column with the role {role!r} ({what}), so its "
                "lines cannot be matched to the export's customers. Set the role on the Data "
                "page (or ingest the file again) and try again."
            )
    if "amount" not in roles and not ("quantity" in roles and "unit_price" in roles):
        raise InvalidParameterError(
            f"Table {info.name!r} needs a column with the role 'amount', or two with the roles "
            "'quantity' and 'unit_price', for the revenue of each line. Set them on the Data page."
        )
    return roles


def _lines_sql(info: TableInfo) -> str:
    roles = outcome_roles(info)
    types = {c.name: c.type for c in info.columns}
    cid = roles["customer_id"]
    clean = bool(info.options.get("text_clean"))  # trimmed, '' as NULL, by ingest
    amount = amount_sql(roles)
    order = "NULL"
    if "order_id" in roles:
        order = f"CAST({quote_ident(roles['order_id'])} AS VARCHAR)"
    return (
        f"SELECT {customer_id_sql(cid, types.get(cid, 'VARCHAR'), clean=clean)} AS customer_id, "
        f"CAST({quote_ident(roles['timestamp'])} AS DATE) AS day, {amount} AS amount, "
        f"{order} AS order_key FROM {quote_ident(info.name)} WHERE {quote_ident(cid)} IS NOT NULL"
    )


# One scan of the table: grouped by customer and order (purchase lines in the window; other
# lines under a NULL order), then by customer. Faster than count(DISTINCT ...) or three scans.
_PER_CUSTOMER = """
, by_order AS (
    SELECT customer_id,
        CASE WHEN day >= ? AND day < ? AND amount >= 0
            THEN coalesce(order_key, CAST(day AS VARCHAR)) END AS order_key,
        sum(amount) FILTER (WHERE day >= ? AND day < ?) AS revenue,
        sum(amount) FILTER (WHERE day >= ? AND day < ?) AS pre_revenue,
        count(*) FILTER (WHERE day >= ? AND day < ?) AS window_lines,
        min(day) FILTER (WHERE day >= ? AND day < ? AND amount >= 0) AS first_day
    FROM lines GROUP BY 1, 2
)
SELECT customer_id, count(order_key) AS orders, coalesce(sum(revenue), 0) AS revenue,
    coalesce(sum(pre_revenue), 0) AS pre_revenue, min(first_day) AS first_day,
    sum(window_lines) AS window_lines
FROM by_order GROUP BY 1
"""

_SUMS = """
SELECT g.segment_id, g.grp, count(*) AS n,
    count(*) FILTER (WHERE p.orders > 0) AS converted,
    sum(coalesce(p.revenue, 0)) AS sum_r, sum(coalesce(p.revenue, 0) ^ 2) AS sum_r2,
    sum(coalesce(p.orders, 0)) AS sum_o, sum(coalesce(p.orders, 0) ^ 2) AS sum_o2,
    sum(coalesce(p.pre_revenue, 0)) AS sum_x, sum(coalesce(p.pre_revenue, 0) ^ 2) AS sum_x2,
    sum(coalesce(p.pre_revenue, 0) * coalesce(p.revenue, 0)) AS sum_xr,
    count(*) FILTER (WHERE p.customer_id IS NULL) AS missing
FROM {groups} g LEFT JOIN {per} p USING (customer_id)
GROUP BY g.segment_id, g.grp ORDER BY g.segment_id, g.grp
"""


def measure_outcomes(
    ws: Workspace, info: TableInfo, groups: tuple[str, list[Any]], window: Window
) -> Outcomes:
    """Aggregate the outcomes table over the window for the groups' customers (``groups``:
    the SELECT of ``customer_id, segment_id, grp`` and its parameters)."""
    tag = uuid.uuid4().hex[:12]
    per, grp = f"__measure_per_{tag}", f"__measure_groups_{tag}"
    group_sql, group_params = groups
    params = window.bounds() * 2 + window.before() + window.bounds() * 2
    cur = ws.cursor()  # temporary tables live on this cursor only, and are dropped below
    try:
        cur.execute(
            f"CREATE TEMP TABLE {per} AS WITH lines AS ({_lines_sql(info)}) {_PER_CUSTOMER}",
            params,
        ).fetchall()
        cur.execute(f"CREATE TEMP TABLE {grp} AS {group_sql}", group_params).fetchall()
        sums = cur.execute(_SUMS.format(groups=grp, per=per)).df()
        daily = cur.execute(
            f"SELECT g.grp, p.first_day AS day, count(*) AS converted FROM {grp} g "
            f"JOIN {per} p USING (customer_id) WHERE p.first_day IS NOT NULL "
            "GROUP BY ALL ORDER BY 1, 2"
        ).df()
        ignored, lines = cur.execute(
            f"SELECT (SELECT count(*) FROM {per} p ANTI JOIN {grp} g USING (customer_id) "
            f"WHERE p.window_lines > 0), coalesce(sum(window_lines), 0) FROM {per}"
        ).fetchall()[0]
    finally:
        cur.execute(f"DROP TABLE IF EXISTS {per}")
        cur.execute(f"DROP TABLE IF EXISTS {grp}")
        cur.close()
    return Outcomes(
        sums=sums,
        daily=daily,
        missing=int(sums["missing"].sum()),
        ignored=int(ignored),
        window_lines=int(lines),
    )


def date_range(ws: Workspace, info: TableInfo) -> tuple[date | None, date | None]:
    """The first and last day of an outcomes table (for the message about an empty window)."""
    ts = quote_ident(outcome_roles(info)["timestamp"])
    sql = f"SELECT min(CAST({ts} AS DATE)), max(CAST({ts} AS DATE)) FROM {quote_ident(info.name)}"
    first, last = ws.query(sql)[0]
    return first, last


def outcome_tables(ws: Workspace) -> list[str]:
    """Tables a readout can read: those with a customer id, a date and an amount (or quantity
    and unit price), transactions first."""
    usable = []
    for info in ws.tables():
        try:
            outcome_roles(info)
        except InvalidParameterError:
            continue
        if info.kind != "features":
            usable.append((info.kind != "transactions", info.name))
    return [name for _, name in sorted(usable)]

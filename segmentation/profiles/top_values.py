"""The top categories, countries and products of each segment's purchases, with their index.

>>> top_values(ws, "r1").head(1)  # doctest: +SKIP
  dimension  segment_id  rank  value  share  overall_share  index             basis
0  category           1     1   Home   0.31           0.22  140.9  purchase revenue
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..features.sql import amount_sql, customer_id_sql
from ..segment.runs import Run, get_run
from ..workspace import META, TableInfo, Workspace, quote_ident

TOP_N = 5
DIMENSIONS = ("category", "country", "product")  # roles of the source lines profiled


def top_values(ws: Workspace, run_id: str, *, n: int = TOP_N) -> pd.DataFrame:
    """The top ``n`` categories, countries and products of each segment, with their index.

    Read from the source lines of the run's feature table (its catalog options name the source
    and the roles used), joined to the run's assignments by customer id in DuckDB. ``share`` is
    the value's share of the segment's purchase revenue (of its lines where there is no amount,
    of its customers for a customer table); ``overall_share`` the same among all the run's
    customers; ``index`` = share / overall_share x 100. Empty when there is no source.
    """
    run = get_run(ws, run_id)
    source = _source_lines(ws, run)
    columns = ["dimension", "segment_id", "rank", "value", "share", "overall_share", "index"]
    if source is None:
        return pd.DataFrame(columns=[*columns, "basis"])
    lines_sql, params, dims, basis = source
    values = [f"v{i}" for i in range(len(dims))]
    which = " ".join(f"WHEN GROUPING({v}) = 0 THEN {i}" for i, v in enumerate(values))
    value = " ".join(f"WHEN GROUPING({v}) = 0 THEN {v}" for v in values)
    sets = ", ".join(f"(a.segment_id, {v})" for v in values)
    rows = ws.query(
        f"""WITH lines AS ({lines_sql}),
by_segment AS (
    SELECT * FROM (
        SELECT a.segment_id, CASE {which} END AS d, CASE {value} END AS value, sum(l.w) AS w
        FROM lines l JOIN {META}.assignments a ON a.customer_id = l.customer_id AND a.run_id = ?
        GROUP BY GROUPING SETS ({sets})
    ) AS grouped
    WHERE value IS NOT NULL
),
segment_totals AS (SELECT d, segment_id, sum(w) AS total FROM by_segment GROUP BY d, segment_id),
everyone AS (
    SELECT d, value, sum(w) / nullif(sum(sum(w)) OVER (PARTITION BY d), 0) AS overall_share
    FROM by_segment GROUP BY d, value
),
ranked AS (
    SELECT b.d, b.segment_id, b.value, b.w / nullif(t.total, 0) AS share, e.overall_share,
        row_number() OVER (PARTITION BY b.d, b.segment_id ORDER BY b.w DESC, b.value) AS rank
    FROM by_segment b JOIN segment_totals t USING (d, segment_id) JOIN everyone e USING (d, value)
)
SELECT d, segment_id, rank, value, share, overall_share, share / nullif(overall_share, 0) * 100
FROM ranked WHERE rank <= ? ORDER BY d, segment_id, rank""",
        [*params, run_id, int(n)],
    )
    frame = pd.DataFrame(rows, columns=["d", *columns[1:]])
    frame.insert(0, "dimension", [dims[int(i)] for i in frame.pop("d")])
    return frame.assign(basis=basis)


def _source_lines(ws: Workspace, run: Run) -> tuple[str, list[Any], list[str], str] | None:
    """SQL of the source rows (``customer_id, w, v0, v1, ...``: one value column per
    dimension), its parameters, the dimensions and what the weight ``w`` counts."""
    info = ws.table(run.table)
    found = _source(ws, info)
    if found is None:
        return None
    source, roles = found
    types = {c.name: c.type for c in source.columns}
    present = {c.name for c in source.columns}
    roles = {r: c for r, c in roles.items() if c in present}
    dims = {
        d: f"nullif(trim(CAST({quote_ident(roles[d])} AS VARCHAR)), '')"
        for d in DIMENSIONS
        if d in roles
    }
    if "customer_id" not in roles or not dims:
        return None
    cid = customer_id_sql(roles["customer_id"], types.get(roles["customer_id"], "VARCHAR"))
    weight, basis = _weight(source, roles)
    where, params = ["TRUE"], []
    if weight != "1.0":
        where.append(f"{weight} >= 0")  # purchases only: returns are negative
    as_of = info.options.get("as_of") if info.kind == "features" else None
    if source.kind == "transactions" and "timestamp" in roles and as_of:
        where.append(f"CAST({quote_ident(roles['timestamp'])} AS DATE) < CAST(? AS DATE)")
        params.append(as_of)
    fields = [f"{cid} AS customer_id", f"{weight} AS w"]
    fields += [f"{sql} AS v{i}" for i, sql in enumerate(dims.values())]
    sql = f"SELECT {', '.join(fields)} FROM {quote_ident(source.name)} WHERE {' AND '.join(where)}"
    return sql, params, list(dims), basis


def _source(ws: Workspace, info: TableInfo) -> tuple[TableInfo, dict[str, str]] | None:
    """The table whose lines are profiled and its roles: a feature table's source (None when
    it is gone), else the run's table itself."""
    if info.kind != "features":
        return info, info.roles
    name = info.options.get("source")
    roles = dict(info.options.get("roles") or {})
    if not name or not ws.has_table(name):
        return None
    return ws.table(name), roles


def _weight(source: TableInfo, roles: dict[str, str]) -> tuple[str, str]:
    """The SQL of a line's weight and what it counts: purchase revenue where the lines have an
    amount (or quantity x unit price), else lines (transactions) or customers."""
    if source.kind != "transactions":
        return "1.0", "customers"
    if "amount" in roles or ("quantity" in roles and "unit_price" in roles):
        return amount_sql(roles), "purchase revenue"
    return "1.0", "lines"

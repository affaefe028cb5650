"""Migrations kept in the workspace: ``_seg.migrations`` (one row each) and
``_seg.migration_customers`` (one row per customer: the segment at each date, NULL for New at
the first date and for Gone at the second)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd

from ..errors import TableNotFoundError
from ..workspace import META, Workspace

NEW, GONE = "New", "Gone"

_DDL = f"""
CREATE TABLE IF NOT EXISTS {META}.migrations (
    migration_id VARCHAR NOT NULL, seq INTEGER NOT NULL, created_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL, to_run_id VARCHAR NOT NULL, from_as_of DATE NOT NULL,
    to_as_of DATE NOT NULL, table_name VARCHAR NOT NULL, customers BIGINT NOT NULL,
    stayed_share DOUBLE, new BIGINT NOT NULL, gone BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.migration_customers (
    migration_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL,
    from_segment_id INTEGER, to_segment_id INTEGER
);
"""

_PAIRS = f"""
SELECT ?, coalesce(a.customer_id, b.customer_id), a.segment_id, b.segment_id
FROM (SELECT customer_id, segment_id FROM {META}.assignments WHERE run_id = ?) a
FULL OUTER JOIN (SELECT customer_id, segment_id FROM {META}.assignments WHERE run_id = ?) b
ON a.customer_id = b.customer_id
"""

_SUMMARY = f"""
SELECT count(*),
    avg(CASE WHEN from_segment_id = to_segment_id THEN 1.0 ELSE 0.0 END)
        FILTER (WHERE from_segment_id IS NOT NULL AND to_segment_id IS NOT NULL),
    count(*) FILTER (WHERE from_segment_id IS NULL),
    count(*) FILTER (WHERE to_segment_id IS NULL)
FROM {META}.migration_customers WHERE migration_id = ?
"""

_NAMED = f"""
SELECT c.customer_id, c.from_segment_id, coalesce(f.name, '{NEW}') AS from_segment,
    c.to_segment_id, coalesce(t.name, '{GONE}') AS to_segment
FROM {META}.migration_customers c
JOIN {META}.migrations m ON m.migration_id = c.migration_id
LEFT JOIN {META}.segments f ON f.run_id = m.run_id AND f.segment_id = c.from_segment_id
LEFT JOIN {META}.segments t ON t.run_id = m.to_run_id AND t.segment_id = c.to_segment_id
WHERE c.migration_id = ?
"""


def record(
    ws: Workspace, run_id: str, to_run_id: str, from_as_of: date, to_as_of: date, table: str
) -> str:
    """Pair the two runs' assignments customer by customer and keep them (one transaction);
    returns the migration's id, ``m1``, ``m2``, ..."""
    ws.ensure_schema(_DDL)
    with ws.transaction() as cur:
        seq = cur.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {META}.migrations").fetchall()
        migration_id = f"m{seq[0][0]}"
        cur.execute(
            f"INSERT INTO {META}.migration_customers {_PAIRS}", [migration_id, run_id, to_run_id]
        ).fetchall()
        customers, stayed, new, gone = cur.execute(_SUMMARY, [migration_id]).fetchall()[0]
        cur.execute(
            f"INSERT INTO {META}.migrations VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                migration_id,
                seq[0][0],
                datetime.now(),
                run_id,
                to_run_id,
                from_as_of,
                to_as_of,
                table,
                customers,
                stayed,
                new,
                gone,
            ],
        ).fetchall()
    return migration_id


def summary(ws: Workspace, migration_id: str) -> dict[str, Any]:
    """The stored row of a migration, as :class:`Migration`'s fields (matrix apart)."""
    ws.ensure_schema(_DDL)
    rows = ws.query(
        "SELECT migration_id, run_id, to_run_id, from_as_of, to_as_of, table_name, customers, "
        f"stayed_share, new, gone FROM {META}.migrations WHERE migration_id = ?",
        [migration_id],
    )
    if not rows:
        known = ", ".join(r[0] for r in ws.query(f"SELECT migration_id FROM {META}.migrations"))
        raise TableNotFoundError(
            f"There is no migration {migration_id!r} (migrations: {known or 'none yet'}); make "
            "one with `segment migrate RUN_ID --as-of DATE`."
        )
    keys = ("migration_id", "run_id", "to_run_id", "from_as_of", "to_as_of", "table")
    values = dict(zip(keys, rows[0][:6], strict=True))
    customers, stayed, new, gone = rows[0][6:]
    return {
        **values,
        "customers": int(customers),
        "stayed_share": None if stayed is None else float(stayed),
        "new": int(new),
        "gone": int(gone),
    }


def matrix(ws: Workspace, migration_id: str) -> pd.DataFrame:
    """``from_segment_id, from_segment, to_segment_id, to_segment, customers, row_share``:
    one row per pair that holds customers; New last among the rows, Gone last among the columns."""
    return ws.query_df(
        "SELECT *, customers / sum(customers) OVER (PARTITION BY from_segment_id) AS row_share "
        "FROM (SELECT from_segment_id, from_segment, to_segment_id, to_segment, "
        f"count(*) AS customers FROM ({_NAMED}) GROUP BY ALL) "
        "ORDER BY from_segment_id NULLS LAST, to_segment_id NULLS LAST",
        [migration_id],
    )


def customers(ws: Workspace, migration_id: str) -> pd.DataFrame:
    """One row per customer, by id."""
    summary(ws, migration_id)
    return ws.query_df(f"{_NAMED} ORDER BY c.customer_id", [migration_id])


def latest(ws: Workspace, run_id: str) -> str | None:
    """The newest migration from or to a run."""
    ws.ensure_schema(_DDL)
    rows = ws.query(
        f"SELECT migration_id FROM {META}.migrations WHERE run_id = ? OR to_run_id = ? "
        "ORDER BY seq DESC LIMIT 1",
        [run_id, run_id],
    )
    return rows[0][0] if rows else None


def previous_segments(ws: Workspace, run_id: str) -> pd.DataFrame | None:
    """For a run made by a migration: ``customer_id, previous_segment, segment_changed`` (New
    customers: 'New', changed); None when no migration led to the run."""
    ws.ensure_schema(_DDL)
    rows = ws.query(
        f"SELECT migration_id FROM {META}.migrations WHERE to_run_id = ? ORDER BY seq DESC LIMIT 1",
        [run_id],
    )
    if not rows:
        return None
    return ws.query_df(
        "SELECT customer_id, from_segment AS previous_segment, "
        "from_segment_id IS DISTINCT FROM to_segment_id AS segment_changed "
        f"FROM ({_NAMED}) WHERE to_segment_id IS NOT NULL ORDER BY customer_id",
        [rows[0][0]],
    )

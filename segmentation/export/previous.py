"""The segment each customer was in before: columns an export of a run made by a migration
(``segment migrate``) can add, as Klaviyo's "previous RFM group" does.

The migration's rows live in ``_seg.migrations`` / ``_seg.migration_customers`` (written by the
measure stage); they are read here as SQL only, so export imports nothing from measure.
"""

from __future__ import annotations

from typing import Any

from ..workspace import META, Workspace

MIGRATION_COLUMNS = ("previous_segment", "segment_changed")


def has_previous(ws: Workspace, run_id: str) -> bool:
    """Whether a migration led to ``run_id`` (so the previous segment is known)."""
    exists = ws.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [META, "migrations"],
    )[0][0]
    if not exists:
        return False
    sql = f"SELECT count(*) FROM {META}.migrations WHERE to_run_id = ?"
    return bool(ws.query(sql, [run_id])[0][0])


def previous_join(run_id: str) -> tuple[str, list[Any]]:
    """A LEFT JOIN (alias ``p``, on ``a.customer_id``) giving ``previous_segment`` (the name at
    the earlier date, 'New' for a customer who was not there) and ``segment_changed``, from the
    newest migration into the run; and its parameters."""
    sql = (
        "LEFT JOIN (SELECT c.customer_id, coalesce(f.name, 'New') AS previous_segment, "
        "c.from_segment_id IS DISTINCT FROM c.to_segment_id AS segment_changed "
        f"FROM {META}.migration_customers c JOIN (SELECT migration_id, run_id FROM "
        f"{META}.migrations WHERE to_run_id = ? ORDER BY seq DESC LIMIT 1) m "
        "ON m.migration_id = c.migration_id "
        f"LEFT JOIN {META}.segments f ON f.run_id = m.run_id AND f.segment_id = c.from_segment_id"
        ") p ON p.customer_id = a.customer_id"
    )
    return sql, [run_id]

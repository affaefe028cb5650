"""previous_segment columns are offered only for a run that a migration led to."""

from __future__ import annotations

from segmentation.export.previous import MIGRATION_COLUMNS, has_previous, previous_join
from segmentation.workspace import open_workspace


def test_a_workspace_without_migrations_has_no_previous_segments(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    try:
        assert not has_previous(ws, "r1")
    finally:
        ws.close()
    sql, params = previous_join("r2")
    assert params == ["r2"] and sql.startswith("LEFT JOIN") and "to_run_id = ?" in sql
    assert MIGRATION_COLUMNS == ("previous_segment", "segment_changed")

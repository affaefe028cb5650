"""The _seg schema carries a version; a workspace from a newer version is refused."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from segmentation.errors import WorkspaceError
from segmentation.workspace import open_workspace
from segmentation.workspace.schema import META, SCHEMA_VERSION


def test_a_new_workspace_records_the_schema_version(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    assert ws.query(f"SELECT version FROM {META}.schema_version") == [(SCHEMA_VERSION,)]


def test_an_old_workspace_gets_the_version_and_keeps_its_tables(tmp_path, workspace_v0):
    path = tmp_path / "old.duckdb"
    shutil.copy(workspace_v0 / "workspace_v0.duckdb", path)
    ws = open_workspace(path)
    assert ws.query(f"SELECT version FROM {META}.schema_version") == [(SCHEMA_VERSION,)]
    assert {t.name for t in ws.tables()} == {"tx", "feat"}
    ws.close()


def test_a_workspace_of_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "ws.duckdb"
    open_workspace(path).close()
    con = duckdb.connect(str(path))
    con.execute(f"UPDATE {META}.schema_version SET version = ?", [SCHEMA_VERSION + 1])
    con.close()
    with pytest.raises(WorkspaceError, match="written by a newer version"):
        open_workspace(path)

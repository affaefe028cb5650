"""Fixtures of the ingest tests: a fresh workspace, and small helpers that write and read."""

from collections.abc import Callable

import pytest

from segmentation.workspace import open_workspace


@pytest.fixture
def ws(tmp_path):
    return open_workspace(tmp_path / "ws.duckdb")


def _write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode(encoding))
    return path


def _catalog(ws):
    """What a user could see change: the listed tables and every table's row count."""
    listed = [(t.name, t.rows, t.kind) for t in ws.tables()]
    real = ws.query(
        "SELECT table_name, estimated_size FROM duckdb_tables() "
        "WHERE schema_name = 'main' ORDER BY 1"
    )
    counts = [ws.query(f'SELECT count(*) FROM "{name}"')[0][0] for name, _ in real]
    return listed, [name for name, _ in real], counts


def _values(ws, table, column):
    return [r[0] for r in ws.query(f'SELECT "{column}" FROM "{table}"')]


@pytest.fixture
def write() -> Callable:
    """``write(tmp_path, name, content, encoding="utf-8")``: the file's path."""
    return _write


@pytest.fixture
def catalog() -> Callable:
    """``catalog(ws)``: the listed tables, the real tables and their row counts."""
    return _catalog


@pytest.fixture
def values() -> Callable:
    """``values(ws, table, column)``: a column's values in table order."""
    return _values

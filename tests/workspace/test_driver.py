"""Driver errors become the project's errors at the connection, without customer values."""

from __future__ import annotations

import duckdb
import pytest

from segmentation.errors import FileError, QueryError, SegmentationError
from segmentation.workspace import open_workspace
from segmentation.workspace.driver import redact, translate


def test_redact_drops_quoted_values_and_keeps_the_reason():
    text = "Conversion Error: Could not convert string 'jane@example.com' to INT32\nLINE 1: ..."
    assert redact(text) == "Conversion Error: Could not convert string '…' to INT32"


def test_a_conversion_error_says_to_check_the_column_types(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(QueryError, match="does not fit its column's type") as caught:
        ws.query("SELECT CAST('jane@example.com' AS INTEGER)")
    assert "jane@example.com" not in str(caught.value)
    assert isinstance(caught.value.__cause__, duckdb.ConversionException)


def test_a_missing_column_says_to_check_the_roles(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    ws.query("CREATE TABLE t (a INTEGER)")
    with pytest.raises(QueryError, match="missing or of another type.*Data page"):
        ws.query_df('SELECT "no such column" FROM t')


def test_an_error_inside_a_transaction_rolls_back_and_is_translated(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(SegmentationError, match="does not fit"), ws.transaction() as cur:
        cur.execute("CREATE TABLE half (x INTEGER)")
        cur.execute("INSERT INTO half VALUES (CAST('x' AS INTEGER))")
    assert ws.query("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'") == [(0,)]


def test_io_and_memory_errors_say_what_to_do():
    assert isinstance(translate(duckdb.IOException("IO Error: disk full")), FileError)
    message = str(translate(duckdb.OutOfMemoryException("Out of Memory Error: 1GB")))
    assert "SEGMENT_MEMORY_LIMIT" in message


def test_an_interrupt_is_not_translated(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(duckdb.InterruptException), ws.transaction():
        raise duckdb.InterruptException("INTERRUPT Error: Interrupted!")

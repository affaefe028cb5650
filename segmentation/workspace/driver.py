"""DuckDB's errors in the project's words: translated once, at the connection.

Messages keep what says what went wrong (the kind of error, column and table names) and drop
quoted values, which may be a customer's data (``Could not convert string 'a@b.c' to INT32``).

>>> import duckdb
>>> str(translate(duckdb.ConversionException("Conversion Error: Could not convert string 'x@y.z' to INT32")))
"A value does not fit its column's type (Conversion Error: Could not convert string '…' to INT32). Check the column types on the Data page (or the file), then try again."
"""

from __future__ import annotations

import re

import duckdb

from ..errors import FileError, QueryError, SegmentationError

_QUOTED = re.compile(r"'(?:[^']|'')*'")


def redact(text: str) -> str:
    """The first line of a driver message with every single-quoted value replaced by '…'."""
    first = (text or "").strip().splitlines()[0] if (text or "").strip() else "no details"
    return _QUOTED.sub("'…'", first)[:300]


def translate(exc: duckdb.Error) -> SegmentationError:
    """The project's error for a DuckDB error, with what to do about it."""
    detail = redact(str(exc))
    if isinstance(exc, duckdb.OutOfMemoryException):
        return QueryError(
            f"DuckDB ran out of memory ({detail}). Set SEGMENT_MEMORY_LIMIT to a larger amount "
            "(e.g. 8GB), close other work, or use a smaller table."
        )
    if isinstance(exc, duckdb.IOException):
        return FileError(
            f"The workspace could not read or write a file ({detail}). Check the disk has room "
            "and the folder can be written to."
        )
    if isinstance(exc, duckdb.ConversionException):
        return QueryError(
            f"A value does not fit its column's type ({detail}). Check the column types on the "
            "Data page (or the file), then try again."
        )
    if isinstance(exc, duckdb.BinderException | duckdb.CatalogException):
        return QueryError(
            f"A table or column this step needs is missing or of another type ({detail}). "
            "Check the table's columns and roles on the Data page."
        )
    return QueryError(
        f"The workspace could not run a query ({detail}). The workspace was left as it was; "
        "if this keeps happening, set SEGMENT_DEBUG=1 and report it."
    )


def is_interrupt(exc: BaseException) -> bool:
    """Whether a driver error is DuckDB's answer to an interrupted statement (ours to raise)."""
    return isinstance(exc, duckdb.InterruptException)

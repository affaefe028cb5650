"""The workspace: the only owner of the DuckDB connection, of SQL identifiers and of ``_seg``.

- :mod:`.connection`: :class:`Workspace` (one connection per process and file, a cursor per
  call, serialized writes, the inbox, DuckDB's memory share) and :func:`open_workspace`;
  driver errors become :class:`~segmentation.errors.QueryError` here.
- :mod:`.catalog`: :func:`quote_ident` (the one quoting function), table names,
  :class:`TableInfo` and :class:`ColumnInfo`.
- :mod:`.schema`: the ``_seg`` bookkeeping tables and the schema version.
- :mod:`.types`: the column type classes (number, date, text, boolean).
- :mod:`.frames`: :func:`fetch_frame`, query results as DataFrames through Arrow (fast text).
"""

from .catalog import (
    TABLE_KINDS,
    ColumnInfo,
    TableInfo,
    check_table_name,
    quote_ident,
    safe_table_name,
)
from .connection import Workspace, default_workspace_path, open_workspace
from .frames import fetch_frame
from .schema import META, SCHEMA_VERSION

__all__ = [
    "META",
    "SCHEMA_VERSION",
    "TABLE_KINDS",
    "ColumnInfo",
    "TableInfo",
    "Workspace",
    "check_table_name",
    "default_workspace_path",
    "fetch_frame",
    "open_workspace",
    "quote_ident",
    "safe_table_name",
]

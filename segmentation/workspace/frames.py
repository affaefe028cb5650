"""Query results as pandas DataFrames, quickly.

DuckDB's own ``.df()`` builds a Python string object for every text value before pandas stores
it again as Arrow-backed text: reading 446k customer ids takes 0.49 s that way and 0.02 s
through Arrow. :func:`fetch_frame` reads the result as an Arrow table once and converts each
column by whichever route gives *the same* pandas column as ``.df()``, chosen by the column's
DuckDB type: Arrow's own conversion for text, floats, timestamps and integers or booleans without
missing values (identical there), and DuckDB's ``.df()`` of the Arrow columns for the rest (nullable integers become pandas'
``Int64``, dates ``datetime64``, decimals ``float64``, intervals ``timedelta64``, enums
``category``), so no caller sees a difference but the time.

>>> import duckdb
>>> con = duckdb.connect()
>>> frame = fetch_frame(con.cursor(), "SELECT 'a' AS s, 1 AS i, NULL::INT AS n, DATE '2024-01-02' AS d")
>>> [str(t) for t in frame.dtypes]
['str', 'int32', 'Int32', 'datetime64[us]']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import duckdb

if TYPE_CHECKING:  # pandas comes with the first frame: commands that make none start quicker
    import pandas as pd

# DuckDB types Arrow turns into the same pandas column as DuckDB's .df(): always, or when the
# column holds no missing value (.df() makes nullable Int64 / boolean columns of those)
_DIRECT = {"VARCHAR", "DOUBLE", "FLOAT", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"}
_DIRECT_WITHOUT_NULLS = {
    "BOOLEAN", "TINYINT", "SMALLINT", "INTEGER", "BIGINT",
    "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT",
}  # fmt: skip
# ... and those whose Arrow form DuckDB converts back as it would have (dates, decimals, ...)
_KNOWN = _DIRECT | _DIRECT_WITHOUT_NULLS | {
    "DATE", "TIME", "INTERVAL", "HUGEINT", "BLOB", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S",
}  # fmt: skip


def fetch_frame(
    cur: duckdb.DuckDBPyConnection, sql: str, params: Sequence[Any] | None = None
) -> pd.DataFrame:
    """Run ``sql`` with bound ``params`` on ``cur`` and return the result as ``.df()`` would."""
    relation = cur.sql(sql, params=list(params) if params else None)
    if relation is None:  # a statement without a result set
        return cur.execute(sql, params or []).df()
    types = [str(t) for t in relation.types]
    if not all(t in _KNOWN or t.startswith("DECIMAL") for t in types):
        return relation.df()  # enums, UUIDs, nested types: DuckDB's own conversion only
    table = relation.to_arrow_table()
    names = table.column_names
    if table.num_rows == 0 or len(set(names)) != len(names):
        return cur.from_arrow(table).df()  # empty text is object there; repeated names renamed
    direct = [
        name
        for name, kind, column in zip(names, types, table.columns, strict=True)
        if kind in _DIRECT or (kind in _DIRECT_WITHOUT_NULLS and column.null_count == 0)
    ]
    frame = table.select(direct).to_pandas()
    rest = [n for n in names if n not in set(direct)]
    if rest:
        converted = cur.from_arrow(table.select(rest)).df()
        for name in rest:
            frame.insert(names.index(name), name, converted[name])
    return frame

"""fetch_frame gives exactly the DataFrame DuckDB's .df() gives, for every column type."""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from segmentation.workspace.frames import fetch_frame

TYPES = """
SELECT * FROM (VALUES
 (1::INT, 2::BIGINT, NULL::BIGINT, 1.5::DOUBLE, 'a', DATE '2024-01-02',
  TIMESTAMP '2024-01-02 03:04:05', TIMESTAMPTZ '2024-01-02 03:04:05+00',
  TIMESTAMP_NS '2024-01-02 03:04:05.123456789', TIMESTAMP_MS '2024-01-02 03:04:05.123',
  TIMESTAMP_S '2024-01-02 03:04:05', 1.25::DECIMAL(10, 2), true, NULL::BOOLEAN, 5::HUGEINT,
  7::UBIGINT, [1, 2], {'a': 1}, 'x'::BLOB, '6f1c0a4e-63b5-4cbc-b1b9-3e2b35a5c3e2'::UUID,
  INTERVAL 1 DAY, 3::TINYINT, 2.5::FLOAT, TIME '01:02:03', 'e'::ENUM('e', 'f'), 'é ü'),
 (NULL, 3, 4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, true, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '')
) v(i, b, bn, d, s, dt, ts, tz, tns, tms, tsec, dec, flag, flag_null, h, ub, l, st, bl, u, iv,
    ti, f, tm, en, text2)
"""


@pytest.fixture
def cur():
    con = duckdb.connect()
    yield con.cursor()
    con.close()


def _both(cur, sql, params=None):
    return fetch_frame(cur, sql, params), cur.execute(sql, params or []).df()


@pytest.mark.parametrize(
    "sql",
    [
        TYPES,
        f"SELECT * EXCLUDE (l, st, u, en) FROM ({TYPES})",  # only types converted through Arrow
        f"SELECT * FROM ({TYPES}) WHERE false",
        f"SELECT * EXCLUDE (l, st, u, en) FROM ({TYPES}) WHERE false",  # no rows: the types of an empty result
        "SELECT range AS n, range::VARCHAR AS s, range * 0.5 AS x FROM range(100000)",
        "SELECT 1 AS a, 2 AS a",  # repeated names
    ],
    ids=["every type", "arrow types", "empty", "empty arrow types", "many rows", "repeated names"],
)
def test_fetch_frame_equals_duckdb_df(cur, sql):
    fast, plain = _both(cur, sql)
    pd.testing.assert_frame_equal(fast, plain)


def test_fetch_frame_binds_parameters(cur):
    fast, plain = _both(cur, "SELECT ?::VARCHAR AS s, ? + 1 AS n", ["it's", 41])
    pd.testing.assert_frame_equal(fast, plain)
    assert fast.loc[0, "s"] == "it's" and fast.loc[0, "n"] == 42


def test_fetch_frame_of_a_statement_without_rows(cur):
    cur.execute("CREATE TABLE t (a INT)")
    frame = fetch_frame(cur, "INSERT INTO t VALUES (1)")
    assert cur.execute("SELECT count(*) FROM t").fetchone()[0] == 1
    assert list(frame.columns) == ["Count"]


@pytest.mark.parametrize("table", ["tx", "feat"])
def test_fetch_frame_of_workspace_tables_equals_duckdb_df(explore_ws, table):
    with explore_ws.reading() as cur:
        fast, plain = _both(cur, f'SELECT * FROM "{table}"')
    pd.testing.assert_frame_equal(fast, plain)
    assert len(fast) > 500

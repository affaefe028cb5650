"""segmentation.features.transaction_sql: the feature SQL on its own, over a plain DuckDB table."""

import duckdb

from segmentation.features.transaction_sql import feature_sql


def test_feature_sql_is_plain_sql_over_a_named_table():
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE tx AS SELECT * FROM (VALUES ('a', DATE '2024-01-01', 10.0), "
        "('a', DATE '2024-01-05', -4.0), ('b', DATE '2024-01-02', 3.0)) AS t(cid, ts, amt)"
    ).fetchall()
    sql = feature_sql(
        "tx", {"customer_id": "cid", "timestamp": "ts", "amount": "amt"}, "DATE '2024-01-06'"
    )
    got = con.execute(
        f"SELECT customer_id, recency_days, monetary, returns_value FROM ({sql})"
    ).fetchall()
    assert got == [("a", 5, 6.0, 4.0), ("b", 4, 3.0, 0.0)]

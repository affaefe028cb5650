"""segmentation.features.transactions: the feature SQL on its own, and the share column names.

The transaction features built end to end are tested in test_feature_build.py.
"""

import duckdb

from segmentation.features.transactions import feature_sql, share_column_names


def test_share_column_names_are_safe_and_distinct():
    assert share_column_names(["Home & Garden", "home garden", "Électronique", "€", "Toys"]) == [
        "share_home_garden",
        "share_home_garden_2",
        "share_electronique",
        "share_category_4",
        "share_toys",
    ]


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

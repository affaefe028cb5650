"""segmentation.features.customers: the SQL of a customer table's features on its own.

Customer tables built end to end are tested in test_feature_build.py.
"""

import duckdb

from segmentation.features.customers import customer_feature_sql


def test_customer_feature_sql_keeps_the_first_row_of_each_id_and_turns_dates_into_days():
    con = duckdb.connect(":memory:")
    con.execute(
        "CREATE TABLE crm AS SELECT * FROM (VALUES ('a', 30, TRUE, DATE '2024-01-01', ' x '), "
        "('a', 99, FALSE, DATE '2023-01-01', 'y'), (' ', 5, TRUE, DATE '2024-01-01', 'z'), "
        "('b', 40, FALSE, DATE '2024-01-04', '')) AS t(id, age, vip, joined, city)"
    ).fetchall()
    columns = [("age", "number"), ("vip", "boolean"), ("joined", "date"), ("city", "text")]
    sql = customer_feature_sql("crm", "id", "VARCHAR", columns, "DATE '2024-01-06'")
    assert con.execute(sql).fetchall() == [("a", 30, 1, 5, "x"), ("b", 40, 0, 2, None)]
    names = [d[0] for d in con.execute(sql).description]
    assert names == ["customer_id", "age", "vip", "joined_days_ago", "city"]

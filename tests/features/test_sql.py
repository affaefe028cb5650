"""segmentation.features.sql: the SQL blocks the feature builders share."""

from datetime import date

import duckdb
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.features.sql import (
    Plan,
    cte,
    customer_id_sql,
    cutoff_cte,
    need_role,
    with_ctes,
)
from segmentation.workspace import ColumnInfo, TableInfo


def test_ctes_make_one_runnable_select():
    sql = with_ctes(
        [cutoff_cte("?"), cte("two", "    SELECT 2 AS n")], "SELECT as_of, n FROM cutoff, two"
    )
    assert duckdb.connect().execute(sql, ["2024-01-06"]).fetchall() == [(date(2024, 1, 6), 2)]


@pytest.mark.parametrize(
    ("duck_type", "value", "expected"),
    [
        ("DOUBLE", 17850.0, "17850"),
        ("DOUBLE", 1.5, "1.5"),
        ("INTEGER", 7, "7"),
        ("VARCHAR", " a ", "a"),
    ],
)
def test_customer_id_sql_gives_the_id_users_know(duck_type, value, expected):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE t (c {duck_type})")
    con.execute("INSERT INTO t VALUES (?)", [value])
    assert con.execute(f"SELECT {customer_id_sql('c', duck_type)} FROM t").fetchall() == [
        (expected,)
    ]


def test_need_role_says_how_to_set_a_missing_role():
    info = TableInfo(name="tx", kind="transactions", rows=0, columns=[ColumnInfo("c", "VARCHAR")])
    assert need_role(info, {"customer_id": "c"}, "customer_id", "says whose") == "c"
    with pytest.raises(InvalidParameterError, match="--role timestamp=COLUMN"):
        need_role(info, {}, "timestamp", "dates each transaction")


def test_plan_holds_what_a_build_leaves_out():
    plan = Plan("SELECT 1", [], date(2024, 1, 1), {}, {"rows_without_date": 2}, {})
    assert plan.without_purchases is None and plan.excluded["rows_without_date"] == 2

"""The feature SQL as SQLGlot expressions: the one DuckDB definition, bound and re-targeted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from helpers import sample_run_workspace

from segmentation.scale.dialects import render
from segmentation.scale.featuresql import (
    feature_query,
    last_day_query,
    split_ctes,
    top_categories_query,
)
from segmentation.workspace import open_workspace

ROLES = {"customer_id": "cid", "timestamp": "ts", "amount": "amt", "category": "cat"}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = open_workspace(sample_run_workspace(tmp_path_factory.mktemp("scale_featuresql")))
    yield ws
    ws.close()


def _plan(ws):
    info, feat = ws.table("tx"), ws.table("feat")
    roles = feat.options["roles"]
    types = {c.name: c.type for c in info.columns}
    shares = [c.name for c in feat.columns if c.name.startswith("share_")]
    return roles, types, date.fromisoformat(feat.options["as_of"]), shares


def test_the_query_gives_the_feature_table_on_duckdb(ws):
    roles, types, as_of, shares = _plan(ws)
    sql = render(feature_query("tx", roles, types, as_of, share_columns=shares), "duckdb")
    got = ws.query_df(sql)
    table = ws.query_df("SELECT * FROM feat ORDER BY customer_id")
    assert list(got.columns) == list(table.columns)
    assert got["customer_id"].tolist() == table["customer_id"].tolist()
    assert got["monetary"].round(6).tolist() == table["monetary"].round(6).tolist()


def test_the_default_as_of_and_the_top_categories_are_the_builds(ws):
    roles, types, as_of, shares = _plan(ws)
    last = ws.query(render(last_day_query("tx", roles, types), "duckdb"))[0][0]
    assert last + timedelta(days=1) == as_of
    ranked = ws.query(render(top_categories_query("tx", roles, types, as_of, 8), "duckdb"))
    assert ["share_" + r[0].lower() for r in ranked] == shares


def test_the_as_of_date_is_a_literal_and_the_source_a_quoted_name():
    query = feature_query("shop.sales.orders", ROLES, {}, date(2024, 2, 29))
    sql = render(query, "bigquery")
    assert "CAST('2024-02-29' AS DATE)" in sql and "?" not in sql
    assert "FROM `shop`.`sales`.`orders`" in sql


def test_split_ctes_gives_the_ctes_and_the_final_select_without_its_order():
    ctes, final = split_ctes(feature_query("orders", ROLES, {}, date(2024, 1, 1)))
    assert [c.alias for c in ctes][:4] == ["raw_lines", "cutoff", "checked_lines", "lines"]
    assert "ORDER BY" not in render(final, "duckdb") and "WITH" not in render(final, "duckdb")

"""Bought-together rules, checked against pandas: overall, within a segment, bounded, planted."""

from __future__ import annotations

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.recommend import bought_together


def _retail_lines(ws):
    return ws.query_df(
        "SELECT CAST(CAST(r.CustomerID AS BIGINT) AS VARCHAR) AS customer_id, "
        "CAST(r.InvoiceNo AS VARCHAR) AS order_id, r.StockCode AS product, a.segment_id "
        "FROM retail r JOIN _seg.assignments a "
        "ON a.customer_id = CAST(CAST(r.CustomerID AS BIGINT) AS VARCHAR) AND a.run_id = 'r1' "
        "WHERE r.Quantity > 0"
    )


def test_retail_rules_count_the_orders_behind_them(retail):
    exact = bought_together(retail, "retail", min_orders=30, max_items=2000)
    top = exact.frame.iloc[0]
    lines = _retail_lines(retail)
    holding = lines.groupby("product")["order_id"].apply(set)
    a, c = holding[top["antecedent"]], holding[top["consequent"]]
    n = lines["order_id"].nunique()
    assert exact.orders == n == 18536 and exact.capped_orders == 0
    assert top["orders"] == len(a & c) and top["confidence"] == pytest.approx(len(a & c) / len(a))
    assert top["lift"] == pytest.approx(len(a & c) / len(a) / (len(c) / n))
    assert top["support"] == pytest.approx(len(a & c) / n)
    assert {top["antecedent"], top["consequent"]} == {"22344", "22345"}  # pizza dishes
    # bounded: the biggest orders keep their 50 most frequent products, and say so
    bounded = bought_together(retail, "retail", min_orders=30)
    assert bounded.capped_orders == 1368 and (bounded.frame["orders"] >= 30).all()
    pairs = bounded.frame.merge(exact.frame, on=["antecedent", "consequent"])
    assert len(pairs) > 500 and (pairs["orders_x"] <= pairs["orders_y"]).all()


def test_rules_within_a_segment_count_its_orders_only(retail):
    rules = bought_together(retail, "retail", run_id="r1", segment_id=9, min_orders=5)
    lines = _retail_lines(retail)
    assert rules.orders == lines.loc[lines["segment_id"] == 9, "order_id"].nunique()
    assert rules.to_dict()["segment_id"] == 9


def test_the_bundles_are_what_sells_together(bundles):
    rules = bought_together(bundles, "shop", min_orders=5, limit=None).frame
    same = rules["antecedent"].str[:3] == rules["consequent"].str[:3]
    assert same.all() and len(rules) > 20


def test_rule_parameters_are_checked(bundles):
    with pytest.raises(InvalidParameterError, match="'min_orders' parameter must be an int of"):
        bought_together(bundles, "shop", min_orders=0)
    with pytest.raises(InvalidParameterError, match="A segment needs its run"):
        bought_together(bundles, "shop", segment_id=1)
    with pytest.raises(InvalidParameterError, match="made from table 'shop', not 'other'"):
        bought_together(bundles, "other", run_id="r1")

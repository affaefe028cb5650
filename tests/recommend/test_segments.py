"""Each segment's top products by lift, checked against pandas; empty segments and missing roles."""

from __future__ import annotations

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.recommend import MissingRoleError, bought_together, segment_top


def _retail_lines(ws):
    return ws.query_df(
        "SELECT CAST(CAST(r.CustomerID AS BIGINT) AS VARCHAR) AS customer_id, "
        "CAST(r.InvoiceNo AS VARCHAR) AS order_id, r.StockCode AS product, a.segment_id "
        "FROM retail r JOIN _seg.assignments a "
        "ON a.customer_id = CAST(CAST(r.CustomerID AS BIGINT) AS VARCHAR) AND a.run_id = 'r1' "
        "WHERE r.Quantity > 0"
    )


def test_segment_lift_is_share_over_overall_share(retail):
    top = segment_top(retail, "r1", n=5, min_buyers=5)
    lines = _retail_lines(retail).drop_duplicates(["customer_id", "product"])
    row = top[(top["segment_id"] == 1) & (top["rank"] == 1)].iloc[0]
    seg = lines[lines["segment_id"] == 1]
    share = (seg["product"] == row["value"]).sum() / seg["customer_id"].nunique()
    overall = (lines["product"] == row["value"]).sum() / lines["customer_id"].nunique()
    assert row["share"] == pytest.approx(share) and row["lift"] == pytest.approx(share / overall)
    assert row["segment"] == "Champions" and row["description"] == "LUNCH BAG RED VINTAGE DOILY"
    assert (top["buyers"] >= 5).all()
    assert (top["lift_low"] <= top["lift"]).all() and (top["lift"] <= top["lift_high"]).all()
    # the ranking is by the interval's lower end: noise from a handful of buyers ranks lower
    assert top.groupby("segment_id")["lift_low"].is_monotonic_decreasing.all()


def test_a_higher_minimum_leaves_out_small_counts(retail):
    top = segment_top(retail, "r1", segment_id=4, min_buyers=6)
    assert set(top["segment_id"]) == {4} and (top["buyers"] >= 6).all()


def test_segments_without_customers_or_categories_get_clear_messages(retail, make_shop):
    with pytest.raises(InvalidParameterError, match="Run r1 has no segment 99 .segments: 1, 2"):
        segment_top(retail, "r1", segment_id=99)
    with pytest.raises(MissingRoleError, match="no category role; set it on the Data page"):
        segment_top(retail, "r1", dimension="category")
    ws = make_shop(customers=120)
    with ws.transaction() as cur:  # segment 2's customers lose their products
        cur.execute(
            "UPDATE shop SET product = NULL WHERE customer IN (SELECT customer_id FROM "
            "_seg.assignments WHERE run_id = 'r1' AND segment_id = 2)"
        )
    with pytest.raises(
        InvalidParameterError, match="Segment 2 .* has no customers with a purchase"
    ):
        segment_top(ws, "r1", segment_id=2)
    with pytest.raises(InvalidParameterError, match="has no orders in segment 2 of run r1"):
        bought_together(ws, "shop", run_id="r1", segment_id=2, min_orders=1)

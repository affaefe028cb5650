"""Next best products: Online Retail's published evaluation, a planted bundle shop, the stored
set, and the clear messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.recommend import (
    MissingRoleError,
    customer_recommendations,
    evaluate_source,
    list_sets,
    read_rows,
    recommend,
)

BUNDLE_SIZE = 4  # tests/conftest.py


def _bought(ws) -> pd.DataFrame:
    return ws.query_df(
        "SELECT DISTINCT CAST(CAST(CustomerID AS BIGINT) AS VARCHAR) AS customer_id, "
        "StockCode AS product FROM retail WHERE CustomerID IS NOT NULL AND Quantity > 0"
    )


def test_online_retail_evaluation_is_the_published_one(retail):
    # README, "Recommend": leave-last-order-out at 10 on the RFM run of Online Retail
    ev = evaluate_source(retail, "r1", method="item-knn")
    assert ev.customers == 2502
    assert (round(ev.method.hit_rate, 4), round(ev.method.map, 4)) == (0.3377, 0.0380)
    assert (round(ev.method.precision, 4), round(ev.method.recall, 4)) == (0.0577, 0.0590)
    popular, segment = ev.baselines["popular"], ev.baselines["segment_popular"]
    assert (round(popular.hit_rate, 4), round(popular.map, 4)) == (0.2302, 0.0130)
    assert (round(segment.hit_rate, 4), round(segment.map, 4)) == (0.2382, 0.0145)
    assert ev.beats_popularity


def test_online_retail_als_is_the_published_one(retail):
    ev = evaluate_source(retail, "r1", method="als", seed=0)
    assert (round(ev.method.hit_rate, 3), round(ev.method.map, 3)) == (0.350, 0.037)


def test_every_retail_customer_gets_ten_new_products(retail):
    rec = recommend(retail, "r1", evaluate_first=False)
    rows = read_rows(retail, rec.recommendation_id)
    assert rec.customers == 4339 and rows["customer_id"].nunique() == 4339
    assert (rows.groupby("customer_id")["rank"].max() == 10).all()
    overlap = rows.merge(_bought(retail), on=["customer_id", "product"])
    assert overlap.empty  # nothing they already bought
    # the customers with one distinct product are the fallback: their segment's top products
    one = _bought(retail).groupby("customer_id").size().eq(1).sum()
    assert rec.fallback_customers == one == 92
    assert rows["reason"].str.startswith("customers who bought ").mean() > 0.9


def test_include_bought_may_offer_a_product_again(retail):
    rec = recommend(retail, "r1", include_bought=True, evaluate_first=False, method="popular")
    rows = read_rows(retail, rec.recommendation_id)
    assert not rows.merge(_bought(retail), on=["customer_id", "product"]).empty
    assert rows.loc[rows["rank"] == 1, "product"].nunique() == 1  # the bestseller, for all


def test_item_knn_finds_the_bundles_popularity_cannot(bundles):
    rec = recommend(bundles, "r1", method="item-knn")
    ev = rec.evaluation
    assert ev["hit_rate"] == 1.0 and ev["map"] > 0.95
    assert ev["baselines"]["popular"]["hit_rate"] < 0.4
    assert ev["baselines"]["segment_popular"]["hit_rate"] < 0.6
    rows = read_rows(bundles, rec.recommendation_id)
    model = rows[rows["reason"].str.startswith("customers who bought")]
    assert model["reason"].str.match(r"customers who bought Item b\d\d-p\d also bought Item").all()
    assert len(model) > len(rows) / 2


def test_als_finds_the_bundles_better_than_popularity_and_is_seeded(bundles):
    first = recommend(bundles, "r1", method="als", seed=3)
    again = recommend(bundles, "r1", method="als", seed=3, evaluate_first=False)
    ev = first.evaluation
    assert ev["hit_rate"] > 0.7 > 0.4 > ev["baselines"]["popular"]["hit_rate"]
    a, b = (read_rows(bundles, r.recommendation_id) for r in (first, again))
    pd.testing.assert_frame_equal(a, b)


def test_a_method_that_does_not_beat_popularity_says_so(bundles):
    ev = recommend(bundles, "r1", method="popular").evaluation
    assert ev["beats_popularity"] is False
    assert ev["map"] == ev["baselines"]["popular"]["map"]


def test_one_customers_recommendations_and_an_unknown_id(bundles):
    rec = recommend(bundles, "r1", top=BUNDLE_SIZE, evaluate_first=False)
    mine = customer_recommendations(bundles, rec.recommendation_id, "c0001")
    assert list(mine["rank"]) == list(range(1, BUNDLE_SIZE + 1))
    with pytest.raises(TableNotFoundError, match="No customer with that id is in recommendation"):
        customer_recommendations(bundles, rec.recommendation_id, "no-such-customer")


def test_a_run_without_a_product_role_says_which_role(make_shop):
    ws = make_shop(customers=60, product=False)
    with pytest.raises(MissingRoleError, match="no product role .*Set the product role"):
        recommend(ws, "r1")
    assert list_sets(ws) == []


def test_a_one_product_shop_has_nothing_to_recommend(make_shop, tmp_path):
    path = tmp_path / "one.csv"
    lines = [f"c{c},o{c}-{o},2024-0{o + 1}-01,tea,3.50" for c in range(30) for o in range(2)]
    path.write_text("customer,order,date,product,amount\n" + "\n".join(lines) + "\n")
    ws = make_shop(path, algorithm="rfm")
    with pytest.raises(InvalidParameterError, match="only one product .* at least 2 products"):
        recommend(ws, "r1")


def test_bad_parameters_are_refused_before_any_work(bundles):
    with pytest.raises(InvalidParameterError, match="'method' parameter must be one of item-knn"):
        recommend(bundles, "r1", method="magic")
    with pytest.raises(InvalidParameterError, match=r"'top' parameter must be an int in the range"):
        recommend(bundles, "r1", top=0)
    with pytest.raises(InvalidParameterError, match="'nope' is neither a run nor a table"):
        recommend(bundles, "nope")


def test_a_transactions_table_works_without_a_run(bundles):
    rec = recommend(bundles, "shop", evaluate_first=False)
    assert rec.run_id is None and rec.customers == 600
    rows = read_rows(bundles, rec.recommendation_id)
    assert np.isfinite(rows["score"]).all()

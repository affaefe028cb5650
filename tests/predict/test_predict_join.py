"""Predictions used downstream: joined as features and segmented on; totals per segment."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, NameClashError, TableNotFoundError
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.predict import (
    customer_summary,
    join_prediction,
    predict_table,
    run_totals,
    segment_totals,
)
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def joined(tmp_path_factory, shop_csv):
    folder = tmp_path_factory.mktemp("join")
    ws = open_workspace(folder / "ws.duckdb")
    ingest_file(ws, shop_csv(folder / "shop.csv", customers=400, seed=5), table="shop")
    build_features(ws, "shop", name="feat")
    made = predict_table(ws, "shop", name="value")
    yield ws, made, join_prediction(ws, "feat", "value")
    ws.close()


def test_a_prediction_joins_a_feature_table_by_customer(joined):
    ws, made, info = joined
    assert info.name == f"feat_{made.prediction_id}" and info.kind == "features"
    assert info.rows == ws.table("feat").rows
    frame = ws.query_df(f'SELECT customer_id, predicted_clv, churn_risk FROM "{info.name}"')
    ours = made.customers.set_index("customer_id")
    assert frame.set_index("customer_id")["predicted_clv"].sort_index().to_numpy() == pytest.approx(
        ours["clv"].sort_index().to_numpy()
    )
    assert set(frame["churn_risk"]) <= {"low", "medium", "high"}
    with pytest.raises(NameClashError, match="already exists"):
        join_prediction(ws, "feat", "value")
    with pytest.raises(InvalidParameterError, match="already has the columns churn_risk"):
        join_prediction(ws, info.name, "value", name="twice")
    with pytest.raises(InvalidParameterError, match="is of kind 'transactions'"):
        join_prediction(ws, "shop", "value")


def test_segments_on_value_and_get_predicted_totals(joined):
    ws, made, info = joined
    run = runs.run_segmentation(
        ws,
        info.name,
        params={"n_clusters": 3},
        features=["recency_days", "frequency", "predicted_clv", "p_alive"],
    )
    totals = run_totals(ws, made.prediction_id, run.run_id)
    assert totals["segment_id"].tolist() == [1, 2, 3]
    assert totals["customers"].sum() == made.summary.customers
    assert totals["clv"].sum() == pytest.approx(made.customers["clv"].sum())
    assert (totals["clv_low"] <= totals["clv"]).all() and (
        totals["clv"] <= totals["clv_high"]
    ).all()
    assert totals["share_high_churn_risk"].between(0, 1).all()
    # joined in the workspace, the same as merging the run's assignments in pandas
    segments = runs.assignments(ws, run.run_id)[["customer_id", "segment"]]
    merged = segment_totals(ws, made.prediction_id, segments).set_index("segment")
    same = totals.set_index("segment").drop(columns="segment_id").loc[merged.index]
    pd.testing.assert_frame_equal(same, merged, check_exact=False, rtol=1e-12)
    with pytest.raises(TableNotFoundError, match="r99"):
        run_totals(ws, made.prediction_id, "r99")


def test_the_summary_agrees_with_the_features_btyd_columns(joined):
    """One definition: the features' frequency_repeat, recency_btyd and T are the prediction's
    frequency, recency and T (in days, observed to the last transaction day)."""
    ws, _, _ = joined
    features = ws.query_df('SELECT customer_id, frequency_repeat, recency_btyd, "T" FROM feat')
    summary = customer_summary(ws, "shop")
    ours = pd.DataFrame(
        {"frequency_repeat": summary.frequency, "recency_btyd": summary.recency, "T": summary.T},
        index=summary.customer_id,
    ).sort_index()
    theirs = features.set_index("customer_id").sort_index().astype(float)
    assert (ours.index == theirs.index).all()
    assert (ours.to_numpy() == theirs.to_numpy()).all()

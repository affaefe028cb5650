"""The top categories, countries and products of each segment, from the source transactions."""

import pandas as pd
import pytest

from segmentation.profiles.top_values import top_values
from segmentation.segment import runs


@pytest.fixture(scope="module")
def ws(profiles_ws):
    return profiles_ws


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


@pytest.fixture(scope="module")
def sample_dir(profiles_sample_dir):
    return profiles_sample_dir


def test_top_categories_come_from_the_source_transactions(ws, kmeans, sample_dir):
    lines = pd.read_csv(sample_dir / "transactions.csv", dtype={"customer_id": str})
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    lines = lines[lines["amount"] >= 0].merge(runs.assignments(ws, kmeans.run_id))
    overall = lines.groupby("category")["amount"].sum() / lines["amount"].sum()
    sid = kmeans.segments[0].segment_id
    mine = lines[lines["segment_id"] == sid]
    share = (mine.groupby("category")["amount"].sum() / mine["amount"].sum()).sort_values(
        ascending=False
    )
    top = kmeans.top(sid, "category")
    assert top["value"].tolist() == share.index[: len(top)].tolist()
    assert top["share"].to_numpy() == pytest.approx(share.iloc[: len(top)].to_numpy())
    expected_index = share / overall * 100
    assert top["index"].to_numpy() == pytest.approx(expected_index[top["value"]].to_numpy())
    assert set(kmeans.dimensions) == {"category", "country", "product"}
    assert kmeans.top_basis == "purchase revenue"


def test_top_values_are_ranked_per_dimension_and_segment(ws, kmeans):
    frame = top_values(ws, kmeans.run_id, n=2)
    assert set(frame["dimension"]) == {"category", "country", "product"}
    assert frame.groupby(["dimension", "segment_id"])["rank"].max().max() == 2
    assert (frame["basis"] == "purchase revenue").all()

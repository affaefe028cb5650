"""The whole profile of a run: its JSON, its views for the page, and names it generates but does not store."""

import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from segmentation.errors import InvalidParameterError
from segmentation.ingest.load import ingest_file
from segmentation.profiles import build as profiles
from segmentation.profiles import rundata
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def ws(profiles_ws):
    return profiles_ws


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


def test_profile_json_has_the_promised_keys(kmeans):
    data = kmeans.to_dict()
    assert set(data) == {"run_id", "fidelity", "segments"}
    first = data["segments"][0]
    assert set(first) == {
        "segment_id",
        "name",
        "description",
        "size",
        "share",
        "revenue_share",
        "features",
        "rules",
        "rule_precision",
        "rule_recall",
        "action",
    }
    assert set(first["features"]["monetary"]) == {"mean", "median", "index"}


def test_views_for_the_page(kmeans):
    frame = kmeans.feature_frame("index", words=True)
    assert list(frame.index) == [s.name for s in kmeans.segments]
    assert "days since last order" in frame.columns
    a, b = kmeans.segments[0], kmeans.segments[1]
    compared = kmeans.compare(a.segment_id, b.segment_id)
    assert list(compared.columns) == [a.name, b.name]
    assert compared.loc["orders", a.name] == a.features["frequency"].index
    assert list(kmeans.compare(a.segment_id).columns) == [a.name]
    spread = kmeans.distribution("monetary")
    assert len(spread) == 1500 and set(spread["segment"]) == {s.name for s in kmeans.segments}
    assert len(kmeans.segment_features(a.segment_id)) == len(kmeans.features)


def test_wrong_view_arguments_say_what_is_allowed(ws, kmeans):
    with pytest.raises(InvalidParameterError, match="'what' parameter must be one of"):
        kmeans.feature_frame("mode")
    with pytest.raises(InvalidParameterError, match="'feature' parameter must be one of"):
        kmeans.distribution("age")
    with pytest.raises(InvalidParameterError, match="has no segment 42"):
        kmeans.segment(42)
    with pytest.raises(InvalidParameterError, match="'sample' parameter must be an int"):
        rundata.customer_sample(ws, kmeans.run_id, ["monetary"], sample=5)


def test_a_customer_table_without_transactions_is_profiled_too(tmp_path):
    X, y = make_blobs(n_samples=300, centers=3, n_features=2, cluster_std=0.5, random_state=2)
    frame = pd.DataFrame(X * [10, 1000] + [50, 40_000], columns=["Age", "Annual Income"])
    frame.insert(0, "CustomerID", [f"{i:04d}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "crm.csv", index=False)
    ws = open_workspace(tmp_path / "crm.duckdb")
    info = ingest_file(ws, tmp_path / "crm.csv")
    run = runs.run_segmentation(ws, info.name, params={"n_clusters": 3})
    profile = profiles.build_profile(ws, run.run_id)
    assert profile.features == ["Age", "Annual Income"]
    assert all(s.revenue_share is None and s.action is None for s in profile.segments)
    assert profile.top_values.empty and profile.dimensions == []
    assert profile.fidelity >= 0.95
    names = [s.name for s in profile.segments]
    assert len(set(names)) == 3 and all(n.startswith(("High ", "Low ")) for n in names)
    ws.close()


def test_building_a_profile_stores_no_names_until_they_are_saved(ws):
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    profile = profiles.build_profile(ws, run.run_id)
    defaults = [f"Segment {i}" for i in range(1, 6)]
    assert [s.name for s in runs.get_run(ws, run.run_id).segments] == defaults
    assert profile.generated_names == {
        s.segment_id: (s.name, s.description) for s in profile.segments
    }
    runs.rename_segment(ws, run.run_id, 2, "VIP club")  # renamed after the profile was built
    saved = profiles.save_segment_names(ws, profile)
    assert [s.name for s in saved.segments] == [
        "VIP club" if s.segment_id == 2 else s.name for s in profile.segments
    ]
    again = profiles.build_profile(ws, run.run_id)
    assert again.generated_names == {} and again.names == {
        s.segment_id: s.name for s in saved.segments
    }
    assert profiles.save_segment_names(ws, again) == runs.get_run(ws, run.run_id)

"""Runs: fitting on stored tables, storing, reproducing from a recipe, bad parameters."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from segmentation.demo.sample import write_sample
from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, customers=1500, seed=11)
    return out


@pytest.fixture
def ws(workspace_path, sample_dir):
    ws = open_workspace(workspace_path)
    ingest_file(ws, sample_dir / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    return ws


def truth_ari(ws, run_id, sample_dir):
    truth = pd.read_csv(sample_dir / "truth.csv", dtype=str)
    both = runs.assignments(ws, run_id).merge(truth, on="customer_id")
    assert len(both) == len(truth)
    return adjusted_rand_score(both["behaviour"], both["segment_id"])


def test_default_kmeans_recovers_the_planted_behaviours(ws, sample_dir):
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    assert truth_ari(ws, run.run_id, sample_dir) >= 0.9
    assert run.recipe["features"]["scaler"] == "standard"
    assert "customer_id" not in run.recipe["features"]["features"]


def test_customer_table_with_separated_groups_is_used_directly(workspace_path, tmp_path):
    X, y = make_blobs(n_samples=600, centers=4, n_features=3, cluster_std=0.6, random_state=3)
    frame = pd.DataFrame(
        X * [10, 1000, 5] + [50, 40_000, 30], columns=["Age", "Annual Income", "Score"]
    )
    frame.insert(0, "CustomerID", [f"{i:04d}" for i in range(len(frame))])
    frame["Genre"] = np.where(y % 2, "Male", "Female")
    frame.to_csv(tmp_path / "crm.csv", index=False)
    ws = open_workspace(workspace_path)
    info = ingest_file(ws, tmp_path / "crm.csv")
    assert info.kind == "customers"
    run = runs.run_segmentation(ws, info.name, params={"n_clusters": 4})
    labels = runs.assignments(ws, run.run_id).set_index("customer_id").loc[frame["CustomerID"]]
    assert adjusted_rand_score(y, labels["segment_id"]) >= 0.9
    assert "Genre" not in run.recipe["features"]["features"]  # categoricals are opt-in


def test_a_run_is_stored_with_every_customer(ws):
    run = runs.run_segmentation(ws, "feat", algorithm="gmm", params={"n_components": 3}, seed=4)
    again = runs.get_run(ws, run.run_id)
    assert again.segments == run.segments and again.params == run.params
    table = runs.assignments(ws, run.run_id)
    assert len(table) == run.customers == ws.table("feat").rows
    assert sum(s.size for s in run.segments) == run.customers
    assert table["probability"].between(0, 1).all()
    assert [r.run_id for r in runs.list_runs(ws)] == [run.run_id]


def test_rfm_runs_keep_the_standard_names(ws):
    run = runs.run_segmentation(ws, "feat", algorithm="rfm")
    names = {s.name for s in run.segments}
    assert names <= {
        "Champions",
        "Loyal Customers",
        "Potential Loyalists",
        "New Customers",
        "Promising",
        "Need Attention",
        "About to Sleep",
        "At Risk",
        "Cannot Lose Them",
        "Hibernating",
        "Lost",
    }
    assert {"Champions", "Lost"} <= names


def test_hdbscan_noise_is_the_unassigned_segment(ws):
    run = runs.run_segmentation(
        ws, "feat", algorithm="hdbscan", params={"min_cluster_size": 40, "min_samples": 40}
    )
    assert sum(s.size for s in run.segments) == run.customers
    unassigned = [s for s in run.segments if s.segment_id == 0]
    assert all(s.name == "Unassigned" for s in unassigned)


def test_rename_and_delete_runs_and_segments(ws):
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    assert runs.rename_run(ws, run.run_id, "Spring").name == "Spring"
    renamed = runs.rename_segment(ws, run.run_id, 1, "Big spenders")
    assert renamed.segments[0].name == "Big spenders"
    with pytest.raises(InvalidParameterError, match="already called 'Big spenders'"):
        runs.rename_segment(ws, run.run_id, 2, "big spenders")
    with pytest.raises(InvalidParameterError, match="has no segment 9"):
        runs.rename_segment(ws, run.run_id, 9, "x")
    runs.delete_run(ws, run.run_id)
    assert runs.list_runs(ws) == []
    assert ws.query("SELECT count(*) FROM _seg.assignments") == [(0,)]
    with pytest.raises(TableNotFoundError, match="no run 'r1'"):
        runs.get_run(ws, run.run_id)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"params": {"n_clusters": 1}}, r"'n_clusters' parameter of kmeans must be an int in"),
        ({"params": {"n_clusters": 5000}}, "n_clusters"),
        ({"algorithm": "hdbscan", "params": {"min_cluster_size": 99999}}, "min_cluster_size"),
        ({"features": ["nope"]}, "'features' parameter must be columns"),
        ({"algorithm": "spectral"}, "'algorithm' parameter must be one of"),
        ({"params": {"n_init": 0}}, "n_init"),
    ],
)
def test_bad_parameters_store_nothing(ws, kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        runs.run_segmentation(ws, "feat", **kwargs)
    assert runs.list_runs(ws) == []


def test_constant_features_and_three_customers_are_refused(workspace_path, tmp_path):
    ws = open_workspace(workspace_path)
    (tmp_path / "flat.csv").write_text(
        "customer_id,a,b\n" + "".join(f"c{i},1,2\n" for i in range(20))
    )
    ingest_file(ws, tmp_path / "flat.csv")
    with pytest.raises(InvalidParameterError, match="constant"):
        runs.run_segmentation(ws, "flat", params={"n_clusters": 2})
    (tmp_path / "three.csv").write_text("customer_id,a,b\nx,1,2\ny,3,1\nz,5,7\n")
    ingest_file(ws, tmp_path / "three.csv")
    with pytest.raises(InvalidParameterError, match="at least 3|n_clusters"):
        runs.run_segmentation(ws, "three", params={"n_clusters": 3})
    assert runs.list_runs(ws) == []


def test_transactions_cannot_be_segmented_directly(ws):
    with pytest.raises(InvalidParameterError, match="Build customer features first"):
        runs.run_segmentation(ws, "tx")


def test_sweep_stability_and_comparison(ws):
    result = runs.sweep(ws, "feat", ks=range(2, 8))
    assert result.elbow_k == 5
    assert result.recommended_k in (4, 5, 6) and "elbow" in result.reason
    a = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    b = runs.run_segmentation(ws, "feat", algorithm="ward", params={"n_clusters": 5})
    stab = runs.stability(ws, a.run_id, runs=3)
    assert stab.score > 0.9
    assert runs.get_run(ws, a.run_id).metrics["stability"] == stab.score
    a = runs.set_segment_names(ws, a.run_id, {1: ("Zeta", "last by name, first by id")})
    cmp = runs.compare_runs(ws, a.run_id, b.run_id)
    assert cmp.ari > 0.9
    # rows and columns in segment-id order, shown by name; every shared customer counted once
    names = {
        r.run_id: [s.name for s in sorted(r.segments, key=lambda s: s.segment_id)] for r in (a, b)
    }
    assert list(cmp.contingency.index) == names[a.run_id]
    assert list(cmp.contingency.columns) == names[b.run_id]
    assert int(cmp.contingency.to_numpy().sum()) == a.customers
    with pytest.raises(InvalidParameterError, match="'k' parameter must be a range"):
        runs.sweep(ws, "feat", ks=range(1, 4))


@pytest.mark.parametrize("algorithm", ["kmeans", "hdbscan"])
def test_metrics_computed_beside_the_store_equal_run_metrics_and_are_stored(ws, algorithm):
    from segmentation.segment.metrics import run_metrics

    params = {"n_clusters": 4} if algorithm == "kmeans" else {"min_cluster_size": 40}
    run = runs.run_segmentation(ws, "feat", algorithm=algorithm, params=params, seed=3)
    X, ids = runs.prepared_matrix(ws, run.run_id)
    expected = run_metrics(X, ids.astype(np.int64) - 1, seed=3)  # labels: segment ids - 1
    assert run.metrics == expected
    assert runs.get_run(ws, run.run_id).metrics == expected  # the stored row has them too
    assert expected["silhouette"] is not None and expected["silhouette_sample_size"] > 0


def test_an_rfm_run_has_no_matrix_metrics(ws):
    run = runs.run_segmentation(ws, "feat", algorithm="rfm")
    assert run.metrics == {} and runs.get_run(ws, run.run_id).metrics == {}

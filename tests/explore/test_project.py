"""Projecting a run: PCA of every customer, UMAP of a stratified sample, and `segment project`."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA

from segmentation.errors import TableNotFoundError
from segmentation.explore import project as projection
from segmentation.segment import runs

SEGMENT = Path(sys.executable).with_name("segment")


@pytest.fixture(scope="module")
def ws(explore_ws):
    return explore_ws


@pytest.fixture(scope="module")
def run(explore_run):
    return explore_run


@pytest.fixture(scope="module")
def pca(explore_pca):
    return explore_pca


@pytest.fixture(scope="module")
def umap(explore_umap):
    return explore_umap


def test_pca_projects_every_customer_with_its_segment(ws, run, pca):
    assigned = runs.assignments(ws, run.run_id)
    assert len(pca.points) == run.customers == 600
    assert pca.points.columns.tolist() == ["customer_id", "segment_id", "segment", "x", "y"]
    both = pca.points.merge(assigned, on="customer_id", suffixes=("", "_run"))
    assert len(both) == 600
    assert (both["segment_id"] == both["segment_id_run"]).all()
    assert (both["segment"].astype(str) == both["segment_run"]).all()
    assert not pca.sampled and not pca.cached


def test_pca_matches_scikit_learn_on_the_prepared_matrix(ws, run, pca):
    X, _ = runs.prepared_matrix(ws, run.run_id)
    reference = PCA(n_components=2).fit(X)
    assert pca.explained_variance == pytest.approx(reference.explained_variance_ratio_, rel=1e-6)
    assert pca.explained_variance[0] >= pca.explained_variance[1]
    expected = np.abs(reference.transform(X))
    assert np.abs(pca.points[["x", "y"]].to_numpy()) == pytest.approx(expected, abs=1e-4)
    assert pca.axis_titles[0].startswith("PC1 (")


def test_pca_loadings_name_the_prepared_features(run, pca):
    loadings = pca.loadings
    assert loadings.columns.tolist() == ["PC1", "PC2"]
    assert list(loadings.index) == run.recipe["features"]["features"]
    assert np.linalg.norm(loadings.to_numpy(), axis=0) == pytest.approx([1.0, 1.0])


def test_rfm_runs_project_standardized_log_rfm_in_3d(ws):
    rfm = runs.run_segmentation(ws, "feat", algorithm="rfm")
    result = projection.project(ws, rfm.run_id, "pca", dims=3)
    assert list(result.loadings.index) == ["recency_days", "frequency", "monetary"]
    assert result.points.columns.tolist()[-3:] == ["x", "y", "z"]
    assert sum(result.explained_variance) == pytest.approx(1.0)  # 3 features, 3 components
    assert result.points["segment"].notna().all()


def test_umap_fits_a_stratified_sample_with_finite_coordinates(ws, run, umap):
    points = umap.points
    assert len(points) == 200 and umap.sampled and umap.customers == 600
    assert np.isfinite(points[["x", "y"]].to_numpy()).all()
    assert points["customer_id"].is_unique
    sizes = {s.segment_id: s.size for s in run.segments}
    drawn = points["segment_id"].value_counts()
    assert set(drawn.index) == set(sizes)  # every segment represented
    by_size = sorted(sizes, key=sizes.get)
    assert drawn[by_size].is_monotonic_increasing  # in proportion, above a floor of
    assert drawn.min() >= 200 // (2 * len(sizes))  # size / (2 x segments) each
    assert umap.axis_titles == ["UMAP 1", "UMAP 2"]


def test_umap_is_deterministic_with_a_seed(ws, run, umap):
    again = projection.project(
        ws, run.run_id, "umap", sample=200, n_neighbors=8, seed=2, refresh=True
    )
    assert not again.cached
    assert again.points["customer_id"].tolist() == umap.points["customer_id"].tolist()
    assert again.points[["x", "y"]].to_numpy() == pytest.approx(umap.points[["x", "y"]].to_numpy())
    other = projection.project(ws, run.run_id, "umap", sample=200, n_neighbors=8, seed=3)
    assert set(other.points["customer_id"]) != set(umap.points["customer_id"])


def test_umap_reports_its_stages(ws, run):
    messages = []
    projection.project(
        ws,
        run.run_id,
        "umap",
        dims=3,
        sample=150,
        n_neighbors=5,
        metric="cosine",
        progress=lambda f, m: messages.append((f, m)),
    )
    text = " | ".join(m for _, m in messages)
    for stage in ("Sampling 150 of 600", "nearest neighbours", "Fitting UMAP", "Placing", "Saving"):
        assert stage in text
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


def test_an_unknown_run_is_refused(ws):
    with pytest.raises(TableNotFoundError, match="There is no run 'r99'"):
        projection.project(ws, "r99")


def test_segment_project_writes_the_promised_file_and_json(tmp_path, explore_workspace):
    path = tmp_path / "w.duckdb"
    ws = explore_workspace(path)
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 4})
    ws.close()
    out = tmp_path / "x.parquet"
    command = [SEGMENT, "--workspace", path, "--json", "project", run.run_id]
    result = subprocess.run(
        [str(c) for c in [*command, "--method", "pca", "--out", out]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"method", "points", "seconds", "explained_variance"} <= set(data)
    assert (data["method"], data["points"], len(data["explained_variance"])) == ("pca", 600, 2)
    frame = pd.read_parquet(out)
    assert frame.columns.tolist() == ["customer_id", "segment_id", "segment", "x", "y"]
    assert len(frame) == 600 and frame["segment"].str.startswith("Segment").all()

    umap = subprocess.run(
        [str(c) for c in [*command, "--method", "umap", "--dims", "3", "--sample", "100"]]
        + ["--neighbors", "5", "--out", str(tmp_path / "u.parquet")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert umap.returncode == 0, umap.stderr
    data = json.loads(umap.stdout)
    assert (data["method"], data["points"]) == ("umap", 100)
    assert "explained_variance" not in data
    assert pd.read_parquet(tmp_path / "u.parquet").columns.tolist()[-3:] == ["x", "y", "z"]


def test_segment_project_reports_bad_options_without_a_traceback(tmp_path, explore_workspace):
    path = tmp_path / "w.duckdb"
    ws = explore_workspace(path)
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    ws.close()
    result = subprocess.run(
        [str(SEGMENT), "--workspace", str(path), "project", run.run_id, "--method", "umap"]
        + ["--min-dist", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "'min_dist' parameter must be a number in the range [0, 1]" in result.stderr
    assert "Traceback" not in result.stderr

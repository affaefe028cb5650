"""The workspace cache of projections: read back on a second call, dropped with its run."""

import pandas as pd
import pytest

from segmentation.explore import project as projection
from segmentation.segment import runs


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


def test_a_second_call_reads_the_stored_coordinates(ws, run, pca, umap):
    for first, params in (
        (pca, {"method": "pca"}),
        (umap, {"method": "umap", "sample": 200, "n_neighbors": 8, "seed": 2}),
    ):
        assert projection.is_cached(ws, run.run_id, **params)
        again = projection.project(ws, run.run_id, **params)
        assert again.cached
        pd.testing.assert_frame_equal(again.points, first.points)
        assert again.explained_variance == first.explained_variance
        if first.loadings is not None:
            pd.testing.assert_frame_equal(again.loadings, first.loadings)
    assert not projection.is_cached(ws, run.run_id, "umap", sample=200, n_neighbors=9, seed=2)


def test_the_cache_is_dropped_when_a_run_id_is_reused(tmp_path, explore_workspace):
    ws = explore_workspace(tmp_path / "w.duckdb")
    first = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    projection.project(ws, first.run_id)
    runs.delete_run(ws, first.run_id)
    second = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    assert second.run_id == first.run_id
    assert not projection.is_cached(ws, second.run_id)
    fresh = projection.project(ws, second.run_id)
    assert not fresh.cached and fresh.points["segment_id"].nunique() == 5
    stored = ws.query("SELECT count(*) FROM _seg.projection_points")[0][0]
    assert stored == 600

"""A projection's result: axis titles, the JSON of `segment --json project`, current names."""

import pytest

from segmentation.explore.result import Projection


@pytest.fixture(scope="module")
def pca(explore_pca):
    return explore_pca


@pytest.fixture(scope="module")
def umap(explore_umap):
    return explore_umap


def test_the_json_has_variance_for_pca_and_params_for_umap(pca, umap):
    assert isinstance(pca, Projection)
    data = pca.to_dict()
    assert (data["method"], data["dims"], data["points"], data["customers"]) == ("pca", 2, 600, 600)
    assert len(data["explained_variance"]) == 2 and "params" not in data
    data = umap.to_dict()
    assert data["params"]["sample"] == 200 and "explained_variance" not in data
    assert umap.axis_titles == ["UMAP 1", "UMAP 2"] and umap.key == umap.params.key


def test_points_carry_the_runs_segment_names(pca, explore_run):
    names = {s.segment_id: s.name for s in explore_run.segments}
    pairs = set(zip(pca.points["segment_id"], pca.points["segment"].astype(str), strict=True))
    assert pairs == set(names.items())

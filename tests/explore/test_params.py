"""Projection parameters: the cache key of the choices, and the impossible ones refused."""

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.explore import project as projection
from segmentation.explore.params import DEFAULT_SAMPLE, ProjectionParams, check_params


@pytest.fixture(scope="module")
def ws(explore_ws):
    return explore_ws


@pytest.fixture(scope="module")
def run(explore_run):
    return explore_run


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"method": "tsne"}, r"'method' parameter must be one of pca, umap\. Got 'tsne'"),
        ({"dims": 4}, r"'dims' parameter must be 2 or 3\. Got 4"),
        ({"method": "pca", "sample": 100}, r"'sample' parameter applies to UMAP only"),
        ({"method": "umap", "sample": 5}, r"'sample' parameter must be an int of at least 10"),
        ({"method": "umap", "n_neighbors": 1}, r"'n_neighbors' parameter must be an int in"),
        (
            {"method": "umap", "sample": 50, "n_neighbors": 50},
            r"range \[2, 49\] \(below the 50 customers fitted\)\. Got 50",
        ),
        ({"method": "umap", "n_neighbors": 700}, r"range \[2, 200\]"),
        ({"method": "umap", "min_dist": 1.5}, r"'min_dist' parameter must be a number in"),
        ({"method": "umap", "min_dist": -0.1}, r"range \[0, 1\]\. Got -0\.1"),
        ({"method": "umap", "metric": "hamming"}, r"'metric' parameter must be one of euclid"),
        ({"method": "umap", "seed": -1}, r"'seed' parameter must be an int of at least 0"),
    ],
)
def test_impossible_parameters_are_refused(ws, run, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        projection.project(ws, run.run_id, **params)


def test_the_key_names_every_choice_that_changes_the_coordinates():
    umap = check_params("umap", sample=500, n_neighbors=8, min_dist=0.25, seed=2)
    assert umap == ProjectionParams("umap", 2, 500, 8, 0.25, "euclidean", 2)
    assert umap.key == "umap-2d-n8-d0.25-euclidean-s500-r2"
    assert check_params("umap").sample == DEFAULT_SAMPLE
    assert check_params("pca", dims=3).key == "pca-3d"
    assert check_params("pca").to_dict() == {"method": "pca", "dims": 2}
    assert set(umap.to_dict()) == {
        "method",
        "dims",
        "sample",
        "n_neighbors",
        "min_dist",
        "metric",
        "seed",
    }


def test_the_run_size_bounds_the_neighbours():
    assert check_params("umap", sample=500, n_neighbors=99, customers=100).n_neighbors == 99
    with pytest.raises(InvalidParameterError, match=r"range \[2, 99\] \(below the 100 customers"):
        check_params("umap", sample=500, n_neighbors=100, customers=100)

"""The algorithm registry: declared parameters, their checks, and fitting on planted blobs."""

from __future__ import annotations

import pickle
import re

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import AgglomerativeClustering
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from segmentation.errors import InvalidParameterError
from segmentation.segment import algorithms
from segmentation.segment.algorithms import (
    REGISTRY,
    FitResult,
    Param,
    assign,
    fit,
    fit_each_k,
    get_algorithm,
    stratified_sample,
    validate_params,
)

PLANTED = {
    "kmeans": {"n_clusters": 4},
    "gmm": {"n_components": 4},
    "ward": {"n_clusters": 4},
    "hdbscan": {"min_cluster_size": 30},
}


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """600 customers in 4 well-separated groups of 3 features."""
    return make_blobs(600, centers=4, n_features=3, cluster_std=0.6, random_state=7)


@pytest.fixture
def force_sampling(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lower every sampling threshold so that 600 rows take the large-data paths."""
    for name in ("MINIBATCH_ABOVE", "GMM_SAMPLE_ABOVE", "WARD_SAMPLE_ABOVE"):
        monkeypatch.setattr(algorithms, name, 200)
    monkeypatch.setattr(algorithms, "HDBSCAN_SAMPLE_ABOVE", 300)


def test_every_algorithm_declares_params_with_defaults_in_range():
    assert set(REGISTRY) == {"rfm", "kmeans", "gmm", "ward", "hdbscan"}
    for spec in REGISTRY.values():
        assert spec.label and spec.description
        for param in spec.params:
            assert param.kind in ("int", "float", "choice", "bool")
            assert param.coerce(param.default, spec.name) == param.default
            if param.kind == "choice":
                assert param.default in param.choices
        if spec.k_param:
            assert spec.param(spec.k_param).low == 2
    assert not REGISTRY["rfm"].uses_matrix and REGISTRY["rfm"].params == ()


def test_get_algorithm_lists_the_known_names():
    assert get_algorithm("ward").k_param == "n_clusters"
    with pytest.raises(InvalidParameterError, match="must be one of 'rfm', 'kmeans', .*'dbscan'"):
        get_algorithm("dbscan")


def test_validate_params_fills_defaults():
    assert validate_params("kmeans", {}) == {"n_clusters": 6, "n_init": 10, "init": "k-means++"}
    assert validate_params("hdbscan", None) == {"min_cluster_size": 50, "min_samples": None}


def test_validate_params_coerces_cli_strings():
    checked = validate_params("kmeans", {"n_clusters": "6", "n_init": " 3 ", "init": "random"})
    assert checked == {"n_clusters": 6, "n_init": 3, "init": "random"}
    assert validate_params("hdbscan", {"min_samples": "none"})["min_samples"] is None
    assert validate_params("hdbscan", {"min_samples": "7"})["min_samples"] == 7
    assert validate_params("gmm", {"n_components": np.int64(3)})["n_components"] == 3


def test_bool_and_float_params_coerce_cli_strings():
    flag = Param("verbose", "bool", False)
    assert flag.coerce("true", "x") is True and flag.coerce("No", "x") is False
    with pytest.raises(InvalidParameterError, match=r"a bool \(true or false\). Got 'maybe'"):
        flag.coerce("maybe", "x")
    ratio = Param("ratio", "float", 0.5, 0, 1)
    assert ratio.coerce("0.25", "x") == 0.25
    with pytest.raises(InvalidParameterError, match=r"a float in the range \[0, 1\]. Got 2.0"):
        ratio.coerce(2.0, "x")


def test_validate_params_rejects_unknown_keys_listing_known_ones():
    message = "kmeans has no parameter 'k'. Its parameters are: 'init', 'n_clusters', 'n_init'."
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        validate_params("kmeans", {"k": 4})
    with pytest.raises(InvalidParameterError, match="rfm has no parameter 'bins'.*none"):
        validate_params("rfm", {"bins": 5})


def test_validate_params_rejects_k_below_two():
    message = "The 'n_clusters' parameter of kmeans must be an int in the range [2, 50]. Got 1"
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        validate_params("kmeans", {"n_clusters": 1})


def test_validate_params_rejects_values_of_the_wrong_kind():
    with pytest.raises(InvalidParameterError, match=r"'n_clusters' .* Got 'six' instead"):
        validate_params("ward", {"n_clusters": "six"})
    with pytest.raises(InvalidParameterError, match=r"'n_init' .* Got 2.5 instead"):
        validate_params("kmeans", {"n_init": 2.5})
    with pytest.raises(InvalidParameterError, match=r"'n_clusters' .* Got True instead"):
        validate_params("kmeans", {"n_clusters": True})
    with pytest.raises(InvalidParameterError, match="one of 'full', 'diag', 'tied', 'spherical'"):
        validate_params("gmm", {"covariance_type": "round"})


def test_validate_params_rejects_k_above_distinct_rows():
    pattern = r"'n_clusters' parameter of ward must be an int in the range \[2, 4\].*Got 5 instead"
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_params("ward", {"n_clusters": 5}, n_samples=10, n_distinct=4)


def test_validate_params_rejects_k_not_below_customers():
    pattern = r"'n_components' .* range \[2, 4\] for data with 5 customers.*Got 5 instead"
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_params("gmm", {"n_components": 5}, n_samples=5, n_distinct=5)


def test_validate_params_rejects_min_cluster_size_above_customers():
    pattern = r"'min_cluster_size' parameter of hdbscan .* range \[2, 40\].*Got 50 instead"
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_params("hdbscan", {}, n_samples=40)


def test_validate_params_needs_three_customers():
    with pytest.raises(InvalidParameterError, match="at least 3 customers. Got 2 instead"):
        validate_params("kmeans", {"n_clusters": 2}, n_samples=2, n_distinct=2)


def test_fit_counts_distinct_rows_before_fitting():
    X = np.repeat(np.eye(3), 10, axis=0)
    with pytest.raises(InvalidParameterError, match=r"range \[2, 3\].*3 distinct rows.*Got 4"):
        fit("kmeans", X, {"n_clusters": 4})


def test_fit_rejects_missing_values_and_bad_seeds(blobs):
    X = blobs[0].copy()
    X[3, 1] = np.nan
    with pytest.raises(InvalidParameterError, match=r"missing or infinite values \(1 rows\)"):
        fit("kmeans", X, {})
    with pytest.raises(InvalidParameterError, match=r"'seed' parameter must be an int .*Got -1"):
        fit("kmeans", blobs[0], {}, seed=-1)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_fit_recovers_planted_blobs(blobs, name):
    X, truth = blobs
    result = fit(name, X, PLANTED[name], seed=3)
    assert isinstance(result, FitResult)
    assert result.algorithm == name and result.sample_size is None
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    assert result.centers.shape == (4, 3)


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_sampled_paths_assign_every_row_and_recover_blobs(blobs, force_sampling, name):
    X, truth = blobs
    result = fit(name, X, PLANTED[name], seed=3)
    assert len(result.labels) == len(X)
    assert adjusted_rand_score(truth, result.labels) >= 0.9
    assert result.notes, "the user is told how the model was fitted"
    if name == "kmeans":
        assert "mini-batch" in result.notes[0]
    else:
        assert result.sample_size in (200, 300)
        assert f"sample of {result.sample_size:,} customers" in result.notes[0]


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_same_seed_gives_same_labels(blobs, force_sampling, name):
    X, _ = blobs
    first = fit(name, X, PLANTED[name], seed=11)
    second = fit(name, X, PLANTED[name], seed=11)
    np.testing.assert_array_equal(first.labels, second.labels)


def test_segments_are_numbered_by_descending_size():
    X, _ = make_blobs([60, 200, 120], n_features=2, cluster_std=0.5, random_state=2)
    for name, params in PLANTED.items():
        params = {**params, "min_cluster_size": 20} if name == "hdbscan" else params
        k_params = {key: 3 for key in params if key in ("n_clusters", "n_components")}
        labels = fit(name, X, {**params, **k_params}).labels
        sizes = np.bincount(labels[labels >= 0]).tolist()
        assert sizes == sorted(sizes, reverse=True) and len(sizes) == 3, name
        assert sizes[2] == 60, name


@pytest.mark.parametrize("name", sorted(PLANTED))
def test_assign_gives_fitted_segments_to_new_nearby_points(blobs, name):
    X, _ = blobs
    result = fit(name, X, PLANTED[name], seed=0)
    nearby = X[:40] + np.random.default_rng(0).normal(scale=0.01, size=(40, 3))
    np.testing.assert_array_equal(assign(result, nearby), result.labels[:40])
    restored = pickle.loads(pickle.dumps(result.model))
    np.testing.assert_array_equal(assign(restored, nearby), result.labels[:40])


def test_assign_rejects_a_matrix_of_another_width(blobs):
    result = fit("kmeans", blobs[0], {"n_clusters": 4})
    with pytest.raises(InvalidParameterError, match="'X_new' parameter must be a matrix with 3"):
        assign(result, np.zeros((2, 5)))


def test_ward_matches_agglomerative_clustering():
    X = np.random.default_rng(4).normal(size=(300, 2))
    ours = fit("ward", X, {"n_clusters": 5}).labels
    theirs = AgglomerativeClustering(n_clusters=5, linkage="ward").fit_predict(X)
    assert adjusted_rand_score(ours, theirs) == 1.0


def test_ward_keeps_a_bounded_linkage_for_the_dendrogram(blobs, monkeypatch):
    monkeypatch.setattr(algorithms, "DENDROGRAM_MAX_POINTS", 100)
    result = fit("ward", blobs[0], {"n_clusters": 4})
    assert result.extra["linkage"].shape == (99, 4)
    leaves = result.extra["linkage_rows"]
    np.testing.assert_array_equal(result.extra["linkage_labels"], result.labels[leaves])
    assert len(set(result.extra["linkage_labels"].tolist())) == 4


def test_fit_each_k_cuts_one_ward_tree_like_separate_fits(blobs):
    X, _ = blobs
    fits = dict(fit_each_k("ward", X, [2, 3, 5]))
    assert sorted(fits) == [2, 3, 5]
    np.testing.assert_array_equal(fits[5].labels, fit("ward", X, {"n_clusters": 5}).labels)
    with pytest.raises(InvalidParameterError, match="'algorithm' parameter must be one of 'km"):
        next(fit_each_k("hdbscan", X, [2]))


def test_hdbscan_leaves_outliers_unassigned(blobs):
    X, _ = blobs
    outliers = np.random.default_rng(1).uniform(-40, 40, size=(15, 3))
    result = fit("hdbscan", np.r_[X, outliers], {"min_cluster_size": 30})
    assert (result.labels[-15:] == -1).sum() >= 10
    assert np.all(result.probabilities[result.labels == -1] == 0)
    assert result.extra["noise_share"] == pytest.approx(np.mean(result.labels == -1))
    assert result.n_segments == 4


def test_gmm_keeps_membership_probabilities_and_bic(blobs):
    result = fit("gmm", blobs[0], {"n_components": 4, "covariance_type": "diag"})
    assert result.probabilities.shape == (600,)
    assert np.all((result.probabilities > 0.25) & (result.probabilities <= 1))
    assert np.isfinite(result.extra["bic"])


def test_progress_reports_fractions_up_to_one(blobs):
    seen = []
    fit("kmeans", blobs[0], {"n_clusters": 4}, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)


def test_fit_rfm_through_the_registry():
    frame = pd.DataFrame(
        {
            "recency_days": [5, 40, 90, 200],
            "frequency": [9, 5, 3, 1],
            "monetary": [900, 400, 150, 20],
        }
    )
    result = fit("rfm", frame)
    assert result.algorithm == "rfm" and result.extra["names"][result.labels[0]] == "Champions"
    assert fit("rfm", frame.to_numpy()).labels.tolist() == result.labels.tolist()
    with pytest.raises(InvalidParameterError, match="rfm has no parameter 'bins'"):
        fit("rfm", frame, {"bins": 5})


def test_stratified_sample_keeps_small_regions():
    X, truth = make_blobs([5000, 20], centers=[[0, 0], [30, 30]], random_state=0)
    rows = stratified_sample(X, 200, seed=0)
    assert len(rows) == 200 and len(np.unique(rows)) == 200
    assert (truth[rows] == 1).sum() >= 5  # a proportional sample would hold about one
    np.testing.assert_array_equal(rows, stratified_sample(X, 200, seed=0))

"""Fitting every algorithm of the registry on planted blobs, assigning new rows, the k grid."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from segmentation.errors import InvalidParameterError
from segmentation.segment import clusterers
from segmentation.segment.fit import assign, fit, fit_each_k
from segmentation.segment.result import FitResult

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
        monkeypatch.setattr(clusterers, name, 200)
    monkeypatch.setattr(clusterers, "HDBSCAN_SAMPLE_ABOVE", 300)


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


def test_ward_keeps_a_bounded_linkage_for_the_dendrogram(blobs, monkeypatch):
    monkeypatch.setattr(clusterers, "DENDROGRAM_MAX_POINTS", 100)
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

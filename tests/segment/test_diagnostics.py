"""Diagnostics: the k sweep, bootstrap stability and run comparison."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs

from segmentation.errors import InvalidParameterError
from segmentation.segment.diagnostics import (
    SweepResult,
    compare_labels,
    elbow_k,
    k_sweep,
    stability,
    stability_verdict,
)
from segmentation.segment.fit import fit


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """600 customers in 4 well-separated groups of 3 features."""
    return make_blobs(600, centers=4, n_features=3, cluster_std=0.6, random_state=7)


def test_k_sweep_recommends_the_planted_k_and_says_why(blobs):
    sweep = k_sweep(blobs[0], "kmeans", range(2, 9))
    assert isinstance(sweep, SweepResult)
    assert sweep.elbow_k == 4 and sweep.recommended_k == 4
    assert sweep.reason.startswith("k=4: the elbow of inertia and the best silhouette")
    assert "among k=3..5" in sweep.reason


def test_k_sweep_frame_has_a_row_per_k(blobs):
    frame = k_sweep(blobs[0], "kmeans", [5, 2, 3, 3]).to_frame()
    assert frame.columns.tolist() == [
        "k",
        "inertia",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "bic",
    ]
    assert frame["k"].tolist() == [2, 3, 5]
    assert frame["inertia"].is_monotonic_decreasing
    assert frame["bic"].isna().all()


def test_k_sweep_reports_progress_per_k(blobs):
    seen = []
    k_sweep(blobs[0], "ward", range(2, 6), progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert [m.split(":")[0] for _, m in seen if m.startswith("k=")] == ["k=2", "k=3", "k=4", "k=5"]


def test_k_sweep_bounds_the_silhouette_sample(blobs):
    sweep = k_sweep(blobs[0], "kmeans", range(2, 6), silhouette_sample=150, seed=1)
    assert sweep.silhouette_sample_size == 150
    assert k_sweep(blobs[0], "kmeans", [2, 3]).silhouette_sample_size == 600


def test_k_sweep_of_a_gaussian_mixture_reports_bic(blobs):
    sweep = k_sweep(blobs[0], "gmm", range(2, 7), params={"covariance_type": "diag"})
    assert sweep.recommended_k == 4
    assert all(np.isfinite(sweep.bic))
    assert "The lowest BIC is at k=4." in sweep.reason


def test_k_sweep_without_an_elbow_takes_the_best_silhouette(blobs):
    sweep = k_sweep(blobs[0], "kmeans", [3, 4])
    assert sweep.elbow_k is None and sweep.recommended_k == 4
    assert sweep.reason.endswith("of k=3..4; the inertia curve has no clear elbow.")


def test_k_sweep_rejects_bad_arguments(blobs):
    with pytest.raises(InvalidParameterError, match="'ks' parameter must be a non-empty list"):
        k_sweep(blobs[0], "kmeans", [])
    with pytest.raises(InvalidParameterError, match=r"'ks' .* Got \[1, 2\] instead"):
        k_sweep(blobs[0], "kmeans", [1, 2])
    with pytest.raises(InvalidParameterError, match="'algorithm' parameter must be one of 'kmea"):
        k_sweep(blobs[0], "hdbscan", [2, 3])
    with pytest.raises(InvalidParameterError, match=r"'n_clusters' parameter of kmeans .*Got 51"):
        k_sweep(blobs[0], "kmeans", [2, 51])


def test_elbow_needs_a_bend():
    assert elbow_k([1, 2, 3, 4, 5], [100, 60, 15, 12, 10]) == 3
    assert elbow_k([1, 2, 3, 4, 5], [50, 40, 30, 20, 10]) is None
    assert elbow_k([2, 3], [10, 5]) is None


def test_stability_is_high_on_blobs(blobs):
    result = stability(blobs[0], "kmeans", {"n_clusters": 4}, runs=4)
    assert result.score > 0.9 and result.unstable == ()
    assert sorted(result.per_segment) == [0, 1, 2, 3]
    assert result.to_frame()["verdict"].eq("highly stable").all()
    assert result.sample_size == 600 and len(result.ari_per_run) == 4


def test_stability_is_low_and_flags_segments_on_uniform_noise():
    noise = np.random.default_rng(0).uniform(size=(600, 8))
    result = stability(noise, "kmeans", {"n_clusters": 6}, runs=4)
    assert result.score < 0.6
    assert result.unstable and all(result.per_segment[s] < 0.6 for s in result.unstable)


def test_stability_compares_with_given_labels_on_a_sample(blobs):
    X, _ = blobs
    run = fit("ward", X, {"n_clusters": 4})
    result = stability(X, "ward", {"n_clusters": 4}, labels=run.labels, sample=300, runs=2)
    assert result.sample_size == 300 and result.score > 0.9


def test_stability_rejects_rfm_and_bad_runs(blobs):
    with pytest.raises(InvalidParameterError, match="not 'rfm': its rules give the same"):
        stability(blobs[0], "rfm", {})
    with pytest.raises(InvalidParameterError, match=r"'runs' parameter .*\[1, 100\]. Got 0"):
        stability(blobs[0], "kmeans", {}, runs=0)


def test_stability_verdicts_follow_hennig():
    verdicts = [stability_verdict(j) for j in (0.5, 0.7, 0.8, 0.9)]
    assert verdicts == ["unstable", "pattern", "stable", "highly stable"]


def test_compare_identical_labellings():
    labels = np.array([0, 0, 1, 2, 2, 2])
    comparison = compare_labels(labels, labels)
    assert comparison.ari == 1.0
    table = comparison.contingency
    assert table.index.name == "a" and table.columns.name == "b"
    np.testing.assert_array_equal(table.to_numpy(), np.diag([2, 1, 3]))


def test_compare_labels_of_different_lengths_fails():
    with pytest.raises(InvalidParameterError, match="same customers. Got 3 and 2 labels"):
        compare_labels([0, 1, 1], [0, 1])

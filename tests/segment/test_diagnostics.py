"""Diagnostics: the k sweep, silhouettes, bootstrap stability, run comparison and metrics."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples

from segmentation.errors import InvalidParameterError
from segmentation.segment.algorithms import fit
from segmentation.segment.diagnostics import (
    SweepResult,
    compare_labels,
    elbow_k,
    k_sweep,
    run_metrics,
    silhouette_by_segment,
    silhouette_values,
    stability,
    stability_verdict,
)


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


def test_silhouette_by_segment_for_a_silhouette_plot(blobs):
    X, _ = blobs
    labels = fit("kmeans", X, {"n_clusters": 4}).labels
    labels[:50] = -1
    frame = silhouette_by_segment(X, labels, sample=200, seed=2)
    assert frame.columns.tolist() == ["segment", "row", "silhouette", "segment_mean"]
    assert len(frame) == 200 and (frame["row"] >= 50).all()
    assert frame["segment"].is_monotonic_increasing
    for _, group in frame.groupby("segment"):
        assert group["silhouette"].is_monotonic_decreasing
        assert group["segment_mean"].iloc[0] == pytest.approx(group["silhouette"].mean())


def test_silhouette_values_match_scikit_learn():
    X = np.random.default_rng(5).normal(size=(250, 3))
    labels = np.r_[np.zeros(120, int), np.ones(129, int), [7]]  # a one-row segment scores 0
    np.testing.assert_allclose(
        silhouette_values(X, labels, chunk=64), silhouette_samples(X, labels), atol=1e-12
    )


def test_silhouette_by_segment_is_empty_for_one_segment(blobs):
    frame = silhouette_by_segment(blobs[0], np.zeros(600, dtype=int))
    assert frame.empty and "silhouette" in frame.columns


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


def test_run_metrics_of_a_good_run(blobs):
    X, _ = blobs
    labels = fit("kmeans", X, {"n_clusters": 4}).labels
    metrics = run_metrics(X, labels, sample=100)
    assert metrics["n_segments"] == 4 and metrics["noise_share"] == 0.0
    assert metrics["silhouette"] > 0.7 and metrics["silhouette_sample_size"] == 100
    assert metrics["calinski_harabasz"] > 100 and metrics["davies_bouldin"] < 0.5
    assert metrics["reason"] is None


def test_run_metrics_with_one_segment_or_only_noise_returns_none(blobs):
    X, _ = blobs
    one = run_metrics(X, np.zeros(600, dtype=int))
    assert one["silhouette"] is None and one["calinski_harabasz"] is None
    assert one["reason"] == "Quality metrics need at least 2 segments; this run has 1."
    noise = run_metrics(X, np.full(600, -1))
    assert noise["n_segments"] == 0 and noise["noise_share"] == 1.0
    assert noise["davies_bouldin"] is None


def test_run_metrics_rejects_labels_of_another_length(blobs):
    with pytest.raises(InvalidParameterError, match=r"'labels' parameter must be one int segment"):
        run_metrics(blobs[0], np.zeros(10, dtype=int))

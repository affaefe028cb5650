"""Metrics of one segmentation: silhouettes by segment, and the quick numbers of a run."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples

from segmentation.errors import InvalidParameterError
from segmentation.segment.fit import fit
from segmentation.segment.metrics import run_metrics, silhouette_by_segment, silhouette_values


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """600 customers in 4 well-separated groups of 3 features."""
    return make_blobs(600, centers=4, n_features=3, cluster_std=0.6, random_state=7)


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
        silhouette_values(X, labels, chunk=64), silhouette_samples(X, labels), atol=1e-5
    )


def test_silhouette_values_match_scikit_learn_with_duplicates_and_large_values():
    rng = np.random.default_rng(6)
    X = np.round(rng.normal(size=(600, 4)), 1)  # many repeated rows: distances of exactly 0
    X = np.vstack([X, X[:100]]) * [1.0, 10.0, 1e4, 1.0] + [0.0, 0.0, 5e5, -3.0]  # unscaled
    labels = rng.integers(0, 4, len(X))
    np.testing.assert_allclose(
        silhouette_values(X, labels, chunk=128), silhouette_samples(X, labels), atol=1e-5
    )


def test_silhouette_by_segment_is_empty_for_one_segment(blobs):
    frame = silhouette_by_segment(blobs[0], np.zeros(600, dtype=int))
    assert frame.empty and "silhouette" in frame.columns


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

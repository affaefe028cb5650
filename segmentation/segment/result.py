"""A fitted segmentation and the fitted models every algorithm shares.

:class:`FitResult` is what every fitter returns (``clusterers``, ``rfm``); the model classes here
are what a run pickles, so they live in a module of their own that fitters and readers share.
Segments are numbered by size: 0 is the largest, ``-1`` is HDBSCAN's noise ("Unassigned"); a
run adds 1 to make its 1-based ``segment_id``.

>>> import numpy as np
>>> relabel_by_size(np.array([1, 1, 0, 1, -1]), 2)[0].tolist()
[0, 0, 1, 0, -1]
>>> NearestCentroidModel(np.array([[0.0], [10.0]])).predict(np.array([[2.0], [9.0]])).tolist()
[0, 1]
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import pairwise_distances_argmin
from threadpoolctl import threadpool_limits

from ..errors import InvalidParameterError, param_error

MIN_CUSTOMERS = 3
PARALLEL_ABOVE = 10**12  # threads only above this many rows: on 2 cores they never paid
CHUNK = 100_000  # rows per block when predicting for many customers


@dataclass
class FitResult:
    """A fitted segmentation: a segment for every row, and what is needed to assign new rows."""

    labels: np.ndarray  # segment per row, 0..k-1 by descending size; -1 = noise ("Unassigned")
    probabilities: np.ndarray | None  # gmm/hdbscan: how sure the assignment is, per row
    centers: np.ndarray | None  # segment centroids in X space, row i = segment i
    model: object  # picklable, has .predict(X); see fit.assign()
    sample_size: int | None  # rows the model was fitted on when a sample was used
    notes: list[str]  # what the user should know about how it was fitted
    extra: dict  # per algorithm: inertia, bic, n_iter, linkage (ward), names (rfm), ...
    algorithm: str = ""
    params: dict = field(default_factory=dict)  # the validated parameters

    @property
    def n_segments(self) -> int:
        """Number of segments that hold customers (noise not counted)."""
        return len(np.unique(self.labels[self.labels >= 0]))


@dataclass
class NearestCentroidModel:
    """Assigns each row to the segment whose centroid is nearest (segment i = centers[i])."""

    centers: np.ndarray

    @property
    def n_features_in_(self) -> int:
        return self.centers.shape[1]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return pairwise_distances_argmin(X, self.centers)


@dataclass
class RelabelledModel:
    """A fitted estimator whose cluster ids are renumbered by size: ``order[new] = old``."""

    estimator: object
    order: np.ndarray

    @property
    def n_features_in_(self) -> int:
        return self.estimator.n_features_in_

    def predict(self, X: np.ndarray) -> np.ndarray:
        new_of_old = np.argsort(self.order)
        return new_of_old[self.estimator.predict(X)]


def relabel_by_size(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered so that 0 is the largest segment (ties: lower old id first); -1 kept.

    Returns the new labels and ``order``, where ``order[new] = old`` (length k, empty ids last).
    """
    labels = np.asarray(labels, dtype=np.int64)
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    order = np.argsort(-sizes, kind="stable")
    new_of_old = np.argsort(order)
    relabelled = np.where(labels >= 0, new_of_old[np.maximum(labels, 0)], -1)
    return relabelled, order


def predict_in_chunks(model: object, X: np.ndarray) -> np.ndarray:
    """``model.predict`` over blocks of ``CHUNK`` rows, as int64."""
    blocks = [model.predict(X[i : i + CHUNK]) for i in range(0, len(X), CHUNK)]
    return np.concatenate(blocks).astype(np.int64)


def centroids(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean row of each segment 0..k-1 (zeros for an empty one); noise rows left out."""
    keep = labels >= 0
    X, labels = X[keep], labels[keep]
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=col, minlength=k) for col in X.T], axis=1)
    return sums / np.maximum(counts, 1)[:, None]


def within_ss(X: np.ndarray, labels: np.ndarray) -> float:
    """Within-segment sum of squares (k-means' inertia) of a labelling; noise rows left out.

    >>> within_ss(np.array([[0.0], [2.0], [10.0]]), np.array([0, 0, 1]))
    2.0
    """
    keep = labels >= 0
    if not keep.any():
        return 0.0
    centers = centroids(X, labels, int(labels.max()) + 1)
    return float(((X[keep] - centers[labels[keep]]) ** 2).sum())


def check_matrix(X: object, min_rows: int = 1) -> np.ndarray:
    """``X`` as a float64 matrix, or an error if it is not 2-D, numeric and finite."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise param_error("X", "a numeric matrix (one row per customer)", type(X).__name__) from e
    if X.ndim != 2 or X.shape[1] == 0 or len(X) < min_rows:
        raise param_error("X", "a 2-D matrix with at least one column", f"shape {X.shape}")
    if not np.isfinite(X).all():
        raise InvalidParameterError(
            "The feature matrix X contains missing or infinite values "
            f"({int((~np.isfinite(X)).any(axis=1).sum())} rows); impute them first (preprocess)."
        )
    return X


def limit_threads(n_rows: int) -> contextlib.AbstractContextManager:
    """One BLAS/OpenMP thread for fits and metrics of fewer than ``PARALLEL_ABOVE`` rows.

    Measured on the project's 2-core machines, more threads never paid: their start-up and
    spinning cost more than they saved (k-means on 100k rows: 1.5 s with 2 threads, 0.2 s with
    one; mini-batch k-means on 1M rows: 17 s and 2.8 s; a 10k-row silhouette: 3.2 s and 1.0 s).
    Raise ``PARALLEL_ABOVE`` on a machine with many free cores.
    """
    return threadpool_limits(limits=1) if n_rows < PARALLEL_ABOVE else contextlib.nullcontext()

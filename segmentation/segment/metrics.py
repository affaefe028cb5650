"""Quality measures of one segmentation: silhouette, Calinski-Harabasz, Davies-Bouldin.

Measures that compare all pairs of customers (silhouette) run on a seeded sample, and the
result records its size. Unassigned customers (-1) are left out.

>>> run_metrics([[0.0], [1.0], [2.0]], [0, 0, 0])["reason"]
'Quality metrics need at least 2 segments; this run has 1.'
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import pandas as pd
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score

from ..errors import param_error
from .result import check_matrix, limit_threads
from .sampling import random_rows

SILHOUETTE_SAMPLE = 10_000


def silhouette_by_segment(
    X: object, labels: object, *, sample: int = SILHOUETTE_SAMPLE, seed: int = 0
) -> pd.DataFrame:
    """Silhouette values of a seeded sample of customers, for a silhouette plot.

    Columns: ``segment``, ``row`` (row of X), ``silhouette``, ``segment_mean``; sorted by segment,
    then by silhouette from high to low. Unassigned customers (-1) are left out. Empty when fewer
    than 2 segments remain (the silhouette is not defined then).
    """
    check_positive("sample", sample, low=2)
    X = check_matrix(X)
    labels = check_labels(labels, len(X))
    kept = np.flatnonzero(labels >= 0)
    rows = kept[random_rows(len(kept), sample, seed)]
    columns = ["segment", "row", "silhouette", "segment_mean"]
    n_segments = len(np.unique(labels[rows]))
    if not 2 <= n_segments < len(rows):
        return pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
    with limit_threads(len(X)):
        values = silhouette_values(X[rows], labels[rows])
    frame = pd.DataFrame({"segment": labels[rows], "row": rows, "silhouette": values})
    frame["segment_mean"] = frame.groupby("segment")["silhouette"].transform("mean")
    frame = frame.sort_values(["segment", "silhouette"], ascending=[True, False], kind="stable")
    return frame.reset_index(drop=True)[columns]


def run_metrics(
    X: object, labels: object, *, seed: int = 0, sample: int = SILHOUETTE_SAMPLE
) -> dict[str, object]:
    """Quick quality numbers of one run; Unassigned customers (-1) are left out.

    Keys: n_segments, noise_share, silhouette (on a seeded sample), silhouette_sample_size,
    calinski_harabasz (higher is better), davies_bouldin (lower is better) and reason: why the
    metrics are None when they cannot be computed (fewer than 2 segments), else None.

    >>> run_metrics([[0.0], [1.0], [2.0]], [0, 0, 0])["reason"]
    'Quality metrics need at least 2 segments; this run has 1.'
    """
    check_positive("sample", sample, low=2)
    X = check_matrix(X)
    labels = check_labels(labels, len(X))
    kept = np.flatnonzero(labels >= 0)
    n_segments = len(np.unique(labels[kept]))
    metrics: dict[str, object] = {
        "n_segments": n_segments,
        "noise_share": float(1 - len(kept) / len(X)),
        "silhouette": None,
        "silhouette_sample_size": 0,
        "calinski_harabasz": None,
        "davies_bouldin": None,
        "reason": None,
    }
    if n_segments < 2 or n_segments >= len(kept):
        metrics["reason"] = (
            f"Quality metrics need at least 2 segments; this run has {n_segments}."
            if n_segments < 2
            else "Quality metrics need segments with more than one customer each."
        )
        return metrics
    rows = kept[random_rows(len(kept), sample, seed)]
    with limit_threads(len(X)):
        metrics["silhouette"] = mean_silhouette(X[rows], labels[rows])
        metrics["calinski_harabasz"], metrics["davies_bouldin"] = separation(X, labels)
    metrics["silhouette_sample_size"] = len(rows)
    if metrics["silhouette"] is None:
        metrics["reason"] = "The silhouette sample holds a single segment."
    return metrics


@contextmanager
def measuring(
    X: np.ndarray | None, labels: np.ndarray, *, seed: int = 0
) -> Iterator[Callable[[], dict[str, object]]]:
    """:func:`run_metrics` on another thread while the caller stores the run; yields a function
    that waits for them (``{}`` without a matrix: rfm). The silhouette's pairwise distances
    release the GIL, so on two cores they cost the run little more than storing it.

    >>> with measuring(np.array([[0.0], [0.1], [5.0], [5.1]]), np.array([0, 0, 1, 1])) as done:
    ...     round(done()["silhouette"], 2)
    0.98
    """
    if X is None:
        yield dict
        return
    with ThreadPoolExecutor(1, thread_name_prefix="run-metrics") as pool:
        yield pool.submit(run_metrics, X, labels, seed=seed).result


def mean_silhouette(X: np.ndarray, labels: np.ndarray) -> float | None:
    """The mean silhouette, or None when it is not defined (one segment, or one row each)."""
    if not 2 <= len(np.unique(labels)) < len(labels):
        return None
    return float(np.mean(silhouette_values(X, labels)))


def silhouette_values(X: np.ndarray, labels: np.ndarray, chunk: int = 1_000) -> np.ndarray:
    """Each row's silhouette, as ``sklearn.metrics.silhouette_samples`` (0 in a one-row segment).

    Distances of one block of rows at a time to all rows, as ``sqrt(|a|^2 + |b|^2 - 2 a.b)``
    on the centred matrix in single precision (one matrix product), summed per segment in double
    precision: three times faster than SciPy's ``cdist`` and five times faster than
    scikit-learn, and within 1e-5 of them row by row (the mean silhouette of a 10,000-row
    sample of 446k customers: 8e-8 apart).
    """
    _, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    members = np.zeros((len(X), len(counts)), dtype=np.float32)
    members[np.arange(len(X)), codes] = 1.0
    centred = (X - X.mean(axis=0)).astype(np.float32)
    norms = np.einsum("ij,ij->i", centred, centred)
    values = np.empty(len(X))
    for start in range(0, len(X), chunk):
        block = slice(start, start + chunk)
        distances = centred[block] @ centred.T
        distances *= -2.0
        distances += norms[block, None]
        distances += norms[None, :]
        np.maximum(distances, 0.0, out=distances)
        np.sqrt(distances, out=distances)
        sums = (distances @ members).astype(np.float64)
        own, rows = codes[block], np.arange(len(sums))
        inside = sums[rows, own] / np.maximum(counts[own] - 1, 1)
        means = sums / counts
        means[rows, own] = np.inf
        nearest = means.min(axis=1)
        value = (nearest - inside) / np.maximum(np.maximum(inside, nearest), 1e-300)
        values[block] = np.where(counts[own] > 1, value, 0.0)
    return values


def separation(X: np.ndarray, labels: np.ndarray) -> tuple[float | None, float | None]:
    """Calinski-Harabasz and Davies-Bouldin on every assigned row, or None when undefined."""
    kept = labels >= 0
    if not 2 <= len(np.unique(labels[kept])) < kept.sum():
        return None, None
    X, labels = X[kept], labels[kept]
    return float(calinski_harabasz_score(X, labels)), float(davies_bouldin_score(X, labels))


def check_positive(name: str, value: object, *, low: int, high: int | None = None) -> None:
    """An error unless ``value`` is an int in [low, high]."""
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        top = "inf" if high is None else str(high)
        raise param_error(name, f"an int in the range [{low}, {top}]", value)


def check_labels(labels: object, n: int) -> np.ndarray:
    """``labels`` as int64, or an error unless it holds one int segment per row of X."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or len(labels) != n or not np.issubdtype(labels.dtype, np.integer):
        raise param_error(
            "labels", f"one int segment per row of X ({n} rows)", f"{labels.dtype} x {labels.shape}"
        )
    return labels.astype(np.int64)

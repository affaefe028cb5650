"""The one home of sampling: random rows, and stratified samples that keep small groups.

Every stratified sampler shares :func:`allocate` (a floor per stratum, the rest in proportion,
largest remainders first) and differs only in its strata:

- :func:`sample_by_segment`: strata are a run's segments (explore's UMAP and chart samples);
- :func:`sample_strata`: strata are given labels, e.g. a fit's segments (Ward's dendrogram,
  HDBSCAN's voters);
- :func:`sample_feature_space`: strata are the cells of a quick mini-batch k-means of the
  feature matrix (Ward and HDBSCAN on many customers), so small regions of the data are kept.

>>> import numpy as np
>>> allocate(np.array([90, 10]), 20, floor_cap=50, floor_min=1).tolist()
[14, 6]
>>> sample_by_segment(np.array([1] * 90 + [2] * 10), 20, seed=0).size
20
"""

from __future__ import annotations

import warnings

import numpy as np

from .result import predict_in_chunks

STRATA = 50
STRATA_FIT_ROWS = 100_000  # the strata's mini-batch k-means learns from this many random rows
STRATA_BATCH_SIZE = 4096
MIN_PER_STRATUM = 10  # floor of sample_strata / sample_feature_space
MIN_PER_SEGMENT = 50  # floor of sample_by_segment


def random_rows(n: int, size: int, seed: int) -> np.ndarray:
    """At most ``size`` distinct row numbers out of n, sorted, drawn with the seed.

    >>> random_rows(5, 10, 0).tolist()
    [0, 1, 2, 3, 4]
    """
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def allocate(counts: np.ndarray, size: int, *, floor_cap: int, floor_min: int = 0) -> np.ndarray:
    """Rows to draw per stratum: a floor for each, the rest in proportion (largest remainders).

    The floor is ``min(count, max(floor_min, min(floor_cap, size // (2 x strata))))``, so floors
    take at most half of ``size`` unless ``floor_min`` asks for more; when the floors alone
    exceed ``size``, the largest strata get one row each.
    """
    counts = np.asarray(counts, dtype=np.int64)
    floor = np.minimum(counts, max(floor_min, min(floor_cap, size // (2 * len(counts)))))
    if floor.sum() > size:  # more strata than rows: one row for the largest strata
        quota = np.zeros_like(counts)
        quota[np.argsort(-counts, kind="stable")[:size]] = 1
        return quota
    room = counts - floor
    share = (size - int(floor.sum())) * room / max(int(room.sum()), 1)
    take = floor + np.floor(share).astype(np.int64)
    left = size - int(take.sum())
    if left > 0:  # largest remainders get one more row each
        remainder = np.where(take < counts, share - np.floor(share), -1.0)
        take[np.argsort(-remainder, kind="stable")[:left]] += 1
    return np.minimum(take, counts)


def sample_by_segment(segment_ids: np.ndarray, size: int, *, seed: int = 0) -> np.ndarray:
    """Row positions of a seeded sample of ``size`` rows, drawn per segment in proportion.

    Every segment gets at least ``min(its size, 50, size / (2 x segments))`` rows (at least 1),
    so small segments stay visible; the positions come back sorted.
    """
    segment_ids = np.asarray(segment_ids)
    if size >= len(segment_ids):
        return np.arange(len(segment_ids))
    _, inverse, counts = np.unique(segment_ids, return_inverse=True, return_counts=True)
    quota = allocate(counts, size, floor_cap=MIN_PER_SEGMENT, floor_min=1)
    rng = np.random.default_rng(seed)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    chosen = [
        rng.choice(order[start : start + count], size=q, replace=False)
        for start, count, q in zip(starts, counts, quota, strict=True)
        if q
    ]
    return np.sort(np.concatenate(chosen)) if chosen else np.arange(0)


def sample_strata(strata: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` rows (sorted) drawn within strata: proportional, but at least MIN_PER_STRATUM
    from each (fewer when those floors would take more than half of ``size``)."""
    if size >= len(strata):
        return np.arange(len(strata))
    _, codes, counts = np.unique(strata, return_inverse=True, return_counts=True)
    take = allocate(counts, size, floor_cap=MIN_PER_STRATUM)
    keys = np.random.default_rng(seed).random(len(codes))
    order = np.lexsort((keys, codes))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rank = np.arange(len(codes)) - starts[codes[order]]
    return np.sort(order[rank < take[codes[order]]])


def sample_feature_space(X: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Row numbers (sorted) of a sample of ``size`` rows that keeps small regions of the data.

    Strata are the cells of a quick mini-batch k-means with ``STRATA`` clusters (learnt from at
    most ``STRATA_FIT_ROWS`` random rows); each gives rows in proportion to its size, but at least
    ``MIN_PER_STRATUM`` (or all it has).
    """
    from sklearn.cluster import MiniBatchKMeans
    from sklearn.exceptions import ConvergenceWarning
    from threadpoolctl import threadpool_limits

    if size >= len(X):
        return np.arange(len(X))
    cells = MiniBatchKMeans(
        n_clusters=min(STRATA, size), batch_size=STRATA_BATCH_SIZE, n_init=1, random_state=seed
    )
    with threadpool_limits(limits=1), warnings.catch_warnings():  # mini-batches: one thread
        warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct rows than strata
        cells.fit(X[random_rows(len(X), STRATA_FIT_ROWS, seed)])
        strata = predict_in_chunks(cells, X)
    return sample_strata(strata, size, seed)

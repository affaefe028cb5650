"""The ways to pick each customer's next products: item-item kNN, ALS and two popularity lists.

Every method answers one question, ``top(rows, history, n, exclude_bought)`` -> ``items, scores,
because``: an ``(len(rows), n)`` array of product columns (-1 where it has nothing more to
offer), their scores, and for the collaborative methods the product of the customer's history
that most supports each one (-1 otherwise). Only ``fit`` and the ALS scoring call into
``implicit``; the kNN scores are one sparse product (history x similarity) per chunk of
customers, so customers the model knows nothing about simply get fewer products.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp

from ..errors import param_error

METHODS = ("item-knn", "als", "popular", "segment-popular")
DEFAULT_METHOD = "item-knn"  # chosen by the leave-last-order-out evaluation (README)
THREADS = 2  # implicit's own threads; BLAS stays single-threaded (implicit's advice)
CHUNK = 2_000  # customers scored at once
DENSE_WIDTH = 8_192  # up to this many products, and
DENSE_SHARE = 0.6  # this share of them scored (partial sorts of mostly-zero rows are slow)


@contextmanager
def few_threads():
    """Single-threaded BLAS while implicit runs (its threads and OpenBLAS's would fight)."""
    import warnings

    import threadpoolctl

    with threadpoolctl.threadpool_limits(1, "blas"), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expects CSR input.*")
        yield


class Popular:
    """Products by number of buyers in the history, the same list for everyone."""

    name = "popular"

    def fit(self, history: sp.csr_matrix, segments: np.ndarray) -> Popular:
        self.order_ = _by_buyers(history)
        return self

    def top(self, rows, history, n, exclude_bought, explain=True):
        items = _first_unbought(history, rows, self.order_[0], n, exclude_bought)
        return items, _lookup(self.order_, items), np.full_like(items, -1)


class SegmentPopular:
    """Products by number of buyers within the customer's segment (everyone's list without one)."""

    name = "segment-popular"

    def fit(self, history: sp.csr_matrix, segments: np.ndarray) -> SegmentPopular:
        self.segments_ = segments
        self.orders_ = {int(s): _by_buyers(history[segments == s]) for s in np.unique(segments)}
        return self

    def top(self, rows, history, n, exclude_bought, explain=True):
        rows = np.asarray(rows)
        items = np.full((len(rows), n), -1, dtype=np.int64)
        scores = np.zeros((len(rows), n))
        for seg, order in self.orders_.items():
            pick = np.flatnonzero(self.segments_[rows] == seg)
            if len(pick):
                items[pick] = _first_unbought(history, rows[pick], order[0], n, exclude_bought)
                scores[pick] = _lookup(order, items[pick])
        return items, scores, np.full_like(items, -1)


class ItemKNN:
    """Item-item nearest neighbours on BM25-weighted histories (implicit's BM25Recommender):
    a product's score is the sum of its similarities to what the customer bought."""

    name = "item-knn"
    collaborative = True

    def __init__(self, *, neighbours: int = 100, k1: float = 1.2, b: float = 0.75) -> None:
        self.neighbours, self.k1, self.b = neighbours, k1, b

    def fit(self, history: sp.csr_matrix, segments: np.ndarray) -> ItemKNN:
        from implicit.nearest_neighbours import BM25Recommender

        with few_threads():
            model = BM25Recommender(K=self.neighbours, K1=self.k1, B=self.b, num_threads=THREADS)
            model.fit(history, show_progress=False)
        self.similarity_ = model.similarity.tocsr().astype(np.float32)
        self.similarity_.sort_indices()
        return self

    def top(self, rows, history, n, exclude_bought, explain=True):
        user = history[rows]
        scores = (user @ self.similarity_).tocsr()
        if exclude_bought:
            scores = scores - scores.multiply(user > 0)
            scores.eliminate_zeros()
        items, values = _sparse_top(scores, n)
        return items, values, _because(user, items, self._similarity, explain)

    def _similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        if not hasattr(self, "keys_"):
            self.keys_ = _sparse_keys(self.similarity_)
        return _sparse_lookup(self.similarity_, self.keys_, i, j)


class ALS:
    """Alternating least squares on BM25-weighted confidences (implicit's CPU model), seeded."""

    name = "als"
    collaborative = True

    def __init__(
        self,
        *,
        factors: int = 64,
        iterations: int = 15,
        regularization: float = 0.05,
        seed: int = 0,
    ) -> None:
        self.factors, self.iterations = factors, iterations
        self.regularization, self.seed = regularization, seed

    def fit(self, history: sp.csr_matrix, segments: np.ndarray) -> ALS:
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.nearest_neighbours import bm25_weight

        weighted = bm25_weight(history, K1=100, B=0.8).tocsr().astype(np.float32)
        with few_threads():
            self.model_ = AlternatingLeastSquares(
                factors=self.factors,
                iterations=self.iterations,
                regularization=self.regularization,
                random_state=self.seed,
                num_threads=THREADS,
                calculate_training_loss=False,
            )
            self.model_.fit(weighted, show_progress=False)
        f = self.model_.item_factors
        self.unit_ = f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-12)
        return self

    def top(self, rows, history, n, exclude_bought, explain=True):
        user = history[rows]
        n_items = history.shape[1]
        with few_threads():
            items, scores = self.model_.recommend(
                np.asarray(rows), user, N=min(n, n_items), filter_already_liked_items=exclude_bought
            )
        items = np.asarray(items, dtype=np.int64).reshape(len(rows), -1)
        scores = np.asarray(scores, dtype=np.float64).reshape(len(rows), -1)
        bad = ~np.isfinite(scores) | (items < 0)
        items[bad], scores[bad] = -1, 0.0
        items, scores = _pad(items, n), _pad(scores, n, 0.0)
        return items, scores, _because(user, items, self._similarity, explain)

    def _similarity(self, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return np.einsum("ij,ij->i", self.unit_[i], self.unit_[j])


def make_method(name: str, *, seed: int = 0):
    """A fresh, unfitted method by name (one of :data:`METHODS`)."""
    if name not in METHODS:
        raise param_error("method", f"one of {', '.join(METHODS)}", name)
    if name == "item-knn":
        return ItemKNN()
    if name == "als":
        return ALS(seed=seed)
    return Popular() if name == "popular" else SegmentPopular()


def top_in_chunks(
    method, rows: np.ndarray, history, n: int, exclude_bought: bool, report=None, explain=True
):
    """``method.top`` over ``rows`` in chunks (``report(done_share)`` after each); without
    ``explain`` no supporting products are looked for (the evaluation needs none)."""
    parts = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        parts.append(method.top(chunk, history, n, exclude_bought, explain=explain))
        if report is not None:
            report(min(start + CHUNK, len(rows)) / max(len(rows), 1))
    if not parts:
        empty = np.empty((0, n), dtype=np.int64)
        return empty, np.empty((0, n)), empty
    return tuple(np.vstack([p[k] for p in parts]) for k in range(3))


# -- helpers ----------------------------------------------------------------------------------
def _by_buyers(history: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Products with at least one buyer, most buyers first (ties: column order), and counts."""
    buyers = np.asarray((history > 0).sum(axis=0)).ravel()
    order = np.lexsort((np.arange(len(buyers)), -buyers))
    order = order[buyers[order] > 0]
    counts = np.zeros(len(buyers))
    counts[order] = buyers[order]
    return order, counts


def _lookup(order: tuple[np.ndarray, np.ndarray], items: np.ndarray) -> np.ndarray:
    return np.where(items >= 0, order[1][np.maximum(items, 0)], 0.0)


def _first_unbought(history, rows, order: np.ndarray, n: int, exclude_bought: bool) -> np.ndarray:
    """The first ``n`` products of ``order`` each row has not bought (-1 padded)."""
    rows = np.asarray(rows)
    if not exclude_bought or len(rows) == 0:
        return np.tile(_pad(order[:n][None, :], n)[0], (len(rows), 1))
    user = history[rows]
    longest = int(np.diff(user.indptr).max(initial=0))
    candidates = order[: n + longest]
    bought = (user[:, candidates] > 0).toarray()
    rank = np.where(
        bought, len(candidates) + np.arange(len(candidates)), np.arange(len(candidates))
    )
    first = np.argsort(rank, axis=1, kind="stable")[:, :n]
    items = candidates[first]
    items[np.take_along_axis(bought, first, axis=1)] = -1
    return _pad(items, n)


def _pad(a: np.ndarray, n: int, fill=-1) -> np.ndarray:
    if a.shape[1] >= n:
        return a[:, :n]
    return np.hstack([a, np.full((a.shape[0], n - a.shape[1]), fill, dtype=a.dtype)])


def _sparse_top(scores: sp.csr_matrix, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``n`` highest positive entries of each row: columns (-1 padded) and values; ties go
    to the lower column. Dense rows (few products) use a partial sort per row; wide sparse ones
    one sort of all entries by row, then score."""
    rows, width = scores.shape
    if width <= DENSE_WIDTH and scores.nnz >= DENSE_SHARE * rows * width:
        return _dense_top(scores.toarray(), n)
    scores.has_sorted_indices = False  # scipy may mark a product's result sorted when it is not
    scores.sort_indices()  # ties below go to the lower column
    keep = scores.data > 0
    row = np.repeat(np.arange(rows), np.diff(scores.indptr))[keep]
    col, val = scores.indices[keep], scores.data[keep].astype(np.float64)
    peak = np.zeros(rows)
    np.maximum.at(peak, row, val)
    # one sort: the key is the row plus a fraction in [0, 1) that falls as the score rises
    order = np.argsort(row + (1.0 - val / peak[row]) * 0.999, kind="stable")
    row, col, val = row[order], col[order], val[order]
    starts = np.searchsorted(row, np.arange(rows))
    pos = np.arange(len(row)) - starts[row]
    take = pos < n
    items = np.full((rows, n), -1, dtype=np.int64)
    values = np.zeros((rows, n))
    items[row[take], pos[take]] = col[take]
    values[row[take], pos[take]] = val[take]
    return items, values


def _dense_top(dense: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_sparse_top` of a dense chunk: the ``n`` largest per row (ties to the lower
    column) in a few passes, without sorting whole rows."""
    rows, width = dense.shape
    k = min(n, width)
    if rows == 0 or k == 0:
        return np.full((rows, n), -1, dtype=np.int64), np.zeros((rows, n))
    kth = np.partition(dense, width - k, axis=1)[:, width - k][:, None]  # k-th largest
    above = dense > kth
    tied = dense == kth
    room = k - above.sum(axis=1, keepdims=True)
    chosen = above | (tied & (np.cumsum(tied, axis=1) <= room))
    r, c = np.nonzero(chosen)  # exactly k per row, columns ascending
    part = c.reshape(rows, k)
    got = dense[r, c].reshape(rows, k)
    order = np.lexsort((part, -got), axis=-1)
    items = np.take_along_axis(part, order, axis=1).astype(np.int64)
    values = np.take_along_axis(got, order, axis=1).astype(np.float64)
    items[values <= 0] = -1
    values[values <= 0] = 0.0
    return _pad(items, n), _pad(values, n, 0.0)


def _sparse_keys(m: sp.csr_matrix) -> np.ndarray:
    """row x width + column of each entry: ascending for a CSR matrix with sorted indices."""
    keys = np.int64(m.shape[1]) * np.repeat(
        np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr)
    )
    return keys + m.indices


def _sparse_lookup(m: sp.csr_matrix, keys: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """``m[i, j]`` for arrays of positions (``keys``: :func:`_sparse_keys` of ``m``)."""
    if m.nnz == 0:
        return np.zeros(len(i))
    width = np.int64(m.shape[1])
    wanted = width * i.astype(np.int64) + j
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    return np.where(keys[at] == wanted, m.data[at], 0.0).astype(np.float64)


def _because(
    user: sp.csr_matrix,
    items: np.ndarray,
    similarity: Callable[[np.ndarray, np.ndarray], np.ndarray],
    explain: bool = True,
) -> np.ndarray:
    """For each recommended product, the product of the customer's history most similar to it
    (weighted by how often it was bought); -1 where none is (or without ``explain``)."""
    if not explain:
        return np.full(items.shape, -1, dtype=np.int64)
    n = items.shape[1]
    lengths = np.diff(user.indptr)
    owner = np.repeat(np.arange(user.shape[0]), lengths)  # row of each history entry
    had = np.repeat(user.indices, n)  # (entries x n), flattened
    rec = items[owner].ravel()
    weight = np.repeat(user.data, n)
    valid = rec >= 0
    contrib = np.zeros(len(rec))
    contrib[valid] = weight[valid] * similarity(had[valid], rec[valid])
    contrib = contrib.reshape(-1, n)
    best = np.full(items.shape, -1, dtype=np.int64)
    nonempty = np.flatnonzero(lengths > 0)
    if len(contrib) == 0 or len(nonempty) == 0:
        return best
    top = np.maximum.reduceat(contrib, user.indptr[nonempty], axis=0)
    peak = np.zeros(items.shape)
    peak[nonempty] = top
    e, r = np.nonzero((contrib >= peak[owner]) & (contrib > 0))
    best[owner[e], r] = user.indices[e]
    return best

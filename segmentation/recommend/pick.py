"""One path from a fitted method to each customer's list, shared by recommending and evaluating.

Customers with fewer than ``min_products`` distinct products in their history get their
segment's top products (the *fallback*); others get the method's products, and where it has
fewer than ``n`` to offer, the list is completed from the segment's top products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .methods import top_in_chunks

MODEL, SEGMENT = 0, 1  # where a recommendation came from


@dataclass(frozen=True)
class Picked:
    """Per customer row: ``n`` product columns (-1: none), scores, the supporting product of the
    history (-1: none), the source (MODEL or SEGMENT) and whether the whole list is a fallback."""

    items: np.ndarray
    scores: np.ndarray
    because: np.ndarray
    source: np.ndarray
    fallback: np.ndarray


def recommend_rows(
    model,
    fallback,
    rows: np.ndarray,
    history: sp.csr_matrix,
    n: int,
    *,
    exclude_bought: bool,
    min_products: int,
    report=None,
    explain: bool = True,
) -> Picked:
    """``n`` products for each of ``rows`` from ``model``, completed by ``fallback``."""
    rows = np.asarray(rows, dtype=np.int64)
    if not getattr(model, "collaborative", False):
        min_products = 0  # popularity lists need no history
    known = np.diff(history.indptr)[rows] >= min_products
    items = np.full((len(rows), n), -1, dtype=np.int64)
    scores = np.zeros((len(rows), n))
    because = np.full((len(rows), n), -1, dtype=np.int64)
    strong = np.flatnonzero(known)
    if len(strong) and model is not fallback:
        got = top_in_chunks(model, rows[strong], history, n, exclude_bought, report, explain)
        items[strong], scores[strong], because[strong] = (_compact(a, got[0]) for a in got)
    source = np.where(items >= 0, MODEL, SEGMENT)
    need = np.flatnonzero((items < 0).any(axis=1))
    if len(need):
        extra, extra_scores, _ = top_in_chunks(
            fallback, rows[need], history, 2 * n, exclude_bought, explain=False
        )
        filled, filled_scores = _complete(items[need], extra, extra_scores, scores[need])
        items[need], scores[need] = filled, filled_scores
    if model is fallback:
        source[:] = MODEL
    return Picked(items, scores, because, source, ~known)


def _compact(values: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Move each row's valid entries (items >= 0) to the front, keeping their order."""
    order = np.argsort(items < 0, axis=1, kind="stable")
    return np.take_along_axis(values, order, axis=1)


def _complete(items, extra, extra_scores, scores):
    """Fill each row's -1 slots (at its end) with the first ``extra`` products not yet listed."""
    n = items.shape[1]
    listed = (extra[:, :, None] == items[:, None, :]).any(axis=2) | (extra < 0)
    order = np.argsort(listed, axis=1, kind="stable")
    fresh = np.take_along_axis(extra, order, axis=1)
    fresh_scores = np.take_along_axis(extra_scores, order, axis=1)
    fresh[np.take_along_axis(listed, order, axis=1)] = -1
    have = (items >= 0).sum(axis=1)
    slot = np.arange(n)[None, :] - have[:, None]  # index into fresh for each empty slot
    empty = slot >= 0
    r, c = np.nonzero(empty)
    items, scores = items.copy(), scores.copy()
    items[r, c] = fresh[r, slot[r, c]]
    scores[r, c] = np.where(items[r, c] >= 0, fresh_scores[r, slot[r, c]], 0.0)
    return items, scores

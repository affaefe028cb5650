"""The fallback: customers with too little history get their segment's top products, and a
list the method cannot fill is completed from them."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from segmentation.recommend.methods import make_method
from segmentation.recommend.pick import MODEL, SEGMENT, recommend_rows


def test_too_little_history_falls_back_and_short_lists_are_completed():
    rows = [[1, 1, 0, 0, 0], [1, 1, 0, 1, 0], [1, 0, 0, 1, 0], [0, 1, 0, 1, 0], [0, 0, 1, 0, 1]]
    rows.append([0, 0, 0, 0, 1])  # one product only: the fallback
    history = sp.csr_matrix(np.array(rows, dtype=np.float32))
    segments = np.array([1, 1, 1, 1, 2, 2])
    model = make_method("item-knn").fit(history, segments)
    fallback = make_method("segment-popular").fit(history, segments)
    picked = recommend_rows(
        model, fallback, np.arange(6), history, 2, exclude_bought=True, min_products=2
    )
    assert picked.fallback.tolist() == [False] * 5 + [True]
    # customer 0 bought 0 and 1; customers who bought 1 also bought 3
    assert (picked.items[0, 0], picked.because[0, 0], picked.source[0, 0]) == (3, 1, MODEL)
    # customer 5 gets segment 2's bestseller they have not bought: product 2
    assert (picked.items[5, 0], picked.source[5, 0]) == (2, SEGMENT)
    # nothing left to offer is left empty, not made up
    assert picked.items[4].tolist() == [-1, -1] and picked.items[0, 1] == -1

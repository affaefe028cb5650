"""The methods: both rankings agree, names are checked, ALS is seeded, the fallback completes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from segmentation.errors import InvalidParameterError
from segmentation.recommend import methods, read_rows, recommend
from segmentation.recommend.methods import make_method, top_in_chunks


def test_the_dense_and_the_sparse_ranking_agree(bundles, monkeypatch):
    monkeypatch.setattr(methods, "DENSE_SHARE", 0.0)  # every chunk ranked as a dense array
    dense = recommend(bundles, "r1", name="dense")
    monkeypatch.setattr(methods, "DENSE_WIDTH", 0)  # as a shop of more than 8,192 products
    sparse = recommend(bundles, "r1", name="sparse")
    assert sparse.evaluation == dense.evaluation
    pd.testing.assert_frame_equal(read_rows(bundles, "sparse"), read_rows(bundles, "dense"))


def test_item_knn_scores_the_products_bought_with_a_customers_own():
    # products 0 and 1 always together, 2 and 3 always together; customer 4 bought only 0
    rows = [[1, 1, 0, 0], [1, 1, 0, 0], [0, 0, 1, 1], [0, 0, 1, 1], [1, 0, 0, 0]]
    history = sp.csr_matrix(np.array(rows, dtype=np.float32))
    model = make_method("item-knn").fit(history, np.zeros(5, dtype=int))
    items, scores, because = top_in_chunks(model, np.array([4]), history, 3, True)
    assert items[0, 0] == 1 and because[0, 0] == 0 and scores[0, 0] > 0
    assert set(items[0, 1:]) == {-1}  # nothing else was ever bought with product 0


def test_popularity_skips_what_was_bought():
    history = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [1, 0, 1]], dtype=np.float32))
    model = make_method("popular").fit(history, np.zeros(3, dtype=int))
    items, scores, _ = top_in_chunks(model, np.array([0, 1]), history, 2, True)
    assert items.tolist() == [[2, -1], [1, 2]] and scores[1].tolist() == [1.0, 1.0]


def test_an_unknown_method_is_named():
    with pytest.raises(
        InvalidParameterError, match="'method' parameter must be one of item-knn, als"
    ):
        make_method("magic")

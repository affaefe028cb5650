"""The evaluation's figures on hand-made lists, and its protocol on a small shop."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from segmentation.recommend import evaluation_table, purchase_lines
from segmentation.recommend.evaluate import evaluate, score
from segmentation.recommend.matrix import load_interactions


def test_hit_rate_precision_recall_and_map_by_hand():
    targets = sp.csr_matrix(np.array([[1, 0, 1, 0], [0, 1, 0, 0], [0, 0, 0, 1]]))
    lists = np.array([[2, 1, 0], [3, 0, -1], [3, -1, -1]])
    s = score(lists, targets, "hand")
    # customer 1: hits at ranks 1 and 3 of 2 targets; customer 2: none; customer 3: rank 1
    assert s.hit_rate == pytest.approx(2 / 3)
    assert s.precision == pytest.approx((2 / 3 + 0 + 1 / 3) / 3)
    assert s.recall == pytest.approx((1 + 0 + 1) / 3)
    ap1 = (1 / 1 + 2 / 3) / 2
    assert s.map == pytest.approx((ap1 + 0 + 1) / 3)


def test_the_last_orders_new_products_are_the_targets(make_shop, tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(
        "customer,order,date,product,amount\n"
        "a,1,2024-01-01,x,1\na,1,2024-01-01,y,1\na,2,2024-02-01,x,1\na,2,2024-02-01,z,1\n"
        "b,3,2024-01-05,y,1\nb,4,2024-03-01,y,1\n"
        "c,5,2024-01-09,z,1\n"
    )
    ws = make_shop(path, k=2)
    data = load_interactions(ws, purchase_lines(ws, "r1"))
    assert list(data.customers) == ["a", "b", "c"] and list(data.products) == ["x", "y", "z"]
    # a: last order 2 holds x (bought before) and z (new): the target is z
    assert data.targets.toarray().tolist() == [[0, 0, 1], [0, 0, 0], [0, 0, 0]]
    assert data.train.toarray().tolist() == [[1, 1, 0], [0, 1, 0], [0, 0, 1]]
    assert data.full.toarray().tolist() == [[2, 1, 1], [0, 2, 0], [0, 0, 1]]
    ev = evaluate(data, "popular")
    assert ev.customers == 1  # b's last order holds nothing new; c has one order
    assert ev.method.hit_rate == 1.0  # z, bought by c, is the bestseller a has not bought


def test_the_evaluation_table_lists_the_method_then_the_baselines(bundles):
    from segmentation.recommend import recommend

    rec = recommend(bundles, "r1", method="als")
    table = evaluation_table(rec.evaluation, rec.method)
    assert list(table["method"]) == ["als", "popular", "segment-popular"]
    assert list(table.columns) == ["method", "hit_rate", "precision", "recall", "map"]

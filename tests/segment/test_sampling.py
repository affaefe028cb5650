"""The one home of sampling: random rows and the stratified samplers sharing one allocation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_blobs

from segmentation.segment.sampling import (
    allocate,
    random_rows,
    sample_by_segment,
    sample_feature_space,
    sample_strata,
)


def test_sample_feature_space_keeps_small_regions():
    X, truth = make_blobs([5000, 20], centers=[[0, 0], [30, 30]], random_state=0)
    rows = sample_feature_space(X, 200, seed=0)
    assert len(rows) == 200 and len(np.unique(rows)) == 200
    assert (truth[rows] == 1).sum() >= 5  # a proportional sample would hold about one
    np.testing.assert_array_equal(rows, sample_feature_space(X, 200, seed=0))


def test_sample_by_segment_keeps_small_segments():
    ids = np.array([1] * 9_000 + [2] * 990 + [3] * 10)
    rows = sample_by_segment(ids, 500, seed=0)
    assert len(rows) == 500 and len(np.unique(rows)) == 500
    counts = pd.Series(ids[rows]).value_counts()
    assert counts[3] == 10  # the whole small segment
    assert counts[1] > counts[2] > counts[3]
    assert (sample_by_segment(ids, 500, seed=0) == rows).all()
    assert len(sample_by_segment(ids, 20_000)) == len(ids)


def test_allocate_gives_floors_then_proportional_shares():
    assert allocate(np.array([90, 10]), 20, floor_cap=50, floor_min=1).tolist() == [14, 6]
    assert allocate(np.array([90, 10]), 20, floor_cap=10).sum() == 20
    assert allocate(np.array([5, 3, 1]), 2, floor_cap=50, floor_min=1).tolist() == [1, 1, 0]


def test_sample_strata_draws_within_every_stratum():
    strata = np.repeat([0, 1], [990, 10])
    rows = sample_strata(strata, 100, seed=0)
    assert len(rows) == 100 and (strata[rows] == 1).sum() >= 10


def test_random_rows_are_sorted_distinct_and_seeded():
    rows = random_rows(1_000, 10, 3)
    assert rows.tolist() == sorted(set(rows.tolist())) and len(rows) == 10
    assert (random_rows(1_000, 10, 3) == rows).all()

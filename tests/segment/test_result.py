"""The fitted result and models every algorithm shares."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.segment.result import (
    FitResult,
    NearestCentroidModel,
    RelabelledModel,
    check_matrix,
    relabel_by_size,
    within_ss,
)


class _Fixed:
    n_features_in_ = 1

    def predict(self, X):
        return np.asarray(X[:, 0] > 0, dtype=np.int64)


def test_relabel_by_size_numbers_the_largest_segment_zero():
    labels, order = relabel_by_size(np.array([2, 2, 2, 0, 1, 1, -1]), 3)
    assert labels.tolist() == [0, 0, 0, 2, 1, 1, -1]
    assert order.tolist() == [2, 1, 0]


def test_a_relabelled_model_predicts_the_new_ids_and_pickles():
    model = RelabelledModel(_Fixed(), np.array([1, 0]))
    X = np.array([[-1.0], [1.0]])
    assert model.predict(X).tolist() == [1, 0]
    centroid = pickle.loads(pickle.dumps(NearestCentroidModel(np.array([[0.0], [5.0]]))))
    assert centroid.predict(np.array([[4.0]])).tolist() == [1] and centroid.n_features_in_ == 1


def test_fit_result_counts_segments_without_noise():
    result = FitResult(np.array([0, 1, -1]), None, None, None, None, [], {})
    assert result.n_segments == 2


def test_within_ss_and_check_matrix():
    assert within_ss(np.array([[0.0], [2.0], [5.0]]), np.array([0, 0, -1])) == 2.0
    with pytest.raises(InvalidParameterError, match="missing or infinite values"):
        check_matrix([[np.nan, 1.0]])

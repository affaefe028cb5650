"""RFM scoring: quintiles of average ranks, the R x FM grid, and its named segments."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.segment.fit import assign
from segmentation.segment.rfm import (
    ACTIONS,
    GRID,
    SEGMENTS,
    fit_rfm,
    rfm_scores,
    score,
    segment_id,
    segment_name,
)


@pytest.fixture
def customers() -> pd.DataFrame:
    """Ten customers with distinct values: scores go 5,5,4,4,...,1,1 (R) and 1,1,...,5,5."""
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(10)],
            "days": [1, 3, 8, 15, 30, 60, 90, 180, 365, 700],
            "orders": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
            "revenue": [10.0, 20, 30, 40, 50, 60, 70, 80, 90, 100],
        }
    )


def test_scores_of_a_hand_made_example(customers):
    scores = rfm_scores(customers["days"], customers["orders"], customers["revenue"])
    assert scores["R"].tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]
    assert scores["F"].tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    assert scores["M"].tolist() == scores["F"].tolist()
    assert scores["RFM"].tolist()[:3] == ["511", "511", "422"]
    assert scores["segment"].tolist() == [
        "New Customers",
        "New Customers",
        "Potential Loyalists",
        "Potential Loyalists",
        "Need Attention",
        "Need Attention",
        "At Risk",
        "At Risk",
        "Cannot Lose Them",
        "Cannot Lose Them",
    ]
    assert scores["segment_id"].tolist()[0] == SEGMENTS.index("New Customers") + 1  # 1-based
    assert list(scores.columns) == ["R", "F", "M", "FM", "RFM", "segment", "segment_id"]


def test_scores_follow_the_mid_rank_rule():
    # average ranks 1, 2.5, 2.5, 4, 5 of 5 -> ceil(5 * (rank - 0.5) / 5) = 1, 2, 2, 4, 5
    assert score([10, 20, 20, 30, 40]).tolist() == [1, 2, 2, 4, 5]
    assert score([10, 20, 20, 30, 40], reverse=True).tolist() == [5, 3, 3, 2, 1]
    assert score([7, 7, 7]).tolist() == [3, 3, 3]
    assert score(np.arange(100)).tolist() == np.repeat([1, 2, 3, 4, 5], 20).tolist()


def test_ties_get_equal_scores():
    frequency = [1] * 6 + [2, 3, 4, 5]
    scores = rfm_scores(np.arange(10), frequency, np.arange(10))
    assert scores["F"].iloc[:6].nunique() == 1
    assert scores["F"].iloc[0] == 2  # the six share the average rank 3.5: ceil(5 * 3 / 10)
    assert scores["F"].tolist()[6:] == [4, 4, 5, 5]


def test_fm_is_the_mean_rounded_half_up():
    scores = rfm_scores([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], [2, 1, 4, 3, 5])
    assert list(zip(scores["F"], scores["M"], scores["FM"], strict=True)) == [
        (1, 2, 2),
        (2, 1, 2),
        (3, 4, 4),
        (4, 3, 4),
        (5, 5, 5),
    ]


def test_every_grid_cell_maps_to_exactly_one_of_the_eleven_names():
    cells = set(itertools.product(range(1, 6), repeat=2))
    assert set(GRID) == cells and len(GRID) == 25
    assert len(SEGMENTS) == 11 and len(set(SEGMENTS)) == 11
    assert set(GRID.values()) == set(SEGMENTS)
    assert GRID[(5, 5)] == "Champions" and GRID[(1, 1)] == "Lost"
    assert GRID[(5, 1)] == "New Customers" and GRID[(1, 5)] == "Cannot Lose Them"


def test_every_segment_has_an_action():
    assert set(ACTIONS) == set(SEGMENTS)
    assert all(action.strip() for action in ACTIONS.values())


def test_missing_values_score_one():
    scores = rfm_scores([1.0, None, 3, 4], [4, 3, np.nan, 1], [10, 20, 30, 40])
    assert scores["R"].iloc[1] == 1 and scores["F"].iloc[2] == 1


def test_recency_index_is_kept():
    recency = pd.Series([5, 6, 7], index=["a", "b", "c"])
    assert rfm_scores(recency, [1, 2, 3], [1, 2, 3]).index.tolist() == ["a", "b", "c"]


def test_fit_rfm_reads_columns_by_name(customers):
    result = fit_rfm(customers, recency="days", frequency="orders", monetary="revenue")
    scores = result.extra["scores"]
    assert result.labels.tolist() == (scores["segment_id"] - 1).tolist()  # labels: id - 1
    assert result.extra["names"] == dict(enumerate(SEGMENTS))
    assert result.centers is None and result.sample_size is None
    assert result.algorithm == "rfm" and "quintile" in result.notes[0]


def test_fit_rfm_notes_missing_values(customers):
    customers.loc[2, "revenue"] = np.nan
    result = fit_rfm(customers, recency="days", frequency="orders", monetary="revenue")
    assert result.notes[-1] == "Missing values score 1 (the worst): 1 without revenue."


def test_assign_scores_new_customers_against_the_fitted_ones(customers):
    result = fit_rfm(customers, recency="days", frequency="orders", monetary="revenue")
    new = pd.DataFrame({"days": [0, 1000], "orders": [50, 1], "revenue": [500.0, 1.0]})
    names = [SEGMENTS[i] for i in assign(result, new)]
    assert names == ["Champions", "Lost"]
    np.testing.assert_array_equal(assign(result, customers), result.labels)


def test_fit_rfm_names_a_missing_column(customers):
    pattern = r"The 'recency' parameter must be a column of the customer table \(customer_id, "
    with pytest.raises(InvalidParameterError, match=pattern + r".*Got 'recency_days' instead"):
        fit_rfm(customers)


def test_fit_rfm_rejects_an_all_missing_column(customers):
    customers["orders"] = np.nan
    with pytest.raises(InvalidParameterError, match="'orders' column has no values"):
        fit_rfm(customers, recency="days", frequency="orders", monetary="revenue")


def test_rfm_needs_three_customers():
    with pytest.raises(InvalidParameterError, match="at least 3 customers. Got 2 instead"):
        rfm_scores([1, 2], [1, 2], [1, 2])


def test_rfm_rejects_text_and_unequal_lengths():
    with pytest.raises(InvalidParameterError, match="'monetary' column must hold numbers"):
        rfm_scores([1, 2, 3], [1, 2, 3], ["a", "b", "c"])
    with pytest.raises(InvalidParameterError, match=r"same length. Got \[3, 4\]"):
        rfm_scores([1, 2, 3], [1, 2, 3, 4], [1, 2, 3])


def test_segment_ids_are_1_based_like_a_runs():
    assert segment_id("Champions") == 1 and segment_name(len(SEGMENTS)) == "Lost"
    assert all(segment_name(segment_id(name)) == name for name in SEGMENTS)
    with pytest.raises(
        InvalidParameterError, match=r"'segment_id' parameter must be an int in the range \[1, 11\]"
    ):
        segment_name(0)


def test_a_text_column_error_names_no_customer_value():
    with pytest.raises(InvalidParameterError, match="must hold numbers") as info:
        rfm_scores([1, 2, 3], [1, 2, 3], ["secret-a", "b", "c"])
    assert "secret" not in str(info.value)

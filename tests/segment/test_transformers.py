"""The transformers of a preparation pipeline: cleaning, clipping, weights."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer

from segmentation.errors import InvalidParameterError
from segmentation.segment.transformers import (
    ColumnWeights,
    FillMissing,
    FrameCleaner,
    PercentileClip,
    category_name,
    log1p_nonnegative,
)


def test_frame_cleaner_makes_floats_and_strings_and_names_missing_columns():
    frame = pd.DataFrame({"n": [1, np.inf], "c": ["a", None]})
    cleaned = FrameCleaner(numeric=["n"], categorical=["c"]).fit(frame).transform(frame)
    assert cleaned["n"].tolist()[0] == 1.0 and np.isnan(cleaned["n"].tolist()[1])
    assert cleaned["c"].tolist()[0] == "a" and pd.isna(cleaned["c"].tolist()[1])
    with pytest.raises(InvalidParameterError, match="lacks the column"):
        FrameCleaner(numeric=["other"]).fit(frame).transform(frame)


def test_clip_weights_log_and_category_names():
    X = np.arange(101, dtype=float)[:, None]
    clipped = PercentileClip(lower=0.1, upper=0.9).fit(X).transform(X)
    assert clipped.min() == 10 and clipped.max() == 90
    assert ColumnWeights(factors=[2.0]).fit(X).transform(X)[3, 0] == 6.0
    assert log1p_nonnegative(np.array([-5.0, 0.0])).tolist() == [0.0, 0.0]
    assert category_name("country", "DE") == "country_DE"


@pytest.mark.parametrize("strategy", ["median", "mean", "most_frequent"])
def test_fill_missing_equals_simple_imputer(strategy):
    rng = np.random.default_rng(4)
    X = np.round(rng.lognormal(size=(5001, 4)), 1)  # rounded: ties for the most frequent value
    X[rng.random(X.shape) < 0.2] = np.nan
    X[:, 3] = np.where(np.isnan(X[:, 3]), np.nan, 7.0)  # one value only
    ours, theirs = FillMissing(strategy=strategy).fit(X), SimpleImputer(strategy=strategy).fit(X)
    np.testing.assert_allclose(ours.statistics_, theirs.statistics_, rtol=1e-12)
    new = np.array([[np.nan, 1.0, np.nan, np.nan]])
    np.testing.assert_allclose(ours.transform(new), theirs.transform(new), rtol=1e-12)
    assert not np.isnan(ours.transform(X)).any()


def test_fill_missing_refuses_an_unknown_strategy():
    with pytest.raises(ValueError, match="Unknown strategy 'knn'"):
        FillMissing(strategy="knn").fit([[1.0]])

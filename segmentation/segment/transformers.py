"""The small transformers of a preparation pipeline (module level, so that a fitted pipeline pickles).

Stored runs pickle these classes by module path; ``store.load_model`` maps the paths they had
before (``segmentation.preprocess``, ``segmentation.segment.preprocess``) to this module.

>>> import pandas as pd
>>> FrameCleaner(numeric=["a"]).fit_transform(pd.DataFrame({"a": [1, float("inf")]}))["a"].tolist()
[1.0, nan]
>>> category_name("country", "infrequent_sklearn")
'country_other'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import validate_data

from ..errors import InvalidParameterError

OTHER = "other"  # the one-hot column of rare (and unseen) categories


class FrameCleaner(TransformerMixin, BaseEstimator):
    """Selects the columns: numeric ones as float64 with inf as NaN, text ones as str or NaN."""

    def __init__(self, *, numeric: Sequence[str] = (), categorical: Sequence[str] = ()):
        self.numeric = numeric
        self.categorical = categorical

    def fit(self, X: pd.DataFrame, y: object = None) -> FrameCleaner:
        self.n_features_in_ = len(self.numeric) + len(self.categorical)
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in [*self.numeric, *self.categorical] if c not in X.columns]
        if missing:
            raise InvalidParameterError(
                f"The data lacks the column(s) {missing} that the preparation was fitted on; "
                "add them or prepare the features again."
            )
        columns = {c: finite_floats(X[c]) for c in self.numeric}
        columns |= {c: strings(X[c]) for c in self.categorical}
        return pd.DataFrame(columns, index=X.index)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([*self.numeric, *self.categorical], dtype=object)


class PercentileClip(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Clips each column to its fitted percentiles (``lower``, ``upper`` in [0, 1]); NaN kept."""

    def __init__(self, *, lower: float = 0.01, upper: float = 0.99):
        self.lower = lower
        self.upper = upper

    def fit(self, X: Any, y: object = None) -> PercentileClip:
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        self.bounds_ = np.nanquantile(X, [self.lower, self.upper], axis=0)
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False)
        return np.clip(X, self.bounds_[0], self.bounds_[1])


class ColumnWeights(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Multiplies output column ``j`` by ``factors[j]`` (a weight 0 removes its influence)."""

    def __init__(self, *, factors: Sequence[float] = ()):
        self.factors = factors

    def fit(self, X: Any, y: object = None) -> ColumnWeights:
        validate_data(self, X, dtype=np.float64)
        if len(self.factors) != self.n_features_in_:
            raise ValueError(f"{len(self.factors)} factors for {self.n_features_in_} columns.")
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return X * np.asarray(self.factors, dtype=np.float64)


class FillMissing(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Fills missing values of each column with its fitted median, mean or most frequent value.

    The statistics equal ``SimpleImputer``'s (same ``statistics_``; ties of the most frequent
    value go to the smallest), found without its masked-array sort: the median of 446k values
    takes 5 ms by partition instead of 55 ms. A column with no value at all keeps NaN (the
    preparation drops such columns before).

    >>> FillMissing().fit([[1.0], [float("nan")], [5.0], [2.0]]).transform([[float("nan")]])
    array([[2.]])
    """

    def __init__(self, *, strategy: str = "median"):
        self.strategy = strategy

    def fit(self, X: Any, y: object = None) -> FillMissing:
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        if self.strategy not in ("median", "mean", "most_frequent"):
            raise ValueError(f"Unknown strategy {self.strategy!r}.")
        self.statistics_ = np.array([_statistic(X[:, j], self.strategy) for j in range(X.shape[1])])
        return self

    def transform(self, X: Any) -> np.ndarray:
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False)
        return np.where(np.isnan(X), self.statistics_, X)


def _statistic(values: np.ndarray, strategy: str) -> float:
    values = values[~np.isnan(values)]
    if not len(values):
        return np.nan
    if strategy == "median":
        return float(np.median(values))
    if strategy == "mean":
        return float(np.mean(values))
    distinct, counts = np.unique(values, return_counts=True)
    return float(distinct[np.argmax(counts)])  # the smallest of the most frequent


def log1p_nonnegative(X: Any) -> np.ndarray:
    """``log1p`` after clipping negatives at 0 (NaN kept)."""
    return np.log1p(np.clip(np.asarray(X, dtype=np.float64), 0.0, None))


def category_name(feature: str, category: object) -> str:
    """One-hot column name: ``country_DE``; the rare group is ``country_other``."""
    return f"{feature}_{OTHER if category == 'infrequent_sklearn' else category}"


def finite_floats(column: pd.Series) -> np.ndarray:
    """A column as float64 with inf (and missing values) as NaN."""
    values = column.to_numpy(dtype=np.float64, na_value=np.nan)
    return np.where(np.isfinite(values), values, np.nan)


def strings(column: pd.Series) -> pd.Series:
    """A column as str, missing values as NaN."""
    return column.astype(object).where(column.notna(), np.nan).map(str, na_action="ignore")

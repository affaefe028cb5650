"""Classic RFM segmentation: quintile scores and 11 named segments, no machine learning.

Each customer gets three scores from 1 to 5:

- **R** (recency): fewer days since the last purchase scores higher;
- **F** (frequency) and **M** (monetary): more scores higher.

A score is the quintile of the customer's mid-rank percentile, ``ceil(5 * (rank - 0.5) / n)``
(at least 1), where ``rank`` is the *average* rank (1..n) among the ``n`` customers with a value.
Tie rule: equal values share the average of their ranks, so they always get the same score (all
equal: 3). A missing value scores 1 (the worst: no known purchase). ``FM`` is the mean of F and M
rounded half up, and the segment is read from this grid of R (rows) by FM (columns), which names
every one of the 25 cells exactly once:

=====  ==============  ===================  ===================  ===============  ================
R      FM = 1          FM = 2               FM = 3               FM = 4           FM = 5
=====  ==============  ===================  ===================  ===============  ================
5      New Customers   Potential Loyalists  Potential Loyalists  Champions        Champions
4      Promising       Potential Loyalists  Potential Loyalists  Champions        Champions
3      About to Sleep  About to Sleep       Need Attention       Loyal Customers  Loyal Customers
2      Hibernating     Hibernating          At Risk              At Risk          Cannot Lose Them
1      Lost            Lost                 At Risk              At Risk          Cannot Lose Them
=====  ==============  ===================  ===================  ===============  ================

``segment_id`` is 1 + the segment's position in :data:`SEGMENTS` (Champions is 1, Lost is 11),
the same in every run and the same as the run's ``segment_id``; a :class:`FitResult`'s labels are
``segment_id - 1``, as every algorithm's are.

>>> scores = rfm_scores([5, 40, 90, 200, 400], [9, 5, 3, 2, 1], [900, 400, 150, 80, 20])
>>> scores["RFM"].tolist()
['555', '444', '333', '222', '111']
>>> scores["segment"].tolist()
['Champions', 'Champions', 'Need Attention', 'Hibernating', 'Lost']
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, param_error
from .result import MIN_CUSTOMERS, FitResult

SEGMENTS: tuple[str, ...] = (
    "Champions",
    "Loyal Customers",
    "Potential Loyalists",
    "New Customers",
    "Promising",
    "Need Attention",
    "About to Sleep",
    "At Risk",
    "Cannot Lose Them",
    "Hibernating",
    "Lost",
)

# R score -> segment for FM = 1..5 (the table of the module docstring).
_GRID_ROWS: dict[int, tuple[str, str, str, str, str]] = {
    5: ("New Customers", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"),
    4: ("Promising", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"),
    3: ("About to Sleep", "About to Sleep", "Need Attention", "Loyal Customers", "Loyal Customers"),
    2: ("Hibernating", "Hibernating", "At Risk", "At Risk", "Cannot Lose Them"),
    1: ("Lost", "Lost", "At Risk", "At Risk", "Cannot Lose Them"),
}
GRID: dict[tuple[int, int], str] = {
    (r, fm): name for r, row in _GRID_ROWS.items() for fm, name in enumerate(row, start=1)
}

ACTIONS: dict[str, str] = {
    "Champions": "Reward them: early access, loyalty perks, ask for reviews and referrals.",
    "Loyal Customers": "Upsell higher-value products and invite them to the loyalty programme.",
    "Potential Loyalists": "Nurture: membership offers and recommendations to build the habit.",
    "New Customers": "Onboard: a warm welcome, help with the first use, a reason to come back.",
    "Promising": "Build awareness: brand stories and a small first-repeat incentive.",
    "Need Attention": "Re-engage with limited-time offers based on what they bought before.",
    "About to Sleep": "Reactivate with popular products and a reminder before they drift away.",
    "At Risk": "Win back with personal e-mails, renewals and helpful reminders.",
    "Cannot Lose Them": "Win back at any cost: personal contact, their favourite products, a "
    "strong offer.",
    "Hibernating": "Offer relevant products and special discounts; otherwise keep costs low.",
    "Lost": "Let go, or try one low-cost reactivation campaign; do not spend much.",
}

QUINTILES = 5


def segment_id(name: str) -> int:
    """The segment id of an RFM segment (1-based, as a run's).

    >>> segment_id("Champions"), segment_id("Lost")
    (1, 11)
    """
    return SEGMENTS.index(name) + 1


def segment_name(segment_id: int) -> str:
    """The RFM segment of a segment id (1-based, as a run's).

    >>> segment_name(1)
    'Champions'
    """
    if not 1 <= segment_id <= len(SEGMENTS):
        raise param_error("segment_id", f"an int in the range [1, {len(SEGMENTS)}]", segment_id)
    return SEGMENTS[segment_id - 1]


def score(values: object, *, reverse: bool = False) -> np.ndarray:
    """Quintile scores 1-5 of ``values`` (``reverse``: smaller values score higher).

    Ties share their average rank, so equal values get equal scores; missing values score 1.

    >>> score([10, 20, 20, 30, 40]).tolist()
    [1, 2, 2, 4, 5]
    """
    values = _numeric(values, "values")
    return _score_against(np.sort(_oriented(values, reverse)[~np.isnan(values)]), values, reverse)


def rfm_scores(recency: object, frequency: object, monetary: object) -> pd.DataFrame:
    """R, F, M scores (1-5), FM, the RFM code ("555"), the segment name and its stable id.

    ``recency`` is days since the last purchase (lower is better); the index of a pandas Series
    given as ``recency`` is kept.
    """
    columns = {
        "recency": _numeric(recency, "recency"),
        "frequency": _numeric(frequency, "frequency"),
        "monetary": _numeric(monetary, "monetary"),
    }
    _check_columns(columns)
    index = recency.index if isinstance(recency, pd.Series) else None
    return RfmModel.fit(columns).scores(columns, index)


def fit_rfm(
    frame: pd.DataFrame,
    recency: str = "recency_days",
    frequency: str = "frequency",
    monetary: str = "monetary",
) -> FitResult:
    """RFM segments of a customer table as a :class:`~segmentation.algorithms.FitResult`.

    ``labels`` are segment ids - 1 (positions in :data:`SEGMENTS`, so not every one need occur),
    as every algorithm's labels are; ``extra["names"]`` maps every label to its name and
    ``extra["scores"]`` holds :func:`rfm_scores` (with the 1-based ``segment_id``).
    The model scores new customers against these customers' values (``assign``).
    """
    if not isinstance(frame, pd.DataFrame):
        raise param_error("frame", "a pandas DataFrame of customers", type(frame).__name__)
    names = {"recency": recency, "frequency": frequency, "monetary": monetary}
    for argument, column in names.items():
        if column not in frame.columns:
            available = ", ".join(map(str, list(frame.columns)[:20]))
            raise param_error(argument, f"a column of the customer table ({available})", column)
    columns = {key: _numeric(frame[column], column) for key, column in names.items()}
    _check_columns(columns, names)
    scorer = RfmModel.fit(columns, names)
    scores = scorer.scores(columns, frame.index)
    notes = [
        "RFM: quintile scores of average percentile ranks (equal values get equal scores); "
        "segments from the R x FM grid."
    ]
    missing = {names[k]: int(np.isnan(v).sum()) for k, v in columns.items() if np.isnan(v).any()}
    if missing:
        listed = ", ".join(f"{count:,} without {col}" for col, count in missing.items())
        notes.append(f"Missing values score 1 (the worst): {listed}.")
    return FitResult(
        labels=scores["segment_id"].to_numpy(dtype=np.int64) - 1,
        probabilities=None,
        centers=None,
        model=scorer,
        sample_size=None,
        notes=notes,
        extra={"names": dict(enumerate(SEGMENTS)), "scores": scores},  # by label
        algorithm="rfm",
        params={},
    )


def rfm_frame(data: object) -> pd.DataFrame:
    """A DataFrame as :func:`fit_rfm` reads it: a DataFrame as it is, or a 3-column matrix of
    recency, frequency and monetary value."""
    if isinstance(data, pd.DataFrame):
        return data
    matrix = np.asarray(data)
    if matrix.ndim != 2 or matrix.shape[1] != 3:
        rule = "a customer table, or a matrix of recency, frequency and monetary (3 columns)"
        raise param_error("X", rule, f"shape {matrix.shape}")
    return pd.DataFrame(matrix, columns=["recency_days", "frequency", "monetary"])


@dataclass
class RfmModel:
    """Scores against fitted customers' sorted values; ``predict`` gives labels (segment id - 1)."""

    references: dict[str, np.ndarray]  # sorted, oriented so that larger is better
    columns: dict[str, str]  # "recency"/"frequency"/"monetary" -> column name in a frame
    takes_frame = True

    @classmethod
    def fit(cls, columns: dict[str, np.ndarray], names: dict[str, str] | None = None):
        references = {
            key: np.sort(_oriented(v, key == "recency")[~np.isnan(v)]) for key, v in columns.items()
        }
        default = {"recency": "recency_days", "frequency": "frequency", "monetary": "monetary"}
        return cls(references, names or default)

    def scores(self, columns: dict[str, np.ndarray], index: pd.Index | None) -> pd.DataFrame:
        r, f, m = (
            _score_against(self.references[key], columns[key], key == "recency")
            for key in ("recency", "frequency", "monetary")
        )
        fm = (f + m + 1) // 2  # mean rounded half up
        names = [GRID[(a, b)] for a, b in zip(r.tolist(), fm.tolist(), strict=True)]
        frame = pd.DataFrame({"R": r, "F": f, "M": m, "FM": fm}, index=index)
        frame["RFM"] = [f"{a}{b}{c}" for a, b, c in zip(r, f, m, strict=True)]
        frame["segment"] = names
        frame["segment_id"] = np.array([segment_id(n) for n in names], dtype=np.int64)
        return frame

    def predict(self, data: object) -> np.ndarray:
        frame = rfm_frame(data)
        renamed = {"recency_days": "recency", "frequency": "frequency", "monetary": "monetary"}
        if isinstance(data, pd.DataFrame):
            renamed = {column: key for key, column in self.columns.items()}
        missing = [column for column in renamed if column not in frame.columns]
        if missing:
            raise param_error("X_new", f"a table with the columns {list(renamed)}", missing)
        columns = {key: _numeric(frame[column], column) for column, key in renamed.items()}
        return self.scores(columns, None)["segment_id"].to_numpy() - 1


def _score_against(reference: np.ndarray, values: np.ndarray, reverse: bool) -> np.ndarray:
    """``ceil(5 * (average rank - 0.5) / n)`` of each value among the sorted ``reference``,
    clipped to 1..5; NaN -> 1.

    Computed in integers: the average rank of v is ``below + (equal + 1) / 2``, so twice the
    mid-rank ``rank - 0.5`` is ``2 * below + equal``.
    """
    out = np.ones(len(values), dtype=np.int64)
    present = ~np.isnan(values)
    oriented = _oriented(values[present], reverse)
    below = np.searchsorted(reference, oriented, side="left")
    equal = np.searchsorted(reference, oriented, side="right") - below
    n = max(len(reference), 1)
    twice_mid_rank = 2 * below + equal
    out[present] = np.clip(-(-QUINTILES * twice_mid_rank // (2 * n)), 1, QUINTILES)
    return out


def _oriented(values: np.ndarray, reverse: bool) -> np.ndarray:
    return -values if reverse else values


def _numeric(values: object, name: str) -> np.ndarray:
    series = values if isinstance(values, pd.Series) else pd.Series(np.asarray(values).ravel())
    try:
        return pd.to_numeric(series, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as e:  # the message names no customer's value
        text = int((pd.to_numeric(series, errors="coerce").isna() & series.notna()).sum())
        raise InvalidParameterError(
            f"The {name!r} column must hold numbers. Got {text:,} values that are not numbers."
        ) from e


def _check_columns(columns: dict[str, np.ndarray], names: dict[str, str] | None = None) -> None:
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise InvalidParameterError(
            f"recency, frequency and monetary must have the same length. Got {sorted(lengths)}."
        )
    n = lengths.pop()
    if n < MIN_CUSTOMERS:
        raise InvalidParameterError(
            f"RFM scoring needs at least {MIN_CUSTOMERS} customers. Got {n} instead."
        )
    for key, values in columns.items():
        if np.isnan(values).all():
            column = (names or {}).get(key, key)
            raise InvalidParameterError(
                f"The {column!r} column has no values (all {n} are missing); RFM needs it."
            )

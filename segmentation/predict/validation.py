"""How good were the predictions on data the model did not see (the holdout after the
calibration end)? Totals, by number of repeat orders in calibration, week by week, and each
customer's error against a naive baseline, with captions a marketer can read.

>>> caption_total(1240.0, 1310, "13 weeks", date(1997, 9, 30))
'The model expected 1,240 repeat orders in the 13 weeks after 30 Sep 1997; there were 1,310: it under-predicted by 5%.'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

from .fitting import distinct_rows

MAX_GROUP = 7  # the last group of the by-frequency table is "7+"


@dataclass(frozen=True)
class Validation:
    """Actual against predicted repeat orders in the holdout."""

    start: date
    end: date
    actual_orders: int
    predicted_orders: float
    by_frequency: pd.DataFrame  # repeat_orders, customers, actual, predicted (means per customer)
    cumulative: pd.DataFrame  # week, day, actual, predicted (cumulated)
    mae_model: float
    mae_naive: float
    captions: list[str] = field(default_factory=list)

    def detail(self) -> dict:
        """Everything the page shows, as JSON-ready data (kept with a stored prediction)."""
        return {
            **self.to_dict(),
            "by_frequency": self.by_frequency.to_dict(orient="list"),
            "cumulative": self.cumulative.to_dict(orient="list"),
            "mae_model": self.mae_model,
            "mae_naive": self.mae_naive,
            "captions": list(self.captions),
        }

    def to_dict(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "actual_orders": self.actual_orders,
            "predicted_orders": round(self.predicted_orders, 2),
        }


def _span_words(days: int) -> str:
    if days % 7 == 0:
        weeks = days // 7
        return f"{weeks} week" + ("s" if weeks != 1 else "")
    return f"{days} days"


def caption_total(predicted: float, actual: int, span: str, after: date) -> str:
    off = (predicted - actual) / actual if actual else math.inf
    if actual and abs(off) < 0.005:
        verdict = "spot on"
    elif not actual:
        verdict = "there were none to compare with"
    else:
        word = "over" if off > 0 else "under"
        verdict = f"it {word}-predicted by {abs(off):.0%}"
    return (
        f"The model expected {predicted:,.0f} repeat orders in the {span} after "
        f"{after.day} {after:%b %Y}; there were {actual:,}: {verdict}."
    )


def validate(model, summary, unit_days: float) -> Validation:
    """Compare the model's expectations for the holdout with what happened in it."""
    end, last = summary.observation_end, summary.holdout_end
    days = (last - end).days
    length = days / unit_days
    x, t_x, T = (
        v / d
        for v, d in ((summary.frequency, 1.0), (summary.recency, unit_days), (summary.T, unit_days))
    )
    (ux, ut, uT), inverse, counts = distinct_rows(x, t_x, T)
    predicted = model.expected_orders(length, ux, ut, uT)[inverse]
    actual = summary.holdout_orders
    with np.errstate(divide="ignore", invalid="ignore"):
        naive = np.where(T > 0, x / T, 0.0) * length
    group = np.minimum(x, MAX_GROUP).astype(int)
    frame = pd.DataFrame({"group": group, "actual": actual, "predicted": predicted})
    by = frame.groupby("group").agg(
        customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
    )
    by = by.reset_index()
    by.insert(0, "repeat_orders", [f"{g}+" if g == MAX_GROUP else str(g) for g in by["group"]])
    by = by.drop(columns="group")
    weeks = max(1, math.ceil(days / 7))
    per_day = np.zeros(days + 1)
    for day, n in (summary.holdout_days or {}).items():
        if day <= days:
            per_day[day] += n
    cumulated = np.cumsum(per_day)
    rows = []
    for week in range(1, weeks + 1):
        upto = min(7 * week, days)
        expected = float(counts @ model.expected_orders(upto / unit_days, ux, ut, uT))
        rows.append((week, upto, float(cumulated[upto]), expected))
    cumulative = pd.DataFrame(rows, columns=["week", "day", "actual", "predicted"])
    total_actual, total_predicted = int(actual.sum()), float(predicted.sum())
    mae_model = float(np.mean(np.abs(predicted - actual)))
    mae_naive = float(np.mean(np.abs(naive - actual)))
    better = "better" if mae_model < mae_naive else "worse"
    captions = [
        caption_total(total_predicted, total_actual, _span_words(days), end),
        f"Per customer, the model was off by {mae_model:.2f} orders on average; repeating each "
        f"customer's own past rate was off by {mae_naive:.2f}: the model did {better}.",
    ]
    return Validation(
        start=end + timedelta(days=1),
        end=last,
        actual_orders=total_actual,
        predicted_orders=total_predicted,
        by_frequency=by,
        cumulative=cumulative,
        mae_model=mae_model,
        mae_naive=mae_naive,
        captions=captions,
    )

"""One prediction from a transactions table: summary, fits, per-customer outputs, validation,
stored in the workspace with its recipe.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> p = predict_table(ws, "cdnow", unit="week", calibration_end=date(1997, 9, 30))  # doctest: +SKIP
>>> p.to_dict()["params"]  # doctest: +SKIP
{'r': 0.243, 'alpha': 4.414, 'a': 0.793, 'b': 2.426}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, param_error
from ..progress import Progress, reporter
from ..workspace import Workspace
from .expectations import active_rate, expected_orders, p_alive
from .fitting import distinct_rows
from .models import ORDER_MODELS, GammaGammaModel
from .score import Scores, group_totals, log_gradient, score_customers, value_log_gradient
from .store import (
    json_safe,
    next_prediction_id,
    prediction_customers,
    read_prediction,
    save_prediction,
)
from .summary import UNITS, CustomerSummary, customer_summary
from .validation import Validation, validate

DEFAULT_HORIZON_DAYS = 365.0
DEFAULT_DISCOUNT_RATE = 0.10


@dataclass
class Prediction:
    """A prediction: what was fitted, every customer's outputs, the holdout check."""

    prediction_id: str
    name: str
    table: str
    model: str
    unit: str
    horizon: float
    discount_rate: float
    summary: CustomerSummary
    orders_model: Any
    spend_model: GammaGammaModel
    scores: Scores
    holdout: Validation | None
    warnings: list[str] = field(default_factory=list)

    @property
    def customers(self) -> pd.DataFrame:
        return self.scores.table

    def to_dict(self) -> dict[str, Any]:
        """The object `segment --json predict` prints."""
        spend = self.spend_model
        out: dict[str, Any] = {
            "prediction_id": self.prediction_id,
            "table": self.table,
            "model": self.model,
            "unit": self.unit,
            "observation_end": self.summary.observation_end.isoformat(),
            "customers": self.summary.customers,
            "repeat_customers": self.summary.repeat_customers,
            "params": {k: _digits(v) for k, v in self.orders_model.params_.items()},
            "log_likelihood": round(self.orders_model.log_likelihood_, 4),
            "spend": {
                **{k: round(v, 6) for k, v in spend.params_.items()},
                "customers": spend.n_customers_,
            },
        }
        if self.holdout is not None:
            out["holdout"] = self.holdout.to_dict()
        out["warnings"] = list(self.warnings)
        return json_safe(out)


def _digits(value: float) -> float:
    """Seven significant digits (3.059023e-07 stays itself, not 0.0)."""
    return float(f"{value:.7g}")


def _check(model: str, unit: str, horizon, discount_rate) -> None:
    if model not in ORDER_MODELS:
        raise param_error("model", f"one of {', '.join(ORDER_MODELS)}", model)
    if unit not in UNITS:
        raise param_error("unit", f"one of {', '.join(UNITS)}", unit)
    if horizon is not None and not (isinstance(horizon, int | float) and 0 < horizon <= 10_000):
        raise param_error("horizon", "a number of units in (0, 10000]", horizon)
    if not (isinstance(discount_rate, int | float) and 0 <= discount_rate < 10):
        raise param_error(
            "discount_rate", "an annual rate in [0, 10), e.g. 0.1 for 10%", discount_rate
        )


def parse_day(text: str | None, option: str = "calibration_end") -> date | None:
    """A YYYY-MM-DD day, or None for None.

    >>> parse_day("1997-09-30")
    datetime.date(1997, 9, 30)
    """
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise param_error(option, "a day written YYYY-MM-DD", text) from None


def predict_table(
    ws: Workspace,
    table: str,
    *,
    model: str = "bgnbd",
    unit: str = "week",
    calibration_end: date | None = None,
    horizon: float | None = None,
    discount_rate: float = DEFAULT_DISCOUNT_RATE,
    name: str | None = None,
    progress: Progress | None = None,
    save: bool = True,
) -> Prediction:
    """Fit ``model`` and Gamma-Gamma on ``table``'s summary, score every customer, check the
    holdout (with ``calibration_end``) and store the result as a named prediction."""
    _check(model, unit, horizon, discount_rate)
    report = reporter(progress)
    unit_days = UNITS[unit]
    horizon = DEFAULT_HORIZON_DAYS / unit_days if horizon is None else float(horizon)
    report(0.05, "Summarising each customer's orders")
    summary = customer_summary(ws, table, calibration_end=calibration_end)
    x = summary.frequency
    t_x, T = summary.recency / unit_days, summary.T / unit_days
    report(0.25, "Fitting the purchase model")
    orders = ORDER_MODELS[model]().fit(x, t_x, T)
    report(0.5, "Fitting the spend model")
    spend = GammaGammaModel().fit(x, summary.monetary_value)
    report(0.65, "Scoring every customer")
    scores = score_customers(
        orders,
        spend,
        summary.customer_id,
        x,
        t_x,
        T,
        summary.monetary_value,
        horizon=horizon,
        unit_days=unit_days,
        rate=float(discount_rate),
    )
    holdout = None
    if calibration_end is not None:
        report(0.8, "Checking the predictions on the holdout")
        holdout = validate(orders, summary, unit_days)
    pid, seq = next_prediction_id(ws) if save else ("", 0)
    prediction = Prediction(
        prediction_id=pid,
        name=name or pid,
        table=table,
        model=model,
        unit=unit,
        horizon=horizon,
        discount_rate=float(discount_rate),
        summary=summary,
        orders_model=orders,
        spend_model=spend,
        scores=scores,
        holdout=holdout,
        warnings=orders.warnings_ + spend.warnings_,
    )
    if save:
        report(0.9, "Saving the prediction")
        _save(ws, prediction, seq, calibration_end)
    report(1.0, "Done")
    return prediction


def _save(ws: Workspace, p: Prediction, seq: int, calibration_end: date | None) -> None:
    recipe = {
        "table": p.table,
        "model": p.model,
        "unit": p.unit,
        "calibration_end": calibration_end.isoformat() if calibration_end else None,
        "horizon": p.horizon,
        "discount_rate": p.discount_rate,
    }
    fit = {
        "orders_model": p.orders_model.active_model_,
        "orders_params": p.orders_model.active_params_.tolist(),
        "orders_cov": p.orders_model.cov_.tolist(),
        "spend_params": p.spend_model.active_params_.tolist(),
        "spend_cov": p.spend_model.cov_.tolist(),
        "unit_days": UNITS[p.unit],
        "horizon": p.horizon,
    }
    summary = p.to_dict()
    summary.update(horizon=p.horizon, discount_rate=p.discount_rate, name=p.name)
    if p.holdout is not None:
        summary["holdout_captions"] = p.holdout.captions
    save_prediction(
        ws,
        prediction_id=p.prediction_id,
        seq=seq,
        name=p.name,
        row={
            "table": p.table,
            "model": p.model,
            "unit": p.unit,
            "observation_end": p.summary.observation_end,
            "customers": p.summary.customers,
        },
        summary=summary,
        recipe=recipe,
        fit=fit,
        customers=p.scores.table,
        validation=None if p.holdout is None else p.holdout.detail(),
    )


class StoredOrders:
    """The order model of a stored prediction, as much of it as the totals need."""

    def __init__(self, fit: dict[str, Any]) -> None:
        self._model = fit["orders_model"]
        self.active_params_ = np.asarray(fit["orders_params"])
        self.cov_ = np.asarray(fit["orders_cov"])

    def p_alive(self, x, t_x, T, *, params=None):
        return p_alive(self._model, self.active_params_ if params is None else params, x, t_x, T)

    def expected_orders(self, t, x, t_x, T, *, params=None):
        p = self.active_params_ if params is None else params
        return expected_orders(self._model, p, t, x, t_x, T)

    def active_rate(self, x, T):
        return active_rate(self.active_params_, x, T)


def segment_totals(ws: Workspace, prediction: str, segments: pd.DataFrame) -> pd.DataFrame:
    """Per segment of ``segments`` (columns customer_id, segment): customers, predicted orders
    and revenue (CLV) over the horizon with 80% intervals, share at high churn risk. Customers
    of the prediction without a segment are left out."""
    table = prediction_customers(ws, prediction)
    joined = table.merge(segments[["customer_id", "segment"]], on="customer_id", how="inner")
    return totals_of(read_prediction(ws, prediction)["fit"], joined, prediction)


def totals_of(fit: dict, joined: pd.DataFrame, prediction: str) -> pd.DataFrame:
    """:func:`segment_totals` of the prediction's customers ``joined`` to their ``segment``."""
    if joined.empty:
        raise InvalidParameterError(
            f"No customer of prediction {prediction!r} is in the segments given; the prediction "
            "and the run must come from the same customers."
        )
    orders = StoredOrders(fit)
    x = joined["frequency"].to_numpy(float)
    t_x, T = joined["recency"].to_numpy(float), joined["T"].to_numpy(float)
    grad = _orders_gradient(orders, fit["horizon"], x, t_x, T)
    grad_v = value_log_gradient(fit["spend_params"], x, joined["monetary_value"].to_numpy(float))
    scores = Scores(joined, grad, grad_v, orders.cov_, np.asarray(fit["spend_cov"]))
    return group_totals(scores, joined["segment"].to_numpy()).rename(columns={"group": "segment"})


def _orders_gradient(orders, horizon, x, t_x, T) -> np.ndarray:
    (ux, ut, uT), inverse, _ = distinct_rows(x, t_x, T)
    return log_gradient(
        lambda p: orders.expected_orders(horizon, ux, ut, uT, params=p), orders.active_params_
    )[inverse]

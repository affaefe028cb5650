"""A stored prediction as the Predict page and the profiles show it: its parameters in words,
the holdout check, the frequency x recency grid, top customers, totals per segment of a run.

>>> view = open_prediction(ws, "p1")  # doctest: +SKIP
>>> view.top_customers(5)["clv"].is_monotonic_decreasing  # doctest: +SKIP
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from ..segment.runs import get_run
from ..workspace import Workspace
from .run import StoredOrders, totals_of
from .score import frequency_recency_grid
from .store import prediction_customers, prediction_customers_by_segment, read_prediction

PARAM_WORDS = {
    "r": "shape of the buying rates (r)",
    "alpha": "scale of the buying rates (alpha, in units)",
    "a": "drop-out, first shape (a)",
    "b": "drop-out, second shape (b)",
    "s": "shape of the drop-out rates (s)",
    "beta": "scale of the drop-out rates (beta, in units)",
    "p": "order value, shape per order (p)",
    "q": "order value, shape across customers (q)",
    "gamma": "order value, scale across customers (gamma)",
}
MODEL_WORDS = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "paretonbd": "Pareto/NBD"}


@dataclass(frozen=True)
class PredictionView:
    """What the page draws from one stored prediction."""

    prediction_id: str
    summary: dict[str, Any]
    recipe: dict[str, Any]
    fit: dict[str, Any]
    validation: dict[str, Any] | None
    customers: pd.DataFrame

    def parameters(self) -> pd.DataFrame:
        """Every fitted parameter with what it means (infinity shown as such)."""
        rows = [
            ("orders", PARAM_WORDS[k], "infinity" if v is None else f"{v:.4g}")
            for k, v in self.summary["params"].items()
        ]
        rows += [
            ("order value", PARAM_WORDS[k], f"{v:.4g}")
            for k, v in self.summary["spend"].items()
            if k != "customers"
        ]
        return pd.DataFrame(rows, columns=["model", "parameter", "value"])

    def by_frequency(self) -> pd.DataFrame | None:
        return None if self.validation is None else pd.DataFrame(self.validation["by_frequency"])

    def cumulative(self) -> pd.DataFrame | None:
        return None if self.validation is None else pd.DataFrame(self.validation["cumulative"])

    def grid(self) -> pd.DataFrame:
        """P(alive) and expected orders over repeat orders x recency, for the oldest customer."""
        orders = StoredOrders(self.fit)
        orders.frequency_p99_ = float(self.customers["frequency"].quantile(0.99))
        return frequency_recency_grid(
            orders, T=float(self.customers["T"].max()), horizon=float(self.fit["horizon"])
        )

    def top_customers(self, n: int = 20) -> pd.DataFrame:
        columns = ["customer_id", "clv", "clv_low", "clv_high", "p_alive", "expected_orders",
                   "churn_risk"]  # fmt: skip
        return self.customers.nlargest(n, "clv")[columns].reset_index(drop=True)

    def churn_counts(self) -> dict[str, int]:
        counts = self.customers["churn_risk"].value_counts()
        return {risk: int(counts.get(risk, 0)) for risk in ("low", "medium", "high")}

    def csv(self) -> bytes:
        """The per-customer table as CSV (the columns of an --out file)."""
        from .store import OUT_COLUMNS

        return self.customers.loc[:, list(OUT_COLUMNS)].to_csv(index=False).encode()


def open_prediction(ws: Workspace, prediction: str) -> PredictionView:
    """A stored prediction, by id or name, with its customers."""
    stored = read_prediction(ws, prediction)
    return PredictionView(
        prediction_id=stored["summary"]["prediction_id"],
        summary=stored["summary"],
        recipe=stored["recipe"],
        fit=stored["fit"],
        validation=stored["validation"],
        customers=prediction_customers(ws, prediction),
    )


def run_totals(ws: Workspace, prediction: str, run_id: str) -> pd.DataFrame:
    """Per segment of a run: customers, predicted orders and value over the horizon with 80%
    ranges, and the share at high churn risk (customers in both the run and the prediction)."""
    get_run(ws, run_id)
    joined = prediction_customers_by_segment(ws, prediction, run_id)
    totals = totals_of(read_prediction(ws, prediction)["fit"], joined, prediction)
    ids = joined.drop_duplicates("segment").set_index("segment")["segment_id"]
    totals.insert(0, "segment_id", totals["segment"].map(ids).astype(int))
    return totals.sort_values("segment_id").reset_index(drop=True)

"""Per-customer outputs of fitted models: P(alive), expected orders, CLV with 80% intervals,
churn risk; and totals with intervals for groups of customers (segments).

* ``expected_orders``: orders expected in the horizon after the observation end.
* ``clv``: the expected orders of each step of the horizon (months, or the unit when it is
  longer), each discounted to the observation end at the annual rate, times the expected order
  value. With a rate of 0 it is expected_orders x expected_order_value.
* Intervals (80%): from the parameters' sampling distribution, the inverse Hessian of each
  model's log-likelihood, carried to every output by the delta method on the log scale (so a
  range never goes below 0). They say how sure the models are of their parameters, not how much
  one customer's actual orders will vary around the expectation. The discounted orders are
  taken to move with the undiscounted ones (the same relative change).
* ``churn_risk``: ``high`` when P(alive) < 0.3; ``medium`` when P(alive) < 0.7 or the expected
  time to the next order of an active customer, (alpha + T) / (r + x), is longer than the
  horizon; else ``low``.

>>> round(float(discount_factors(4, 91.3125, 0.1)[-1]), 4)
0.9091
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix
from scipy.stats import norm

from .fitting import distinct_rows

Z80 = float(norm.ppf(0.9))  # 1.2816: 80% two-sided
CHURN_HIGH = 0.3  # P(alive) below this: high risk
CHURN_MEDIUM = 0.7  # P(alive) below this, or the next order expected after the horizon: medium
_STEP = 1e-4


def discount_factors(steps: int, step_days: float, rate: float) -> np.ndarray:
    """(1 + rate)^-(years to the end of each step)."""
    years = np.arange(1, steps + 1) * step_days / 365.25
    return (1.0 + rate) ** -years


def _steps(horizon: float, unit_days: float) -> int:
    return int(max(1, min(120, round(horizon * unit_days / 30.4375))))


def _discounted_orders(model, horizon, unit_days, rate, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """Expected orders over the horizon, and the same discounted step by step."""
    total = model.expected_orders(horizon, x, t_x, T)
    if rate == 0:
        return total, total
    n = _steps(horizon, unit_days)
    factors = discount_factors(n, horizon * unit_days / n, rate)
    discounted = np.zeros_like(total)
    before = np.zeros_like(total)
    for i in range(1, n + 1):
        upto = total if i == n else model.expected_orders(horizon * i / n, x, t_x, T)
        discounted += (upto - before) * factors[i - 1]
        before = upto
    return total, discounted


def log_gradient(f, params: np.ndarray) -> np.ndarray:
    """d log f / d log params by central differences; one column per parameter."""
    theta = np.log(params)
    cols = []
    for i in range(len(theta)):
        step = np.zeros_like(theta)
        step[i] = _STEP
        up = np.log(np.maximum(f(np.exp(theta + step)), 1e-300))
        down = np.log(np.maximum(f(np.exp(theta - step)), 1e-300))
        cols.append((up - down) / (2 * _STEP))
    return np.column_stack(cols)


def value_log_gradient(params, x, m) -> np.ndarray:
    """d log expected_order_value / d log (p, q, gamma), per customer (0 where the value is
    the observed mean because q <= 1)."""
    p, q, gamma = params
    x = np.asarray(x, dtype=float)
    xm = np.where(x > 0, np.maximum(np.nan_to_num(np.asarray(m, dtype=float)), 0) * x, 0.0)
    denom = p * x + q - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = np.column_stack([1 - p * x / denom, -q / denom, gamma / (gamma + xm)])
    if q <= 1:
        grad[x == 0] = 0.0
    return np.nan_to_num(grad)


def _quad(grad: np.ndarray, cov: np.ndarray) -> np.ndarray:
    return np.einsum("ij,jk,ik->i", grad, cov, grad)


@dataclass
class Scores:
    """Every customer's outputs (``table``) and what group totals need (log-gradients)."""

    table: pd.DataFrame
    grad_orders: np.ndarray  # d log expected_orders / d log order-model params, per customer
    grad_value: np.ndarray  # d log expected_order_value / d log spend params, per customer
    cov_orders: np.ndarray
    cov_value: np.ndarray


def score_customers(
    model,
    spend,
    customer_id,
    x,
    t_x,
    T,
    m,
    *,
    horizon: float,
    unit_days: float,
    rate: float,
    intervals: bool = True,
) -> Scores:
    """The per-customer table (times in the model's unit) and the gradients of its outputs.

    ``intervals=False`` leaves the ranges empty (NaN) and skips their cost."""
    (ux, ut, uT), inverse, _ = distinct_rows(x, t_x, T)
    alive = model.p_alive(ux, ut, uT)
    total, discounted = _discounted_orders(model, horizon, unit_days, rate, ux, ut, uT)
    value = spend.expected_order_value(x, m)
    orders = total[inverse]
    clv = discounted[inverse] * value
    if intervals:
        grad_o = log_gradient(
            lambda p: model.expected_orders(horizon, ux, ut, uT, params=p), model.active_params_
        )[inverse]
        grad_v = value_log_gradient(spend.active_params_, x, m)
        var_o = _quad(grad_o, model.cov_)
        var_v = _quad(grad_v, spend.cov_)
        spread_o = np.exp(Z80 * np.sqrt(var_o))
        spread_c = np.exp(Z80 * np.sqrt(var_o + var_v))
    else:
        grad_o = np.zeros((len(orders), len(model.active_params_)))
        grad_v = np.zeros((len(orders), 3))
        spread_o = spread_c = np.full(len(orders), np.nan)
    rate_active = model.active_rate(x, T)
    alive_c = alive[inverse]
    with np.errstate(divide="ignore"):
        slow = 1.0 / rate_active > horizon
    risk = np.where(
        alive_c < CHURN_HIGH, "high", np.where((alive_c < CHURN_MEDIUM) | slow, "medium", "low")
    )
    table = pd.DataFrame(
        {
            "customer_id": np.asarray(customer_id, dtype=object),
            "frequency": x,
            "recency": t_x,
            "T": T,
            "monetary_value": m,
            "p_alive": alive_c,
            "expected_orders": orders,
            "expected_orders_low": orders / spread_o,
            "expected_orders_high": orders * spread_o,
            "expected_order_value": value,
            "clv": clv,
            "clv_low": clv / spread_c,
            "clv_high": clv * spread_c,
            "churn_risk": risk,
        }
    )
    return Scores(table, grad_o, grad_v, model.cov_, spend.cov_)


def group_totals(scores: Scores, groups=None) -> pd.DataFrame:
    """Per group (or for everyone): customers, expected orders and CLV with 80% intervals,
    and the share at high churn risk. Totals are sums of per-customer expectations; their
    ranges come from the same parameter uncertainty (shared by every customer, so it does not
    average out over a segment)."""
    table = scores.table
    if groups is None:
        codes, labels = np.zeros(len(table), dtype=np.int64), np.array(["all"], dtype=object)
    else:
        codes, labels = pd.factorize(pd.Series(groups), sort=True)
    n = len(labels)
    member = csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(n, len(codes))
    )
    out = {"group": labels, "customers": np.asarray(member.sum(axis=1)).ravel().astype(int)}
    for column, grad_parts in (
        ("expected_orders", [(scores.grad_orders, scores.cov_orders)]),
        ("clv", [(scores.grad_orders, scores.cov_orders), (scores.grad_value, scores.cov_value)]),
    ):
        values = table[column].to_numpy(dtype=float)
        total = member @ values
        var = np.zeros(n)
        for grad, cov in grad_parts:
            g = member @ (grad * values[:, None])  # d total / d log params, per group
            var += _quad(np.asarray(g), cov)
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.exp(Z80 * np.sqrt(var) / np.where(total > 0, total, 1.0))
        out[column] = total
        out[f"{column}_low"] = total / spread
        out[f"{column}_high"] = total * spread
    high = member @ (table["churn_risk"].to_numpy() == "high").astype(float)
    out["share_high_churn_risk"] = high / np.maximum(out["customers"], 1)
    return pd.DataFrame(out)


def frequency_recency_grid(model, *, T: float, horizon: float, steps: int = 12) -> pd.DataFrame:
    """P(alive) and expected orders over the horizon for a customer first seen ``T`` units ago,
    on a grid of repeat orders (0 .. the 99th percentile seen in the fit, at least 10) and
    recency (0 .. T): the frequency x recency maps."""
    top = max(10, int(getattr(model, "frequency_p99_", 10)))
    freqs = np.unique(np.linspace(0, top, min(top + 1, 16)).round())
    recency = np.linspace(0.0, T, steps + 1)
    x, t_x = (a.ravel() for a in np.meshgrid(freqs, recency, indexing="ij"))
    t_x = np.where(x == 0, 0.0, np.maximum(t_x, 1e-9 if T else 0.0))
    age = np.full_like(x, T)
    return pd.DataFrame(
        {
            "frequency": x,
            "recency": np.round(np.meshgrid(freqs, recency, indexing="ij")[1].ravel(), 2),
            "p_alive": model.p_alive(x, t_x, age),
            "expected_orders": model.expected_orders(horizon, x, t_x, age),
        }
    )

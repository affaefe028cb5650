"""What a fitted model says about each customer: P(alive) and the expected orders ahead.

Pure functions of a parameter array (in the order of :data:`.likelihoods.PARAMS`) and the
customers' summaries ``x`` (repeat orders), ``t_x`` (recency) and ``T`` (age), all in one unit.
The hypergeometric terms are written after Euler's transformation, so a customer with
thousands of orders gets a finite answer where the textbook form overflows.

>>> import numpy as np
>>> p = np.array([0.243, 4.414, 0.793, 2.426])
>>> one = np.array([2.0]), np.array([30.43]), np.array([38.86])
>>> round(float(p_alive("bgnbd", p, *one)[0]), 3)
0.727
>>> round(float(expected_orders("bgnbd", p, 39.0, *one)[0]), 3)
1.226
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, hyp2f1

from .likelihoods import LOGLIK, pareto_log_a0

FIXED_P_ABOVE = 1e5  # a + b above this: the beta distribution of drop-out is a point mass


def p_alive(model: str, params: np.ndarray, x, t_x, T) -> np.ndarray:
    """The probability that each customer is still active at the observation end."""
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if model == "nbd":
            return np.ones_like(x)
        if model == "paretonbd":
            r, alpha, s, beta = params
            log_odds_dead = (
                np.log(s)
                - np.log(r + s + x)
                + (r + x) * np.log(alpha + T)
                + s * np.log(beta + T)
                + pareto_log_a0(params, x, t_x, T)
            )
            return expit(-log_odds_dead)
        r, alpha, a, b = params
        shift = np.where(x > 0, b + x - 1, 1.0) if model == "bgnbd" else b + x
        log_odds_dead = (
            np.log(a) - np.log(shift) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
        )
        if model == "bgnbd":
            log_odds_dead = np.where(x > 0, log_odds_dead, -np.inf)
        return expit(-log_odds_dead)


def expected_orders(model: str, params: np.ndarray, t: float, x, t_x, T) -> np.ndarray:
    """Each customer's expected number of orders in the ``t`` units after the observation end."""
    x = np.asarray(x, dtype=float)
    if t <= 0:
        return np.zeros_like(x)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if model == "nbd":
            r, alpha = params
            return (r + x) * t / (alpha + T)
        alive = p_alive(model, params, x, t_x, T)
        if model == "paretonbd":
            r, alpha, s, beta = params
            u = np.log1p(t / (beta + T))
            share = u if abs(s - 1.0) < 1e-8 else -np.expm1(-(s - 1.0) * u) / (s - 1.0)
            return alive * (r + x) * (beta + T) / (alpha + T) * share
        r, alpha, a, b = params
        k = 0.0 if model == "bgnbd" else 1.0
        if a + b > FIXED_P_ABOVE:
            return alive * _fixed_p_orders(r, alpha, a / (a + b + x - 1.0 + k), t, T, x)
        if abs(a - 1.0) < 1e-7:
            a = 1.0 + 1e-7
        z = t / (alpha + T + t)
        # (1-z)^(r+x) 2F1(r+x, b+x+k; a+b+x-1+k; z) = (1-z)^(a-1) 2F1(a+b-1+k-r, a-1; c; z)
        c = a + b + x - 1.0 + k
        tail = np.exp((a - 1.0) * np.log1p(-z)) * hyp2f1(a + b - 1.0 + k - r, a - 1.0, c, z)
        # The textbook form divides by P(alive)'s denominator; the same through P(alive):
        out = alive * c / (a - 1.0) * (1.0 - tail)
        bad = ~np.isfinite(out)
        if bad.any():  # the series failed: the drop-out probability taken at its mean
            fixed = _fixed_p_orders(r, alpha, a / (a + b + x - 1.0 + k), t, T, x)
            out = np.where(bad, alive * fixed, out)
        return out


def _fixed_p_orders(r, alpha, p, t, T, x) -> np.ndarray:
    """Expected orders of an active customer whose drop-out probability after each order is
    ``p`` (the limit of a beta distribution of drop-out with a + b -> infinity):
    (1 - ((alpha+T) / (alpha+T+p t))^(r+x)) / p."""
    return -np.expm1(-(r + x) * np.log1p(p * t / (alpha + T))) / p


def active_rate(params: np.ndarray, x, T) -> np.ndarray:
    """(r + x) / (alpha + T): a customer's expected order rate if still active (every model
    shares the gamma purchase-rate prior); its inverse is the expected time to the next order."""
    r, alpha = params[0], params[1]
    return (r + np.asarray(x, dtype=float)) / (alpha + T)


def log_likelihood(model: str, params: np.ndarray, x, t_x, T) -> np.ndarray:
    """Each customer's log-likelihood under ``model`` (see :mod:`.likelihoods`)."""
    return LOGLIK[model](params, x, t_x, T)[0]

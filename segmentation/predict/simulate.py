"""Customers drawn from the BG/NBD story, for tests and benchmarks: each buys at a gamma-
distributed rate and leaves after any order with a beta-distributed probability (with
``a = 0`` nobody leaves: the NBD).

>>> x, t_x, T = simulate_bgnbd(1000, r=0.25, alpha=4.0, a=0.8, b=2.5, T=39.0, seed=1)
>>> bool((t_x <= T).all() and (x >= 0).all())
True
"""

from __future__ import annotations

import numpy as np


def simulate_bgnbd(
    n: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: float | np.ndarray,
    seed: int = 0,
    step: float | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Frequency (repeat orders), recency and T of ``n`` customers first seen ``T`` units
    before the observation end (one number, or one per customer). ``step``: times are
    rounded down to multiples of it (1/7 for days when the unit is a week), as dates are."""
    rng = np.random.default_rng(seed)
    age = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    rate = rng.gamma(r, 1.0 / alpha, n)
    leave = rng.beta(a, b, n) if a > 0 else np.zeros(n)
    x = np.zeros(n)
    last = np.zeros(n)
    now = np.zeros(n)
    active = np.ones(n, dtype=bool)
    while active.any():
        idx = np.flatnonzero(active)
        now[idx] += rng.exponential(1.0, len(idx)) / np.maximum(rate[idx], 1e-12)
        bought = now[idx] <= age[idx]
        done = idx[~bought]
        active[done] = False
        hit = idx[bought]
        x[hit] += 1
        last[hit] = now[hit]
        gone = hit[rng.random(len(hit)) < leave[hit]]
        active[gone] = False
    if step:
        last = np.floor(last / step) * step
    return x, last, age

"""Closed-form log-likelihoods of the buy-till-you-die models, per customer, with gradients.

Every function takes the model's parameters as one array (in the order of :data:`PARAMS`) and
the customers' summaries as arrays: ``x`` repeat orders (frequency), ``t_x`` time of the last
order since the first (recency) and ``T`` time since the first order to the observation end,
all in the same unit. Gradients are with respect to the *log* parameters (the fitters optimise
over those), one row per customer; ``tests/predict`` checks them against finite differences.

Sources: Fader, Hardie & Lee (2005a) "Counting your customers the easy way" (BG/NBD);
Batislam, Denizel & Filiztekin (2007) (MBG/NBD); Fader, Hardie & Lee (2005b) "A note on
deriving the Pareto/NBD model" (Pareto/NBD); Fader & Hardie (2013) "The Gamma-Gamma model of
monetary value".

>>> import numpy as np
>>> ll, _ = bgnbd_loglik(np.array([0.243, 4.414, 0.793, 2.426]), np.array([2.0]),
...                      np.array([30.43]), np.array([38.86]))
>>> round(float(ll[0]), 3)
-9.459
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, hyp2f1

PARAMS: dict[str, tuple[str, ...]] = {
    "bgnbd": ("r", "alpha", "a", "b"),
    "mbgnbd": ("r", "alpha", "a", "b"),
    "paretonbd": ("r", "alpha", "s", "beta"),
    "nbd": ("r", "alpha"),
    "gammagamma": ("p", "q", "gamma"),
}


def _counts(x: np.ndarray) -> np.ndarray | None:
    """``x`` as whole counts when it is one and they repeat (so a function of ``shift + x`` is
    computed once per count and gathered), else None."""
    if x.size < 1000:
        return None
    whole = x.astype(np.int64)
    top = int(whole.max())
    if top > 10 * x.size or not np.array_equal(whole, x) or int(whole.min()) < 0:
        return None
    return whole


def per_count(f, shift: float, x: np.ndarray, whole: np.ndarray | None) -> np.ndarray:
    """f(shift + x), evaluated on 0..max(x) and gathered when ``x`` holds whole counts."""
    if whole is None:
        return f(shift + x)
    return f(shift + np.arange(int(whole.max()) + 1, dtype=float))[whole]


def _mix(stay: np.ndarray, leave: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log(exp(stay) + exp(leave)) and each term's weight in the sum."""
    total = np.logaddexp(stay, leave)
    w_leave = np.exp(leave - total)
    return total, 1.0 - w_leave, w_leave


def _nbd_part(
    r: float, alpha: float, x: np.ndarray, whole: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The purchase-process constant log Γ(r+x) - log Γ(r) + r log α and its r, α gradients."""
    value = per_count(gammaln, r, x, whole) - gammaln(r) + r * np.log(alpha)
    d_r = per_count(digamma, r, x, whole) - digamma(r) + np.log(alpha)
    return value, d_r, np.full_like(x, r / alpha)


def nbd_loglik(params: np.ndarray, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """The NBD (no drop-out): the limit of BG/NBD as a -> 0 and of Pareto/NBD as s -> 0."""
    r, alpha = params
    base, d_r, d_alpha = _nbd_part(r, alpha, x, _counts(x))
    ll = base - (r + x) * np.log(alpha + T)
    grad = np.column_stack(
        [r * (d_r - np.log(alpha + T)), alpha * (d_alpha - (r + x) / (alpha + T))]
    )
    return ll, grad


def bgnbd_loglik(params: np.ndarray, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """BG/NBD: drop-out may happen right after each repeat order (never before the first)."""
    r, alpha, a, b = params
    whole = _counts(x)
    base, d_r, d_alpha = _nbd_part(r, alpha, x, whole)
    beta_part = (
        gammaln(a + b)
        + per_count(gammaln, b, x, whole)
        - gammaln(b)
        - per_count(gammaln, a + b, x, whole)
    )
    stay = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    b_x1 = np.where(repeat, b + x - 1, 1.0)
    leave = np.where(repeat, np.log(a) - np.log(b_x1) - (r + x) * np.log(alpha + t_x), -np.inf)
    mixed, w_stay, w_leave = _mix(stay, leave)
    ll = base + beta_part + mixed
    g_r = d_r - w_stay * np.log(alpha + T) - w_leave * np.log(alpha + t_x)
    g_alpha = d_alpha - w_stay * (r + x) / (alpha + T) - w_leave * (r + x) / (alpha + t_x)
    psi_ab = digamma(a + b) - per_count(digamma, a + b, x, whole)
    g_a = psi_ab + w_leave / a
    g_b = psi_ab + per_count(digamma, b, x, whole) - digamma(b) - w_leave / b_x1
    return ll, np.column_stack([r * g_r, alpha * g_alpha, a * g_a, b * g_b])


def mbgnbd_loglik(params: np.ndarray, x, t_x, T) -> tuple[np.ndarray, np.ndarray]:
    """MBG/NBD: as BG/NBD, but a customer may also drop out right after the first order."""
    r, alpha, a, b = params
    whole = _counts(x)
    base, d_r, d_alpha = _nbd_part(r, alpha, x, whole)
    beta_part = (
        gammaln(a + b)
        + per_count(gammaln, b + 1, x, whole)
        - gammaln(b)
        - per_count(gammaln, a + b + 1, x, whole)
    )
    stay = -(r + x) * np.log(alpha + T)
    leave = np.log(a) - np.log(b + x) - (r + x) * np.log(alpha + t_x)
    mixed, w_stay, w_leave = _mix(stay, leave)
    ll = base + beta_part + mixed
    g_r = d_r - w_stay * np.log(alpha + T) - w_leave * np.log(alpha + t_x)
    g_alpha = d_alpha - w_stay * (r + x) / (alpha + T) - w_leave * (r + x) / (alpha + t_x)
    psi_ab = digamma(a + b) - per_count(digamma, a + b + 1, x, whole)
    g_a = psi_ab + w_leave / a
    g_b = psi_ab + per_count(digamma, b + 1, x, whole) - digamma(b) - w_leave / (b + x)
    return ll, np.column_stack([r * g_r, alpha * g_alpha, a * g_a, b * g_b])


def log_hyp2f1_c_is_a_plus_1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(a, b; a + 1; z) for 0 <= z < 1, through Euler's transformation
    2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(1, c - b; c; z), whose series has only positive
    terms and never overflows (the plain series does for large a and b near z = 1)."""
    return (1.0 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1.0 - b, a + 1.0, z))


def pareto_log_a0(params: np.ndarray, x, t_x, T) -> np.ndarray:
    """log A_0 of Fader, Hardie & Lee (2005b), eq. (19); -inf where t_x == T."""
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        big, second = alpha, s + 1.0
    else:
        big, second = beta, r + x
    gap = abs(alpha - beta)
    second = np.broadcast_to(second, np.shape(x))
    at_last = log_hyp2f1_c_is_a_plus_1(rsx, second, gap / (big + t_x)) - rsx * np.log(big + t_x)
    at_end = log_hyp2f1_c_is_a_plus_1(rsx, second, gap / (big + T)) - rsx * np.log(big + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        diff = -np.expm1(at_end - at_last)
        return at_last + np.log(np.maximum(diff, 0.0))


def paretonbd_loglik(params: np.ndarray, x, t_x, T) -> tuple[np.ndarray, None]:
    """Pareto/NBD: exponential lifetimes with gamma-distributed drop-out rates. No analytic
    gradient (its hypergeometric terms make one long); the fitter differentiates numerically."""
    r, alpha, s, beta = params
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    left = np.log(s) - np.log(r + s + x) + pareto_log_a0(params, x, t_x, T)
    return base + np.logaddexp(alive, left), None


def gammagamma_loglik(params: np.ndarray, x, m) -> tuple[np.ndarray, np.ndarray]:
    """Gamma-Gamma: the mean ``m`` of a customer's ``x`` repeat order values (x > 0, m > 0)."""
    p, q, gamma = params
    whole = _counts(x)
    px = p * x
    total = x * m + gamma
    log_x = per_count(np.log, 0.0, x, whole)
    ll = (
        per_count(lambda v: gammaln(p * v + q), 0.0, x, whole)
        - per_count(lambda v: gammaln(p * v), 0.0, x, whole)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(m)
        + px * log_x
        - (px + q) * np.log(total)
    )
    psi = per_count(lambda v: digamma(p * v + q), 0.0, x, whole)
    psi_px = per_count(lambda v: digamma(p * v), 0.0, x, whole)
    g_p = x * (psi - psi_px + np.log(m) + log_x - np.log(total))
    g_q = psi - digamma(q) + np.log(gamma) - np.log(total)
    g_gamma = q / gamma - (px + q) / total
    return ll, np.column_stack([p * g_p, q * g_q, gamma * g_gamma])


LOGLIK = {
    "bgnbd": bgnbd_loglik,
    "mbgnbd": mbgnbd_loglik,
    "paretonbd": paretonbd_loglik,
    "nbd": nbd_loglik,
}

"""The statistics of a campaign readout: audience against holdout, one metric at a time.

Modelled on GrowthBook's engine (``gbstats``): each group is a small dataclass of sufficient
statistics (n, sum, sum of squares), and each test is one function with one result shape,
:class:`LiftResult`. The interval functions work on numpy arrays too, so a coverage check over
thousands of simulated campaigns is one call.

* Proportions (conversion): Wilson score interval per group, Newcombe's hybrid score interval
  (method 10 of Newcombe 1998) for the difference, pooled two-proportion z-test.
* Means (revenue or orders per customer): Welch's t interval for the difference (Welch-
  Satterthwaite degrees of freedom), the delta method for the relative lift, Welch's t-test.
* CUPED: each customer's metric adjusted by a covariate measured before the campaign (pooled
  theta); the same mean test then runs on the adjusted moments.
* Holm's step-down correction across segments, a chi-square sample-ratio check.

>>> a, h = ProportionStats(1000, 120), ProportionStats(1000, 100)
>>> r = proportion_test(a, h)
>>> round(r.lift_abs, 3), round(r.p_value, 3)
(0.02, 0.153)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from ..errors import param_error

ALPHA = 0.05
SRM_THRESHOLD = 0.001  # GrowthBook's default: below it the split is not what was planned


# -- sufficient statistics ----------------------------------------------------------------------
@dataclass(frozen=True)
class SampleStats:
    """n, sum and sum of squares of a metric over one group's customers."""

    n: int
    total: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else math.nan

    @property
    def variance(self) -> float:
        """The sample variance (n - 1 in the denominator)."""
        if self.n < 2:
            return math.nan
        return max(self.sum_squares - self.total**2 / self.n, 0.0) / (self.n - 1)


@dataclass(frozen=True)
class ProportionStats:
    """n customers of a group and how many of them converted."""

    n: int
    successes: int

    @property
    def rate(self) -> float:
        return self.successes / self.n if self.n else math.nan


@dataclass(frozen=True)
class RegressionStats:
    """Sufficient statistics of a metric y and its pre-campaign covariate x (CUPED)."""

    n: int
    sum_y: float
    sum_y2: float
    sum_x: float
    sum_x2: float
    sum_xy: float

    @property
    def y(self) -> SampleStats:
        return SampleStats(self.n, self.sum_y, self.sum_y2)

    def covariance(self) -> float:
        if self.n < 2:
            return math.nan
        return (self.sum_xy - self.sum_x * self.sum_y / self.n) / (self.n - 1)


@dataclass(frozen=True)
class LiftResult:
    """One metric compared between audience and holdout.

    ``lift_abs`` = audience - holdout with its interval; ``lift_rel`` = audience / holdout - 1
    with its interval; ``incremental`` = ``lift_abs`` x audience size (extra conversions,
    revenue or orders), with its interval; ``narrowing``: with CUPED, the share by which the
    adjustment narrowed the relative interval (None without).
    """

    audience: float
    holdout: float
    lift_abs: float
    lift_abs_low: float
    lift_abs_high: float
    lift_rel: float
    lift_rel_low: float
    lift_rel_high: float
    p_value: float
    incremental: float
    incremental_low: float
    incremental_high: float
    p_adjusted: float | None = None
    narrowing: float | None = None

    def to_dict(self) -> dict[str, float | None]:
        return {k: _plain(v) for k, v in self.__dict__.items()}


def _plain(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


# -- interval functions (vectorised) --------------------------------------------------------------
def _z(alpha: float) -> float:
    return float(sps.norm.ppf(1 - alpha / 2))


def wilson_interval(successes, n, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Wilson's score interval of a proportion (no continuity correction).

    >>> [round(float(v), 4) for v in wilson_interval(81, 263)]
    [0.2553, 0.3662]
    """
    x, n = np.asarray(successes, float), np.asarray(n, float)
    z = _z(alpha)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        centre = (p + z * z / (2 * n)) / (1 + z * z / n)
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def newcombe_interval(x1, n1, x2, n2, alpha: float = ALPHA):
    """Newcombe's hybrid score interval of p1 - p2 (his method 10), built from the two
    Wilson intervals; returns ``(difference, low, high)``.

    >>> [round(float(v), 4) for v in newcombe_interval(56, 70, 48, 80)]
    [0.2, 0.0524, 0.3339]
    """
    x1, n1, x2, n2 = (np.asarray(v, float) for v in (x1, n1, x2, n2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, alpha)
    l2, u2 = wilson_interval(x2, n2, alpha)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return d, low, high


def welch_interval(mean_a, var_a, n_a, mean_b, var_b, n_b, alpha: float = ALPHA):
    """Welch's interval of mean_a - mean_b; returns ``(difference, low, high, p_value)``."""
    ma, va, na, mb, vb, nb = (
        np.asarray(v, float) for v in (mean_a, var_a, n_a, mean_b, var_b, n_b)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        sa, sb = va / na, vb / nb
        se = np.sqrt(sa + sb)
        df = (sa + sb) ** 2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
        df = np.where(sa + sb > 0, df, np.inf)  # no spread at all: the interval is the point
        t = sps.t.ppf(1 - alpha / 2, df)
        d = ma - mb
        p = 2 * sps.t.sf(np.abs(d / se), df)
    return d, d - t * se, d + t * se, np.where(se > 0, p, np.where(d == 0, 1.0, 0.0))


def relative_interval(mean_a, var_a, n_a, mean_b, var_b, n_b, alpha: float = ALPHA):
    """The delta-method interval of mean_a / mean_b - 1 (independent groups); returns
    ``(lift, low, high)``. Var(a/b) ~ va/(na mb^2) + ma^2 vb/(nb mb^4)."""
    ma, va, na, mb, vb, nb = (
        np.asarray(v, float) for v in (mean_a, var_a, n_a, mean_b, var_b, n_b)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        lift = ma / mb - 1
        se = np.sqrt(va / (na * mb**2) + ma**2 * vb / (nb * mb**4))
        sa, sb = va / na, vb / nb
        df = (sa + sb) ** 2 / (sa**2 / (na - 1) + sb**2 / (nb - 1))
        df = np.where(sa + sb > 0, df, np.inf)  # no spread at all: the interval is the point
        t = sps.t.ppf(1 - alpha / 2, df)
    return lift, lift - t * se, lift + t * se


# -- the tests ----------------------------------------------------------------------------------
def _result(audience, holdout, abs_, rel, p, n_audience) -> LiftResult:
    d, lo, hi = (float(v) for v in abs_)
    return LiftResult(
        audience=float(audience),
        holdout=float(holdout),
        lift_abs=d,
        lift_abs_low=lo,
        lift_abs_high=hi,
        lift_rel=float(rel[0]),
        lift_rel_low=float(rel[1]),
        lift_rel_high=float(rel[2]),
        p_value=float(p),
        incremental=d * n_audience,
        incremental_low=lo * n_audience,
        incremental_high=hi * n_audience,
    )


def proportion_test(
    audience: ProportionStats, holdout: ProportionStats, alpha: float = ALPHA
) -> LiftResult:
    """Conversion of the audience against the holdout: Newcombe's interval of the difference,
    the delta-method interval of the relative lift, the pooled two-proportion z-test."""
    a, h = audience, holdout
    abs_ = newcombe_interval(a.successes, a.n, h.successes, h.n, alpha)
    va, vh = (
        a.rate * (1 - a.rate) * a.n / max(a.n - 1, 1),
        h.rate * (1 - h.rate) * h.n / max(h.n - 1, 1),
    )
    rel = relative_interval(a.rate, va, a.n, h.rate, vh, h.n, alpha)
    pooled = (a.successes + h.successes) / (a.n + h.n) if a.n + h.n else math.nan
    se = math.sqrt(pooled * (1 - pooled) * (1 / a.n + 1 / h.n)) if a.n and h.n else math.nan
    if se > 0:
        p = float(2 * sps.norm.sf(abs(a.rate - h.rate) / se))
    else:
        p = 1.0 if a.n and h.n else math.nan
    return _result(a.rate, h.rate, abs_, rel, p, a.n)


def mean_test(audience: SampleStats, holdout: SampleStats, alpha: float = ALPHA) -> LiftResult:
    """A per-customer mean of the audience against the holdout: Welch's interval and t-test
    for the difference, the delta method for the relative lift."""
    a, h = audience, holdout
    args = (a.mean, a.variance, a.n, h.mean, h.variance, h.n)
    d, lo, hi, p = welch_interval(*args, alpha=alpha)
    rel = relative_interval(*args, alpha=alpha)
    return _result(a.mean, h.mean, (d, lo, hi), rel, p, a.n)


def cuped_test(
    audience: RegressionStats, holdout: RegressionStats, alpha: float = ALPHA
) -> LiftResult:
    """:func:`mean_test` on CUPED-adjusted means: y - theta (x - mean of x over both groups),
    theta = Cov(x, y) / Var(x) pooled. ``narrowing`` says how much narrower the relative
    interval is than without the adjustment (0.3 = 30% narrower)."""
    a, h = audience, holdout
    n = a.n + h.n
    sx, sx2, sy, sxy = (
        getattr(a, f) + getattr(h, f) for f in ("sum_x", "sum_x2", "sum_y", "sum_xy")
    )
    var_x = (sx2 - sx * sx / n) / (n - 1) if n > 1 else 0.0
    theta = ((sxy - sx * sy / n) / (n - 1)) / var_x if var_x > 0 else 0.0
    x_bar = sx / n if n else 0.0

    def adjusted(g: RegressionStats) -> tuple[float, float]:
        vx = (g.sum_x2 - g.sum_x**2 / g.n) / (g.n - 1) if g.n > 1 else 0.0
        mean = g.y.mean - theta * (g.sum_x / g.n - x_bar) if g.n else math.nan
        var = g.y.variance + theta * theta * vx - 2 * theta * g.covariance()
        return mean, max(var, 0.0)

    (ma, va), (mh, vh) = adjusted(a), adjusted(h)
    d, lo, hi, p = welch_interval(ma, va, a.n, mh, vh, h.n, alpha=alpha)
    rel = relative_interval(ma, va, a.n, mh, vh, h.n, alpha=alpha)
    result = _result(a.y.mean, h.y.mean, (d, lo, hi), rel, p, a.n)
    plain = mean_test(a.y, h.y, alpha)
    plain_width = plain.lift_rel_high - plain.lift_rel_low
    width = result.lift_rel_high - result.lift_rel_low
    narrowing = 1 - width / plain_width if plain_width > 0 else None
    return replace(result, narrowing=narrowing)


# -- across segments ---------------------------------------------------------------------------
def holm(p_values) -> np.ndarray:
    """Holm's step-down adjusted p-values (NaN stays NaN and takes no part).

    >>> holm([0.01, 0.04, 0.03]).round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    steps = (m - np.arange(m)) * p[order]
    out[order] = np.minimum(np.maximum.accumulate(steps), 1.0)
    return out


@dataclass(frozen=True)
class SampleRatio:
    """The realised audience/holdout split against the planned holdout share."""

    audience: int
    holdout: int
    planned_share: float
    chi_square: float
    p_value: float

    @property
    def ok(self) -> bool:
        return not self.p_value < SRM_THRESHOLD

    @property
    def share(self) -> float:
        total = self.audience + self.holdout
        return self.holdout / total if total else math.nan


def sample_ratio_check(audience: int, holdout: int, planned_share: float) -> SampleRatio:
    """Pearson's chi-square (1 degree of freedom) of the two group sizes against the plan;
    fails (``ok`` False) below p = 0.001.

    >>> sample_ratio_check(9000, 1000, 0.1).ok, sample_ratio_check(9300, 700, 0.1).ok
    (True, False)
    """
    if not 0 < planned_share < 1:
        raise param_error("planned_share", "a fraction in the open interval (0, 1)", planned_share)
    total = audience + holdout
    if total == 0:
        return SampleRatio(audience, holdout, planned_share, math.nan, math.nan)
    chi2, p = sps.chisquare(
        [audience, holdout], [total * (1 - planned_share), total * planned_share]
    )
    return SampleRatio(audience, holdout, planned_share, float(chi2), float(p))

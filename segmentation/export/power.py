"""How big a holdout is, and what difference a campaign against it can detect.

>>> holdout_size(0.1, 25)
3
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

ALPHA, POWER = 0.05, 0.80


def holdout_size(fraction: float, customers: int) -> int:
    """Customers a segment puts in its holdout: ``fraction * customers`` rounded half up.

    >>> holdout_size(0.1, 25), holdout_size(0.1, 24), holdout_size(0.5, 1)
    (3, 2, 1)
    """
    exact = Decimal(repr(float(fraction))) * int(customers)
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))


def minimum_detectable_effect(
    n_treatment: int,
    n_control: int,
    base_rate: float,
    *,
    alpha: float = ALPHA,
    power: float = POWER,
) -> float:
    """The smallest difference in conversion rate (absolute, e.g. 0.01 = 1 point) that a
    two-sided test at level ``alpha`` detects with probability ``power``, for a campaign group
    of ``n_treatment`` and a holdout of ``n_control`` customers converting at ``base_rate``.

    The two-proportion normal approximation with both groups' variance taken at the base rate:
    ``MDE = (z[1 - alpha/2] + z[power]) * sqrt(p (1 - p) (1/n_t + 1/n_c))``. NaN without a group.

    >>> round(minimum_detectable_effect(10_000, 1_000, 0.05), 4)
    0.0203
    """
    if n_treatment <= 0 or n_control <= 0 or not 0 < base_rate < 1:
        return math.nan
    from scipy.stats import norm

    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(z * math.sqrt(base_rate * (1 - base_rate) * (1 / n_treatment + 1 / n_control)))

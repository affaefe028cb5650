"""Sentences a marketer can paste into a report, one per segment of a readout.

>>> from segmentation.measure.stats import LiftResult
>>> r = LiftResult(11.2, 10.0, 1.2, 0.3, 2.1, 0.12, 0.03, 0.21, 0.004, 4100.0, 1000.0, 7200.0)
>>> verdict("Champions", r, p_value=0.004, currency="£")
'Champions: revenue per customer +12% (95% interval +3% to +21%), about £4,100 of extra revenue: the campaign worked here.'
"""

from __future__ import annotations

import math

from .stats import ALPHA, LiftResult


def percent(value: float) -> str:
    """A signed whole percentage: +12%, -3%, +0%; 'n/a' when unknown."""
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{round(value * 100):+d}%"


def money(value: float, currency: str = "") -> str:
    """A rounded amount with its currency: £4,100 (two significant figures above 1,000)."""
    if not math.isfinite(value):
        return "an unknown amount"
    sign, value = ("-" if value < 0 else ""), abs(value)
    if value >= 1000:
        digits = len(str(int(value))) - 2
        value = round(value, -digits)
    return f"{sign}{currency}{value:,.0f}"


def verdict(
    name: str,
    revenue: LiftResult,
    *,
    p_value: float,
    currency: str = "",
    small_note: str | None = None,
) -> str:
    """One sentence on a segment's revenue per customer; ``p_value`` is the one to judge by
    (Holm-adjusted across segments); ``small_note`` replaces the conclusion when the segment
    is too small to tell."""
    head = (
        f"{name}: revenue per customer {percent(revenue.lift_rel)} (95% interval "
        f"{percent(revenue.lift_rel_low)} to {percent(revenue.lift_rel_high)})"
    )
    extra = revenue.incremental
    amount = money(abs(extra), currency)
    money_part = f"about {amount} of {'extra' if extra >= 0 else 'lost'} revenue"
    clear = math.isfinite(p_value) and p_value < ALPHA
    if small_note and not clear:
        return f"{head}: {small_note}"
    if clear and revenue.lift_abs > 0:
        end = "the campaign worked here."
    elif clear and revenue.lift_abs < 0:
        end = "the campaign did harm here: customers who got it spent less than the holdout."
    else:
        end = "no clear effect: the difference may be chance."
    return f"{head}, {money_part}: {end}"

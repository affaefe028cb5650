"""Verdict sentences: signs, rounding, and the three conclusions."""

from __future__ import annotations

import math

from segmentation.measure.stats import LiftResult
from segmentation.measure.verdict import money, percent, verdict


def _revenue(lift_rel, low, high, lift_abs, extra) -> LiftResult:
    return LiftResult(10.0, 10.0, lift_abs, 0, 0, lift_rel, low, high, 0.5, extra, 0, 0)


def test_percent_and_money_round_the_way_a_report_does():
    assert (percent(0.124), percent(-0.031), percent(0.0), percent(math.nan)) == (
        "+12%",
        "-3%",
        "+0%",
        "n/a",
    )
    assert (money(4123.0, "£"), money(-987.4), money(123_456.0, "$")) == (
        "£4,100",
        "-987",
        "$120,000",
    )


def test_verdicts_say_worked_harm_or_no_clear_effect():
    up = verdict("Champions", _revenue(0.12, 0.03, 0.21, 1.2, 4100), p_value=0.004, currency="£")
    assert up.endswith("about £4,100 of extra revenue: the campaign worked here.")
    down = verdict("Lapsed", _revenue(-0.2, -0.3, -0.1, -2.0, -900), p_value=0.001)
    assert "about 900 of lost revenue" in down and "did harm here" in down
    unclear = verdict("New", _revenue(0.02, -0.1, 0.14, 0.2, 50), p_value=0.6)
    assert unclear.endswith("no clear effect: the difference may be chance.")


def test_a_small_segment_says_so_unless_the_difference_is_clear():
    note = "too few customers to tell: the holdout has 40."
    small = verdict("Tiny", _revenue(0.3, -0.5, 1.1, 3.0, 120), p_value=0.4, small_note=note)
    assert small == "Tiny: revenue per customer +30% (95% interval -50% to +110%): " + note
    clear = verdict("Tiny", _revenue(0.9, 0.4, 1.4, 9.0, 360), p_value=0.001, small_note=note)
    assert clear.endswith("the campaign worked here.")

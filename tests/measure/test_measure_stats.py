"""The readout's statistics: published worked examples, statsmodels, and coverage over seeds."""

from __future__ import annotations

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint
from statsmodels.stats.weightstats import ttest_ind

from segmentation.errors import InvalidParameterError
from segmentation.measure.stats import (
    ProportionStats,
    RegressionStats,
    SampleStats,
    cuped_test,
    holm,
    mean_test,
    newcombe_interval,
    proportion_test,
    relative_interval,
    sample_ratio_check,
    welch_interval,
    wilson_interval,
)

SEEDS = 1000


def _stats(values: np.ndarray) -> SampleStats:
    return SampleStats(len(values), float(values.sum()), float((values**2).sum()))


# -- published numbers ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [  # Newcombe (1998), Statistics in Medicine 17:873-890, Table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (6, 7, 2, 7, 0.0582, 0.8062),
        (5, 56, 0, 29, -0.0381, 0.1926),
    ],
)
def test_newcombe_matches_the_published_table(x1, n1, x2, n2, low, high):
    d, lo, hi = newcombe_interval(x1, n1, x2, n2)
    assert d == pytest.approx(x1 / n1 - x2 / n2)
    assert (round(float(lo), 4), round(float(hi), 4)) == (low, high)
    ref = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
    assert (float(lo), float(hi)) == pytest.approx(ref, abs=1e-10)


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [(81, 263, 0.2553, 0.3662), (15, 148, 0.0624, 0.1605), (0, 20, 0.0, 0.1611)],
)
def test_wilson_matches_newcombe_single_proportion_examples(x, n, low, high):
    lo, hi = wilson_interval(x, n)  # Newcombe (1998), Statistics in Medicine 17:857-872, Table I
    assert (round(float(lo), 4), round(float(hi), 4)) == (low, high)
    assert (float(lo), float(hi)) == pytest.approx(proportion_confint(x, n, method="wilson"))


def test_welch_matches_statsmodels():
    rng = np.random.default_rng(3)
    a, b = rng.gamma(2.0, 10.0, 300), rng.gamma(2.0, 8.0, 90)
    d, lo, hi, p = welch_interval(a.mean(), a.var(ddof=1), 300, b.mean(), b.var(ddof=1), 90)
    _t, ref_p, _df = ttest_ind(a, b, usevar="unequal")
    assert float(p) == pytest.approx(ref_p)
    r = mean_test(_stats(a), _stats(b))
    assert (r.lift_abs, r.lift_abs_low, r.lift_abs_high) == pytest.approx((d, lo, hi))
    assert r.p_value == pytest.approx(ref_p)


def test_holm_matches_statsmodels():
    p = np.random.default_rng(5).uniform(0, 0.2, 12)
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1])
    with_nan = holm([0.01, np.nan, 0.04])
    assert np.isnan(with_nan[1]) and with_nan[[0, 2]] == pytest.approx([0.02, 0.04])


# -- planted lifts ----------------------------------------------------------------------------
def test_planted_conversion_lift_is_found_and_null_segment_is_not():
    rng = np.random.default_rng(1)
    lifted = proportion_test(
        ProportionStats(20_000, int(rng.binomial(20_000, 0.12))),
        ProportionStats(2_000, int(rng.binomial(2_000, 0.08))),
    )
    assert lifted.lift_abs_low > 0 and lifted.p_value < 0.001
    assert lifted.lift_abs_low < 0.04 < lifted.lift_abs_high
    assert lifted.lift_rel_low < 0.5 < lifted.lift_rel_high
    null = proportion_test(ProportionStats(20_000, 1_600), ProportionStats(2_000, 160))
    assert null.lift_abs == 0 and null.lift_abs_low < 0 < null.lift_abs_high
    assert null.p_value == pytest.approx(1.0)
    assert null.incremental == 0 and null.incremental_low < 0 < null.incremental_high


def test_conversion_intervals_cover_the_truth_about_95_percent():
    rng = np.random.default_rng(7)
    n_a, n_h, p_a, p_h = 400, 100, 0.15, 0.10
    x_a, x_h = rng.binomial(n_a, p_a, SEEDS), rng.binomial(n_h, p_h, SEEDS)
    _d, lo, hi = newcombe_interval(x_a, n_a, x_h, n_h)
    covered = np.mean((lo <= p_a - p_h) & (p_a - p_h <= hi))
    assert 0.93 <= covered <= 0.975, covered
    ra, rh = x_a / n_a, x_h / n_h
    _l, rlo, rhi = relative_interval(ra, ra * (1 - ra), n_a, rh, rh * (1 - rh), n_h)
    rel_covered = np.mean((rlo <= p_a / p_h - 1) & (p_a / p_h - 1 <= rhi))
    assert 0.92 <= rel_covered <= 0.98, rel_covered


def test_revenue_intervals_cover_the_truth_about_95_percent():
    rng = np.random.default_rng(11)
    n_a, n_h, mean_a, mean_h = 500, 200, 12.0, 10.0  # gamma(shape 2): skewed like revenue
    a = rng.gamma(2.0, mean_a / 2.0, (SEEDS, n_a))
    h = rng.gamma(2.0, mean_h / 2.0, (SEEDS, n_h))
    args = (a.mean(1), a.var(1, ddof=1), n_a, h.mean(1), h.var(1, ddof=1), n_h)
    _d, lo, hi, _p = welch_interval(*args)
    covered = np.mean((lo <= mean_a - mean_h) & (mean_a - mean_h <= hi))
    assert 0.93 <= covered <= 0.97, covered
    _l, rlo, rhi = relative_interval(*args)
    truth = mean_a / mean_h - 1
    assert 0.92 <= np.mean((rlo <= truth) & (truth <= rhi)) <= 0.975


def test_null_p_values_reject_about_5_percent():
    rng = np.random.default_rng(13)
    a, h = rng.gamma(2.0, 5.0, (SEEDS, 300)), rng.gamma(2.0, 5.0, (SEEDS, 100))
    *_rest, p = welch_interval(a.mean(1), a.var(1, ddof=1), 300, h.mean(1), h.var(1, ddof=1), 100)
    assert 0.03 <= np.mean(p < 0.05) <= 0.07


# -- CUPED ---------------------------------------------------------------------------------
def _regression(y: np.ndarray, x: np.ndarray) -> RegressionStats:
    return RegressionStats(len(y), y.sum(), (y * y).sum(), x.sum(), (x * x).sum(), (x * y).sum())


def test_cuped_narrows_the_interval_and_keeps_the_lift():
    rng = np.random.default_rng(17)
    x_a, x_h = rng.gamma(2.0, 10.0, 5000), rng.gamma(2.0, 10.0, 1000)
    y_a = 0.8 * x_a + rng.normal(0, 4, 5000) + 2.0  # planted +2 per customer
    y_h = 0.8 * x_h + rng.normal(0, 4, 1000)
    plain = mean_test(_stats(y_a), _stats(y_h))
    cuped = cuped_test(_regression(y_a, x_a), _regression(y_h, x_h))
    assert cuped.narrowing > 0.5
    assert cuped.lift_abs_high - cuped.lift_abs_low < 0.5 * (
        plain.lift_abs_high - plain.lift_abs_low
    )
    assert cuped.lift_abs_low < 2.0 < cuped.lift_abs_high
    assert (cuped.audience, cuped.holdout) == pytest.approx((plain.audience, plain.holdout))


def test_cuped_intervals_cover_the_truth_about_95_percent():
    rng = np.random.default_rng(19)
    hits = 0
    for _ in range(400):
        x_a, x_h = rng.gamma(2.0, 10.0, 200), rng.gamma(2.0, 10.0, 80)
        y_a = 0.8 * x_a + rng.normal(0, 4, 200) + 1.0
        y_h = 0.8 * x_h + rng.normal(0, 4, 80)
        r = cuped_test(_regression(y_a, x_a), _regression(y_h, x_h))
        hits += r.lift_abs_low <= 1.0 <= r.lift_abs_high
    assert 0.92 <= hits / 400 <= 0.98


# -- sample ratio ---------------------------------------------------------------------------
def test_sample_ratio_check_fires_on_a_planted_imbalance():
    fine = sample_ratio_check(90_012, 9_988, 0.1)
    assert fine.ok and fine.p_value > 0.5
    broken = sample_ratio_check(90_900, 9_100, 0.1)  # 9.1% held out where 10% was planned
    assert not broken.ok and broken.p_value < 1e-10
    assert broken.share == pytest.approx(0.091)


def test_sample_ratio_check_refuses_a_share_outside_zero_one():
    with pytest.raises(InvalidParameterError, match="'planned_share' parameter must be a fraction"):
        sample_ratio_check(10, 10, 1.5)


def test_empty_groups_give_nan_not_errors():
    r = proportion_test(ProportionStats(0, 0), ProportionStats(10, 1))
    assert np.isnan(r.lift_abs) and r.to_dict()["lift_abs"] is None

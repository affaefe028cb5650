"""Holdout sizes and the minimum detectable effect of segmentation.export.power."""

import pytest

from segmentation.export import power


def test_holdout_size_rounds_half_up():
    assert power.holdout_size(0.1, 25) == 3 and power.holdout_size(0.1, 24) == 2
    assert power.holdout_size(0.125, 4) == 1 and power.holdout_size(0.5, 3) == 2
    assert power.holdout_size(0.285, 100) == 29  # 28.5, exact in decimal


def test_minimum_detectable_effect_is_the_two_proportion_formula():
    from scipy.stats import norm

    z = norm.ppf(0.975) + norm.ppf(0.8)
    expected = z * (0.05 * 0.95 * (1 / 10_000 + 1 / 1_000)) ** 0.5
    assert power.minimum_detectable_effect(10_000, 1_000, 0.05) == pytest.approx(expected)
    assert power.minimum_detectable_effect(100, 0, 0.05) != power.minimum_detectable_effect(100, 0, 0.05)  # fmt: skip

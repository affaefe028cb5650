"""Parameter rules declared once, checked at one point, one sentence per broken rule."""

from __future__ import annotations

import pytest

from segmentation._validation import Interval, Options, constraints_of, validate_params
from segmentation.errors import InvalidParameterError


@validate_params(
    {
        "k": Interval(int, 2, 50),
        "rate": Interval(float, 0, 1, closed="left"),
        "unit": Options("day", "week"),
        "horizon": Interval(int, 1, None, allow_none=True),
    }
)
def fit(*, k: int = 5, rate: float = 0.1, unit: str = "day", horizon: int | None = None):
    return k, rate, unit, horizon


def test_valid_calls_pass_through():
    assert fit(k=2, rate=0, unit="week", horizon=None) == (2, 0, "week", None)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"k": 0}, r"The 'k' parameter of fit must be an int in \[2, 50\]\. Got 0 instead\."),
        ({"k": 2.5}, r"'k' parameter of fit must be an int"),
        ({"k": True}, r"'k' parameter of fit must be an int"),
        ({"rate": 1.0}, r"'rate' parameter of fit must be a number in \[0, 1\)\. Got 1\.0"),
        ({"rate": float("nan")}, r"'rate' parameter .* Got nan"),
        ({"unit": "month"}, r"must be one of 'day', 'week'\. Got 'month' instead\."),
        ({"horizon": 0}, r"an int in \[1, inf\) or None\. Got 0"),
    ],
)
def test_a_broken_rule_names_function_parameter_rule_and_value(kwargs, message):
    with pytest.raises(InvalidParameterError, match=message):
        fit(**kwargs)


def test_rules_are_readable_for_widgets_and_the_cli():
    assert constraints_of(fit)["k"].high == 50
    assert constraints_of(fit)["unit"].choices == ("day", "week")


def test_a_rule_for_a_missing_parameter_is_a_developer_error():
    with pytest.raises(TypeError, match="no parameters"):
        validate_params({"nope": Interval(int)})(lambda x: x)

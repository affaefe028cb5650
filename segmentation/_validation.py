"""Parameter constraints declared once, next to the function, and checked at one point.

The scikit-learn way (``sklearn/utils/_param_validation.py``), small: a public function states
its rules with :func:`validate_params`; a call that breaks one raises
:class:`~segmentation.errors.InvalidParameterError` with one sentence that names the function,
the parameter, the rule and the value. Pages and the CLI read the same rules
(:func:`constraints_of`) for their widgets' limits and choices instead of repeating literals.

>>> @validate_params({"k": Interval(int, 2, 50), "unit": Options("day", "week")})
... def fit(*, k=5, unit="day"):
...     return k, unit
>>> fit(k=3)
(3, 'day')
>>> fit(k=0)
Traceback (most recent call last):
...
segmentation.errors.InvalidParameterError: The 'k' parameter of fit must be an int in [2, 50]. Got 0 instead.
>>> constraints_of(fit)["k"].high
50
"""

from __future__ import annotations

import functools
import inspect
import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import InvalidParameterError

F = TypeVar("F", bound=Callable[..., Any])
_TYPE_WORDS = {int: "an int", float: "a number"}


@dataclass(frozen=True)
class Interval:
    """A number of ``kind`` (int or float) in ``[low, high]`` (either end may be None: open)."""

    kind: type
    low: float | None = None
    high: float | None = None
    closed: str = "both"  # "both", "left", "right" or "neither"
    allow_none: bool = False

    def holds(self, value: Any) -> bool:
        if value is None:
            return self.allow_none
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            return False
        if self.kind is int and not isinstance(value, numbers.Integral):
            return False
        if isinstance(value, float) and not math.isfinite(value):
            return False
        low_ok = self.low is None or (
            value >= self.low if self.closed in ("both", "left") else value > self.low
        )
        high_ok = self.high is None or (
            value <= self.high if self.closed in ("both", "right") else value < self.high
        )
        return low_ok and high_ok

    def __str__(self) -> str:
        left = "[" if self.closed in ("both", "left") and self.low is not None else "("
        right = "]" if self.closed in ("both", "right") and self.high is not None else ")"
        low = "-inf" if self.low is None else f"{self.low:g}"
        high = "inf" if self.high is None else f"{self.high:g}"
        text = f"{_TYPE_WORDS[self.kind]} in {left}{low}, {high}{right}"
        return text + (" or None" if self.allow_none else "")


@dataclass(frozen=True)
class Options:
    """One of a fixed set of values."""

    choices: tuple[Any, ...]
    allow_none: bool = False

    def __init__(self, *choices: Any, allow_none: bool = False) -> None:
        object.__setattr__(self, "choices", tuple(choices))
        object.__setattr__(self, "allow_none", allow_none)

    def holds(self, value: Any) -> bool:
        return (value is None and self.allow_none) or value in self.choices

    def __str__(self) -> str:
        text = "one of " + ", ".join(repr(c) for c in self.choices)
        return text + (" or None" if self.allow_none else "")


Constraint = Interval | Options


def check(function: str, name: str, value: Any, rule: Constraint) -> None:
    """Raise the standard message when ``value`` breaks ``rule``."""
    if not rule.holds(value):
        raise InvalidParameterError(
            f"The {name!r} parameter of {function} must be {rule}. Got {value!r} instead."
        )


def validate_params(rules: Mapping[str, Constraint]) -> Callable[[F], F]:
    """Decorate a function so that its arguments are checked against ``rules`` on every call."""

    def decorate(func: F) -> F:
        signature = inspect.signature(func)
        unknown = set(rules) - set(signature.parameters)
        if unknown:  # a typo in the rules is the developer's error, caught at import
            raise TypeError(f"{func.__name__} has no parameters {sorted(unknown)}")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            for name, rule in rules.items():
                check(func.__name__, name, bound.arguments[name], rule)
            return func(*args, **kwargs)

        wrapper.__constraints__ = dict(rules)  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate


def constraints_of(func: Callable[..., Any]) -> dict[str, Constraint]:
    """The rules a function declared with :func:`validate_params` (for widgets and the CLI)."""
    return dict(getattr(func, "__constraints__", {}))

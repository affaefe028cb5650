"""Zooming in on the map: an area of the 2-D map (a window), the customers inside it, and the
shading of where customers crowd (server-side binning) under the points a chart draws.

Plotly's own zoom and pan stay in the browser; a window is the zoom the server sees, so that
the chart can draw every customer of a small area instead of a sample of the whole map.

>>> area = Window(-1.0, 1.0, 0.0, 2.0)
>>> area.contains(np.array([0.0, 3.0]), np.array([1.0, 1.0])).tolist()
[True, False]
>>> Window(1.0, 1.0, 0.0, 2.0)
Traceback (most recent call last):
...
segmentation.errors.InvalidParameterError: The area to zoom to must have x0 < x1 (its left \
edge left of its right edge). Got x0=1 and x1=1; choose a wider area.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError

DENSITY_BINS = 120  # cells across each axis of the shading


@dataclass(frozen=True)
class Window:
    """An area of the 2-D map, ``x0 <= x <= x1`` and ``y0 <= y <= y1`` (edges included).

    Checked when made: finite numbers with ``x0 < x1`` and ``y0 < y1``.
    """

    x0: float
    x1: float
    y0: float
    y1: float

    def __post_init__(self) -> None:
        for name in ("x0", "x1", "y0", "y1"):
            value = getattr(self, name)
            if not _finite(value):
                raise InvalidParameterError(
                    f"The area to zoom to needs a finite number for {name}. Got {value!r}; "
                    "draw a box or lasso on the map, or type the area's edges as numbers."
                )
            object.__setattr__(self, name, float(value))
        for low, high, what in (("x0", "x1", "left"), ("y0", "y1", "bottom")):
            a, b = getattr(self, low), getattr(self, high)
            if not a < b:
                other = "right" if what == "left" else "top"
                raise InvalidParameterError(
                    f"The area to zoom to must have {low} < {high} (its {what} edge "
                    f"{'left of' if what == 'left' else 'below'} its {other} edge). Got "
                    f"{low}={a:g} and {high}={b:g}; choose a wider area."
                )

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Which of the points ``(x, y)`` lie inside (edges included)."""
        return (x >= self.x0) & (x <= self.x1) & (y >= self.y0) & (y <= self.y1)

    @property
    def ranges(self) -> tuple[list[float], list[float]]:
        """The axes' ranges: ``([x0, x1], [y0, y1])``."""
        return [self.x0, self.x1], [self.y0, self.y1]


def _finite(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return False
    return math.isfinite(float(value))


def selection_window(event: Mapping | None) -> Window | None:
    """The smallest window around a chart selection's boxes and lassos, or None when it has
    none (a click on points, a cleared selection, or a region without width or height).

    >>> selection_window({"selection": {"box": [{"x": [2, 0], "y": [1, 3]}], "lasso": []}})
    Window(x0=0.0, x1=2.0, y0=1.0, y1=3.0)
    """
    selection = (event or {}).get("selection") or {}
    xs: list[float] = []
    ys: list[float] = []
    for region in [*(selection.get("box") or []), *(selection.get("lasso") or [])]:
        xs += [float(v) for v in region.get("x") or []]
        ys += [float(v) for v in region.get("y") or []]
    if not xs or not ys:
        return None
    try:
        return Window(min(xs), max(xs), min(ys), max(ys))
    except InvalidParameterError:
        return None


def inside(points: pd.DataFrame, window: Window) -> np.ndarray:
    """Positions (sorted) of the rows of ``points`` (columns ``x``, ``y``) inside ``window``."""
    x, y = points["x"].to_numpy(np.float64), points["y"].to_numpy(np.float64)
    return np.flatnonzero(window.contains(x, y))


def whole_window(points: pd.DataFrame) -> Window | None:
    """The window around every point (None without two distinct x and y values)."""
    if points.empty:
        return None
    x, y = points["x"].to_numpy(np.float64), points["y"].to_numpy(np.float64)
    try:
        return Window(float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    except InvalidParameterError:
        return None


@dataclass(frozen=True)
class Density:
    """How many customers fall in each cell of a grid over a window: ``counts[row, column]``
    with rows along y; ``x`` and ``y`` are the cells' centres."""

    counts: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @property
    def customers(self) -> int:
        return int(self.counts.sum())


def density_grid(points: pd.DataFrame, window: Window, bins: int = DENSITY_BINS) -> Density:
    """The customers of ``points`` inside ``window`` counted per cell of a ``bins`` x ``bins``
    grid (one pass of integer arithmetic: a few milliseconds for a million points)."""
    x, y = points["x"].to_numpy(np.float64), points["y"].to_numpy(np.float64)
    keep = window.contains(x, y)
    x, y = x[keep], y[keep]
    width, height = window.x1 - window.x0, window.y1 - window.y0
    column = np.minimum(((x - window.x0) / width * bins).astype(np.int64), bins - 1)
    row = np.minimum(((y - window.y0) / height * bins).astype(np.int64), bins - 1)
    counts = np.bincount(row * bins + column, minlength=bins * bins).reshape(bins, bins)
    centres = (np.arange(bins) + 0.5) / bins
    return Density(counts, window.x0 + centres * width, window.y0 + centres * height)

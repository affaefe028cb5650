"""Zooming in on the map: the window, the customers a zoomed chart draws, the shading, the words."""

import math

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.explore.points import chart_points, drawn_words
from segmentation.explore.project import project
from segmentation.explore.selection import map_selection, selected_customers
from segmentation.explore.window import Window, density_grid, inside, selection_window


@pytest.fixture(scope="module")
def ws(explore_ws):
    return explore_ws


@pytest.fixture(scope="module")
def pca(explore_pca):
    return explore_pca


def _middle(points: pd.DataFrame, low: float = 0.3, high: float = 0.7) -> Window:
    x0, x1 = np.quantile(points["x"], [low, high])
    y0, y1 = np.quantile(points["y"], [low, high])
    return Window(x0, x1, y0, y1)


def _inside_ids(points: pd.DataFrame, window: Window) -> set[str]:
    x, y = points["x"].astype(float), points["y"].astype(float)
    keep = x.between(window.x0, window.x1) & y.between(window.y0, window.y1)
    return set(points.loc[keep, "customer_id"])


@pytest.mark.parametrize(
    ("edges", "message"),
    [
        ((1.0, 1.0, 0.0, 2.0), r"must have x0 < x1 .* Got x0=1 and x1=1; choose a wider area"),
        ((2.0, 1.0, 0.0, 2.0), r"must have x0 < x1 .* Got x0=2 and x1=1"),
        ((0.0, 1.0, 3.0, -1.0), r"must have y0 < y1 \(its bottom edge below its top edge\)"),
        ((math.nan, 1.0, 0.0, 2.0), r"needs a finite number for x0. Got nan"),
        ((0.0, math.inf, 0.0, 2.0), r"needs a finite number for x1. Got inf"),
        ((0.0, 1.0, "0", 2.0), r"needs a finite number for y0. Got '0'"),
        ((0.0, 1.0, 0.0, None), r"needs a finite number for y1. Got None"),
    ],
)
def test_a_window_refuses_edges_that_are_not_finite_or_in_order(edges, message):
    with pytest.raises(InvalidParameterError, match=message):
        Window(*edges)


def test_a_window_takes_numpy_numbers_and_includes_its_edges():
    window = Window(np.float32(-1), 1, np.int64(0), 2.5)
    assert window == Window(-1.0, 1.0, 0.0, 2.5)
    assert window.contains(np.array([-1.0, 1.0, 1.01]), np.array([0.0, 2.5, 1.0])).tolist() == [
        True,
        True,
        False,
    ]
    assert window.ranges == ([-1.0, 1.0], [0.0, 2.5])


def test_the_selection_window_surrounds_every_box_and_lasso():
    box = {"xref": "x", "yref": "y", "x": [3.0, 1.0], "y": [0.5, 2.0]}
    lasso = {"xref": "x", "yref": "y", "x": [0.0, 2.0, 1.0], "y": [-1.0, 0.0, 1.5]}
    event = {"selection": {"points": [], "box": [box], "lasso": [lasso]}}
    assert selection_window(event) == Window(0.0, 3.0, -1.0, 2.0)
    assert selection_window({"selection": {"points": [{"customdata": ["C1"]}]}}) is None
    assert selection_window(None) is None
    flat = {"selection": {"box": [{"x": [1.0, 1.0], "y": [0.0, 1.0]}], "lasso": []}}
    assert selection_window(flat) is None  # no width: nothing to zoom to


def test_a_zoomed_chart_draws_every_customer_inside_the_window(ws, pca):
    window = _middle(pca.points)
    zoomed = chart_points(ws, pca, colour="monetary", window=window)
    expected = _inside_ids(pca.points, window)
    assert 0 < len(expected) < len(pca.points)
    assert set(zoomed.frame["customer_id"]) == expected
    assert zoomed.drawn == zoomed.total == len(expected)
    assert zoomed.window == window and zoomed.density is None  # all drawn: no shading
    assert zoomed.frame["monetary"].notna().all()
    assert drawn_words(pca, zoomed) == (
        f"Zoomed in: all {len(expected):,} customers in this area are drawn."
    )


def test_a_window_with_too_many_customers_draws_a_seeded_sample_in_proportion(ws, pca):
    window = _middle(pca.points, 0.02, 0.98)
    everyone = pca.points.iloc[inside(pca.points, window)]
    zoomed = chart_points(ws, pca, window=window, max_points=100, seed=4)
    assert zoomed.drawn == 100 and zoomed.total == len(everyone) > 100
    assert set(zoomed.frame["customer_id"]) <= set(everyone["customer_id"])
    shares = everyone["segment_id"].value_counts(normalize=True)
    drawn = zoomed.frame["segment_id"].value_counts(normalize=True)
    assert drawn.reindex(shares.index).to_numpy() == pytest.approx(shares.to_numpy(), abs=0.06)
    again = chart_points(ws, pca, window=window, max_points=100, seed=4)
    assert again.frame["customer_id"].tolist() == zoomed.frame["customer_id"].tolist()
    assert zoomed.density.customers == len(everyone)  # the shading holds all of them
    assert drawn_words(pca, zoomed) == (
        f"Zoomed in: 100 of the {len(everyone):,} customers in this area are drawn (a sample in "
        "proportion to each segment); the shading shows where all of them are."
    )


def test_an_empty_window_draws_nothing_and_says_so(ws, pca):
    far = float(pca.points["x"].max()) + 10
    zoomed = chart_points(ws, pca, window=Window(far, far + 1, 0.0, 1.0))
    assert zoomed.drawn == zoomed.total == 0
    assert drawn_words(pca, zoomed) == "Zoomed in: there are no customers in this area."


def test_the_whole_map_sample_carries_the_shading_of_every_customer(ws, pca):
    drawn = chart_points(ws, pca, max_points=150)
    assert drawn.window is None and drawn.density.customers == len(pca.points)
    assert drawn.density.counts.shape == (120, 120)


def test_a_3d_map_cannot_be_zoomed(ws, explore_run):
    pca3 = project(ws, explore_run.run_id, "pca", dims=3)
    with pytest.raises(InvalidParameterError, match=r"'window' parameter must be None for a 3-D"):
        chart_points(ws, pca3, window=Window(0, 1, 0, 1))


def test_the_density_grid_counts_each_customer_inside_once():
    points = pd.DataFrame({"x": [0.0, 0.5, 1.0, 1.0, 2.0], "y": [0.0, 0.5, 1.0, 0.2, 0.5]})
    grid = density_grid(points, Window(0.0, 1.0, 0.0, 1.0), bins=2)
    assert grid.counts.tolist() == [[1, 1], [0, 2]]  # rows along y; the top edge is inside
    assert grid.x.tolist() == [0.25, 0.75] and grid.y.tolist() == [0.25, 0.75]
    assert grid.customers == 4  # x = 2 is outside


def test_a_selection_in_the_zoomed_view_picks_the_customers_inside_it(ws, pca):
    window = _middle(pca.points, 0.2, 0.8)
    zoomed = chart_points(ws, pca, window=window)
    box = _middle(zoomed.frame, 0.25, 0.75)
    in_box = zoomed.frame.iloc[inside(zoomed.frame, box)]
    shown = in_box.groupby("segment_id")["customer_id"].first().tolist()  # the browser's points
    event = {
        "selection": {
            "points": [{"customdata": [c, "x"]} for c in shown],
            "box": [{"xref": "x", "yref": "y", "x": [box.x1, box.x0], "y": [box.y0, box.y1]}],
            "lasso": [],
        }
    }
    assert sorted(selected_customers(event, pca)) == sorted(_inside_ids(pca.points, box))
    kept = map_selection(event, pca)
    assert (kept.run_id, kept.key, kept.area) == (pca.run_id, pca.key, box)
    assert sorted(kept.ids) == sorted(in_box["customer_id"])

"""Explore charts: the map of a projection (one WebGL trace per segment) and its density view."""

import numpy as np
import plotly.graph_objects as go
import pytest

from segmentation.charts import explore as explore_charts
from segmentation.explore import points as projection
from segmentation.explore.window import Window


@pytest.fixture(scope="module")
def ws(explore_ws):
    return explore_ws


@pytest.fixture(scope="module")
def run(explore_run):
    return explore_run


@pytest.fixture(scope="module")
def pca(explore_pca):
    return explore_pca


def test_the_map_draws_one_webgl_trace_per_segment(ws, run, pca):
    drawn = projection.chart_points(ws, pca)
    names = [s.name for s in run.segments]
    fig = explore_charts.projection_map(
        drawn.frame,
        axis_titles=pca.axis_titles,
        features=drawn.features,
        segments=names,
        loadings=pca.loadings,
    )
    assert all(isinstance(t, go.Scattergl) for t in fig.data)
    assert [t.name for t in fig.data] == names
    first = fig.data[0]
    assert first.customdata[0][0] in set(drawn.frame["customer_id"])
    assert "monetary" in first.hovertemplate
    arrows = [a for a in fig.layout.annotations if a.showarrow]
    labels = [a.text for a in fig.layout.annotations if not a.showarrow]
    assert len(arrows) == 6  # the six features that weigh most on the two axes
    named = [name for label in labels for name in label.split("<br>")]
    assert len(named) == 6 and set(named) <= set(pca.loadings.index)  # each named once
    by_feature = explore_charts.projection_map(
        drawn.frame, axis_titles=pca.axis_titles, features=drawn.features, colour="monetary"
    )
    assert len(by_feature.data) == 1 and by_feature.data[0].marker.colorscale
    density = explore_charts.density_map(pca.points, axis_titles=pca.axis_titles)
    assert isinstance(density.data[0], go.Contour)
    assert density.data[0].customdata.sum() == 600
    assert len(density.layout.annotations) == len(run.segments)  # names at their medians


def test_a_sampled_map_shades_every_customer_under_its_points(ws, run, pca):
    drawn = projection.chart_points(ws, pca, max_points=200)
    fig = explore_charts.projection_map(
        drawn.frame,
        axis_titles=pca.axis_titles,
        features=drawn.features,
        segments=[s.name for s in run.segments],
        shading=drawn.density,
    )
    shade, *traces = fig.data
    assert isinstance(shade, go.Heatmap) and shade.hoverinfo == "skip" and not shade.showscale
    counts = drawn.density.counts
    assert np.isnan(shade.z[counts == 0]).all()  # empty cells stay clear
    assert shade.z[counts > 0] == pytest.approx(np.log1p(counts[counts > 0]))
    assert all(isinstance(t, go.Scattergl) for t in traces)
    assert sum(len(t.x) for t in traces) == 200


def test_a_zoomed_map_fixes_its_axes_to_the_area(ws, pca):
    window = Window(-1.0, 1.0, -0.5, 0.5)
    drawn = projection.chart_points(ws, pca, window=window)
    fig = explore_charts.projection_map(
        drawn.frame, axis_titles=pca.axis_titles, features=drawn.features, ranges=window.ranges
    )
    assert list(fig.layout.xaxis.range) == [-1.0, 1.0] and fig.layout.xaxis.autorange is False
    assert list(fig.layout.yaxis.range) == [-0.5, 0.5] and fig.layout.yaxis.autorange is False
    assert not any(isinstance(t, go.Heatmap) for t in fig.data)  # nothing shaded: no density


def test_arrows_pointing_the_same_way_share_one_label():
    import pandas as pd

    loadings = pd.DataFrame(
        {"PC1": [0.9, 0.8, 0.85, 0.0, -0.5], "PC2": [0.05, 0.12, -0.04, 0.9, -0.5]},
        index=["net revenue", "distinct products", "orders", "days since first order", "returns"],
    )
    points = pd.DataFrame(
        {"customer_id": ["1", "2"], "x": [-4.0, 4.0], "y": [-3.0, 2.0], "segment": ["a", "b"]}
    )
    fig = explore_charts.projection_map(
        points, axis_titles=["PC1", "PC2"], features=[], segments=["a", "b"], loadings=loadings
    )
    labels = {a.text: a for a in fig.layout.annotations if not a.showarrow}
    assert set(labels) == {
        "net revenue<br>orders<br>distinct products", "days since first order", "returns",
    }  # fmt: skip
    shared = labels["net revenue<br>orders<br>distinct products"]
    assert shared.xanchor == "left" and shared.x > 0  # past the longest of the three tips
    assert labels["returns"].xanchor == "right"

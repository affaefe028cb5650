"""Explore charts: the map of a projection (one WebGL trace per segment) and its density view."""

import plotly.graph_objects as go
import pytest

from segmentation.charts import explore as explore_charts
from segmentation.explore import points as projection


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
    assert len(fig.layout.annotations) == 12  # biplot arrows and their labels
    by_feature = explore_charts.projection_map(
        drawn.frame, axis_titles=pca.axis_titles, features=drawn.features, colour="monetary"
    )
    assert len(by_feature.data) == 1 and by_feature.data[0].marker.colorscale
    density = explore_charts.density_map(pca.points, axis_titles=pca.axis_titles)
    assert isinstance(density.data[0], go.Contour)
    assert density.data[0].customdata.sum() == 600
    assert len(density.layout.annotations) == len(run.segments)  # names at their medians

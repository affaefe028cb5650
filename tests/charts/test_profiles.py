"""Profile charts: index heatmap, radar, distributions, shares and top values of a profile."""

import plotly.graph_objects as go
import pytest

from segmentation.charts import profiles as charts


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


def test_charts_are_figures_with_one_trace_per_series(kmeans):
    n = len(kmeans.segments)
    heat = charts.index_heatmap(kmeans.feature_frame("index", words=True))
    assert isinstance(heat, go.Figure) and heat.data[0].type == "heatmap"
    assert list(heat.data[0].y) == [s.name for s in kmeans.segments]
    radar = charts.radar(kmeans.compare(1, 2))
    assert [t.type for t in radar.data] == ["scatterpolar"] * 3
    assert radar.data[1].theta[0] == "days since last order"
    order = [s.name for s in kmeans.segments]
    box = charts.distribution(kmeans.distribution("frequency"), "orders", order, log=True)
    assert len(box.data) == n and box.layout.yaxis.type == "log"
    negative = charts.distribution(kmeans.distribution("monetary"), "x", order, log=True)
    assert negative.layout.yaxis.type == "linear"  # net revenue can be <= 0: no log axis
    shares = charts.shares(kmeans.summary_frame())
    assert [t.name for t in shares.data] == ["revenue", "customers"]
    top = charts.top_values(kmeans.top(1, "category"), kmeans.top_basis)
    assert len(top.data) == 2 and "purchase revenue" in top.layout.xaxis.title.text


def test_top_values_chart_keeps_numeric_looking_codes_as_labels():
    import pandas as pd

    from segmentation.charts import profiles as profile_charts

    rows = pd.DataFrame(
        {
            "value": ["22423", "85123A", "47566"],
            "share": [0.3, 0.2, 0.1],
            "overall_share": [0.1, 0.1, 0.05],
            "index": [300.0, 200.0, 200.0],
        }
    )
    fig = profile_charts.top_values(rows)
    assert fig.layout.yaxis.type == "category"

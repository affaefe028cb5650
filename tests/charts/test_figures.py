"""Figures right on their own: room for labels, marks that do not overprint, honest colours."""

import numpy as np
import pandas as pd
import pytest

from segmentation.charts import explore, features, profiles, segment

SWEEP = pd.DataFrame(
    {"k": [2, 3, 4, 5], "inertia": [90.0, 50, 40, 35], "silhouette": [0.3, 0.4, 0.35, 0.3]}
)


def test_every_axis_makes_room_for_its_labels():
    fig = segment.sweep(SWEEP, elbow_k=3, recommended_k=4)
    assert fig.layout.margin.t >= 60  # the two-line subplot titles
    assert all(axis.automargin for axis in (fig.layout.xaxis, fig.layout.yaxis2))
    bars = segment.sizes([type("S", (), {"name": "Lapsed one-time buyers", "size": 9})()])
    assert bars.layout.yaxis.automargin and bars.layout.margin.l >= 20


@pytest.mark.parametrize(
    ("elbow", "pick", "labels"),
    [(3, 3, ["elbow and pick"]), (3, 4, ["pick", "elbow"]), (None, 4, ["pick"])],
)
def test_the_elbow_and_the_pick_are_never_written_on_each_other(elbow, pick, labels):
    fig = segment.sweep(SWEEP, elbow_k=elbow, recommended_k=pick)
    marks = [t for t in fig.data if t.mode == "markers+text" and t.xaxis == "x"]
    assert [t.text[0] for t in marks] == labels
    assert len({t.textposition for t in marks}) == len(marks)


def test_an_index_of_zero_is_the_lowest_colour_and_unused_features_are_left_out():
    index = pd.DataFrame(
        {"return rate": [0.0, 250.0], "orders": [100.0, 80.0], "tenure": [np.nan, np.nan]},
        index=["A", "B"],
    )
    heat = profiles.index_heatmap(index).data[0]
    assert list(heat.x) == ["return rate", "orders"]
    assert heat.z[0][0] == -2.0  # the colour of 25 and below, not the white of 100
    assert heat.z[0][1] == 0.0


def test_log_axes_are_labelled_at_powers_of_ten():
    frame = pd.DataFrame({"segment": ["a"] * 3, "value": [1.0, 10.0, 1000.0]})
    box = profiles.distribution(frame, "orders", ["a"], log=True)
    assert box.layout.yaxis.type == "log" and box.layout.yaxis.dtick == 1
    bins = pd.DataFrame({"start": [1.0, 10.0], "end": [10.0, 100.0], "count": [5, 3]})
    assert features.histogram(bins, "spend", log=True).layout.xaxis.dtick == 1


def test_the_density_grid_reaches_past_the_outermost_customers():
    rng = np.random.default_rng(0)
    points = pd.DataFrame(
        {"x": rng.normal(size=500), "y": rng.normal(size=500), "segment": ["a"] * 500}
    )
    contour = explore.density_map(points, axis_titles=("PC1", "PC2")).data[0]
    assert min(contour.x) < points["x"].min() and max(contour.x) > points["x"].max()
    z = np.asarray(contour.z)
    edges = np.concatenate([z[0], z[-1], z[:, 0], z[:, -1]])
    assert edges.max() < 0.02 * z.max()  # under the first (transparent) contour: closed


def test_a_skewed_feature_is_coloured_on_a_log_scale():
    spend = np.random.default_rng(0).lognormal(4, 1.5, 2000)
    marker = explore.colour_marker(spend, "net revenue")
    assert marker["colorbar"]["title"]["text"] == "net revenue (log scale)"
    assert "1,000" in marker["colorbar"]["ticktext"]
    even = explore.colour_marker(np.random.default_rng(0).normal(50, 5, 2000), "age")
    assert "tickvals" not in even["colorbar"]


def test_the_2d_map_opens_with_the_lasso_on():
    points = pd.DataFrame(
        {"customer_id": ["a", "b"], "segment": ["S", "S"], "x": [0.0, 1.0], "y": [1.0, 0.0]}
    )
    fig = explore.projection_map(points, axis_titles=("PC1", "PC2"), segments=["S"])
    assert fig.layout.dragmode == "lasso"


def test_the_list_minimum_is_labelled_above_the_bars():
    from segmentation.charts import export

    report = pd.DataFrame(
        {
            "segment_id": [1, 2],
            "segment": ["Big spenders", "Lapsed customers"],
            "rows": [613, 80],
            "holdout_rows": [0, 0],
            "small": [False, True],
        }
    )
    fig = export.list_sizes(report, 100)
    (label,) = fig.layout.annotations
    assert label.text == "minimum 100" and label.yanchor == "bottom" and label.y == 1
    assert fig.data[0].marker.color[1] != fig.data[0].marker.color[0]  # the small list stands out

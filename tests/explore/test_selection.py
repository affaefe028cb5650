"""Selections on the map: the customers a box or lasso picked, their profile, kept as an audience."""

import numpy as np
import pytest

from segmentation.errors import NameClashError
from segmentation.explore import selection as projection
from segmentation.export.audiences import audience_members, list_audiences, save_audience
from segmentation.segment import runs


@pytest.fixture(scope="module")
def ws(explore_ws):
    return explore_ws


@pytest.fixture(scope="module")
def run(explore_run):
    return explore_run


@pytest.fixture(scope="module")
def pca(explore_pca):
    return explore_pca


def _event(points, box=(), lasso=()):
    return {
        "selection": {
            "points": [{"customdata": [c, "x"]} for c in points],
            "point_indices": list(range(len(points))),
            "box": list(box),
            "lasso": list(lasso),
        }
    }


def test_selected_customers_come_from_the_points_customdata():
    assert projection.selected_customers(_event(["C1", "C2", "C1"])) == ["C1", "C2"]
    assert projection.selected_customers(None) == []
    assert projection.selected_customers({"selection": {"points": []}}) == []


def test_a_box_selects_every_projected_customer_inside_it(pca):
    points = pca.points
    x0, x1 = np.quantile(points["x"], [0.3, 0.7])
    y0, y1 = np.quantile(points["y"], [0.3, 0.7])
    inside = points[points["x"].between(x0, x1) & points["y"].between(y0, y1)]
    shown = inside["customer_id"].iloc[:1].tolist()  # only one drawn point was picked
    box = {"xref": "x", "yref": "y", "x": [x1, x0], "y": [y0, y1]}
    segment = inside["segment_id"].iloc[0]
    chosen = projection.selected_customers(_event(shown, box=[box]), pca)
    expected = inside.loc[inside["segment_id"] == segment, "customer_id"]
    assert sorted(chosen) == sorted(expected)  # one picked segment: the others stay out
    every = inside.groupby("segment_id")["customer_id"].first().tolist()
    assert sorted(projection.selected_customers(_event(every, box=[box]), pca)) == sorted(
        inside["customer_id"]
    )


def test_a_lasso_selects_the_customers_inside_the_polygon(pca):
    points = pca.points
    cx, cy = points["x"].median(), points["y"].median()
    lasso = {"x": [cx - 1, cx + 1, cx + 1, cx - 1], "y": [cy - 1, cy - 1, cy + 1, cy + 1]}
    inside = points[points["x"].between(cx - 1, cx + 1) & points["y"].between(cy - 1, cy + 1)]
    every = inside.groupby("segment_id")["customer_id"].first().tolist()
    chosen = projection.selected_customers(_event(every, lasso=[lasso]), pca)
    assert sorted(chosen) == sorted(inside["customer_id"])
    triangle = {"x": [cx - 1, cx + 1, cx - 1], "y": [cy - 1, cy - 1, cy + 1]}
    half = projection.selected_customers(_event(every, lasso=[triangle]), pca)
    assert 0 < len(half) < len(chosen) and set(half) <= set(chosen)


def test_selection_profile_compares_the_chosen_with_everyone(ws, run, pca):
    frame = runs.customer_frame(ws, "feat")
    chosen = frame.nlargest(60, "monetary")["customer_id"].tolist()
    found = projection.selection_profile(ws, run.run_id, chosen + chosen[:5])
    assert (found.size, found.customers) == (60, 600)
    row = found.features.set_index("feature").loc["monetary"]
    top = frame.set_index("customer_id").loc[chosen, "monetary"]
    assert row["selected_mean"] == pytest.approx(top.mean())
    assert row["overall_mean"] == pytest.approx(frame["monetary"].mean())
    assert row["index"] == pytest.approx(top.mean() / frame["monetary"].mean() * 100)
    assert row["index"] > 100
    assert found.segments["selected"].sum() == 60
    assert found.segments["share_of_selection"].sum() == pytest.approx(1.0)
    assert sorted(found.members["customer_id"]) == sorted(chosen)
    assert found.members.columns[:3].tolist() == ["customer_id", "segment", "recency_days"]


def test_a_selection_is_saved_as_an_audience(ws, run, pca):
    chosen = projection.selected_customers(
        _event(pca.points["customer_id"].iloc[:25].tolist()), pca
    )
    audience = save_audience(ws, run.run_id, "Lasso: test group", chosen)
    assert audience.size == 25
    assert "Lasso: test group" in [a.name for a in list_audiences(ws, run.run_id)]
    assert sorted(audience_members(ws, "Lasso: test group")["customer_id"]) == sorted(chosen)
    with pytest.raises(NameClashError, match="exists already"):
        save_audience(ws, run.run_id, "lasso: TEST group", chosen)


def test_a_feature_gone_from_the_table_is_a_query_error_not_a_driver_error(ws, run):
    from segmentation.errors import QueryError

    with pytest.raises(QueryError, match="missing or of another type"):
        projection.selection_profile(ws, run.run_id, ["C1"], features=["no_such_feature"])


def test_a_kept_selection_has_a_digest_of_its_run_and_ids():
    first = projection.MapSelection("r1", ("C1", "C2"))
    assert first.digest == projection.MapSelection("r1", ("C1", "C2"), "pca-2d").digest
    assert first.digest != projection.MapSelection("r1", ("C2", "C1")).digest
    assert first.digest != projection.MapSelection("r2", ("C1", "C2")).digest
    assert first.digest != projection.MapSelection("r1", ("C1\nC2",)).digest
    assert len(first.digest) == 32

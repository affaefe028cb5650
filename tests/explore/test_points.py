"""What a chart draws: bounded, stratified points with hover features; the caption; the file."""

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.explore import points as projection
from segmentation.explore.points import describe, write_points
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


def test_chart_points_refuse_an_unknown_colour(ws, pca):
    with pytest.raises(InvalidParameterError, match=r"'colour' parameter must be a numeric"):
        projection.chart_points(ws, pca, colour="nope")


def test_chart_points_are_bounded_and_carry_hover_features(ws, run, pca):
    drawn = projection.chart_points(ws, pca, colour="monetary", max_points=300)
    assert drawn.drawn == 300 and drawn.total == 600
    assert drawn.features[:3] == ["recency_days", "frequency", "monetary"]
    table = runs.customer_frame(ws, "feat").set_index("customer_id")
    sample = drawn.frame.set_index("customer_id")
    assert sample["monetary"].to_numpy() == pytest.approx(table.loc[sample.index, "monetary"])
    assert set(drawn.frame["segment_id"]) == {s.segment_id for s in run.segments}


def test_the_caption_says_what_was_projected_and_drawn(ws, pca):
    drawn = projection.chart_points(ws, pca, max_points=300)
    text = describe(pca, drawn)
    assert text.startswith("PCA of all 600 customers; explained variance: PC1 ")
    assert text.endswith(
        "Showing 300 of 600 customers as points (a sample in proportion to each segment); the "
        "shading shows where all of them are."
    )
    every = projection.chart_points(ws, pca)
    assert describe(pca, every).endswith("Showing all 600 customers as points.")
    assert describe(pca, every, density=True).endswith(
        "The shading shows where all 600 customers are; the Points view draws them one by one."
    )


def test_write_points_writes_parquet_and_refuses_other_names(pca, tmp_path):
    path = write_points(pca, tmp_path / "points.parquet")
    frame = pd.read_parquet(path)
    assert frame.columns.tolist() == ["customer_id", "segment_id", "segment", "x", "y"]
    assert len(frame) == 600
    with pytest.raises(InvalidParameterError, match="a file name ending in .parquet"):
        write_points(pca, tmp_path / "points.csv")
    with pytest.raises(InvalidParameterError, match="does not exist"):
        write_points(pca, tmp_path / "missing" / "points.parquet")

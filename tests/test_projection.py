"""Projections of a run: PCA, UMAP on a stratified sample, the workspace cache, selections."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.decomposition import PCA

from segmentation.charts import explore as explore_charts
from segmentation.demo.sample import write_sample
from segmentation.errors import InvalidParameterError, NameClashError, TableNotFoundError
from segmentation.explore import project as projection
from segmentation.export.audiences import audience_members, list_audiences, save_audience
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace.connection import open_workspace

SEGMENT = Path(sys.executable).with_name("segment")


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, customers=600, seed=3)
    return out


def _workspace(path, sample_dir):
    ws = open_workspace(path)
    ingest_file(ws, sample_dir / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    return ws


@pytest.fixture(scope="module")
def ws(tmp_path_factory, sample_dir):
    return _workspace(tmp_path_factory.mktemp("ws") / "ws.duckdb", sample_dir)


@pytest.fixture(scope="module")
def run(ws):
    return runs.run_segmentation(ws, "feat", params={"n_clusters": 4}, seed=1)


@pytest.fixture(scope="module")
def pca(ws, run):
    return projection.project(ws, run.run_id, "pca")


@pytest.fixture(scope="module")
def umap(ws, run):
    return projection.project(ws, run.run_id, "umap", sample=200, n_neighbors=8, seed=2)


# -- PCA -------------------------------------------------------------------------------------
def test_pca_projects_every_customer_with_its_segment(ws, run, pca):
    assigned = runs.assignments(ws, run.run_id)
    assert len(pca.points) == run.customers == 600
    assert pca.points.columns.tolist() == ["customer_id", "segment_id", "segment", "x", "y"]
    both = pca.points.merge(assigned, on="customer_id", suffixes=("", "_run"))
    assert len(both) == 600
    assert (both["segment_id"] == both["segment_id_run"]).all()
    assert (both["segment"].astype(str) == both["segment_run"]).all()
    assert not pca.sampled and not pca.cached


def test_pca_matches_scikit_learn_on_the_prepared_matrix(ws, run, pca):
    X, _ = runs.prepared_matrix(ws, run.run_id)
    reference = PCA(n_components=2).fit(X)
    assert pca.explained_variance == pytest.approx(reference.explained_variance_ratio_, rel=1e-6)
    assert pca.explained_variance[0] >= pca.explained_variance[1]
    expected = np.abs(reference.transform(X))
    assert np.abs(pca.points[["x", "y"]].to_numpy()) == pytest.approx(expected, abs=1e-4)
    assert pca.axis_titles[0].startswith("PC1 (")


def test_pca_loadings_name_the_prepared_features(run, pca):
    loadings = pca.loadings
    assert loadings.columns.tolist() == ["PC1", "PC2"]
    assert list(loadings.index) == run.recipe["features"]["features"]
    assert np.linalg.norm(loadings.to_numpy(), axis=0) == pytest.approx([1.0, 1.0])


def test_rfm_runs_project_standardized_log_rfm_in_3d(ws):
    rfm = runs.run_segmentation(ws, "feat", algorithm="rfm")
    result = projection.project(ws, rfm.run_id, "pca", dims=3)
    assert list(result.loadings.index) == ["recency_days", "frequency", "monetary"]
    assert result.points.columns.tolist()[-3:] == ["x", "y", "z"]
    assert sum(result.explained_variance) == pytest.approx(1.0)  # 3 features, 3 components
    assert result.points["segment"].notna().all()


# -- UMAP ------------------------------------------------------------------------------------
def test_umap_fits_a_stratified_sample_with_finite_coordinates(ws, run, umap):
    points = umap.points
    assert len(points) == 200 and umap.sampled and umap.customers == 600
    assert np.isfinite(points[["x", "y"]].to_numpy()).all()
    assert points["customer_id"].is_unique
    sizes = {s.segment_id: s.size for s in run.segments}
    drawn = points["segment_id"].value_counts()
    assert set(drawn.index) == set(sizes)  # every segment represented
    by_size = sorted(sizes, key=sizes.get)
    assert drawn[by_size].is_monotonic_increasing  # in proportion, above a floor of
    assert drawn.min() >= 200 // (2 * len(sizes))  # size / (2 x segments) each
    assert umap.axis_titles == ["UMAP 1", "UMAP 2"]


def test_umap_is_deterministic_with_a_seed(ws, run, umap):
    again = projection.project(
        ws, run.run_id, "umap", sample=200, n_neighbors=8, seed=2, refresh=True
    )
    assert not again.cached
    assert again.points["customer_id"].tolist() == umap.points["customer_id"].tolist()
    assert again.points[["x", "y"]].to_numpy() == pytest.approx(umap.points[["x", "y"]].to_numpy())
    other = projection.project(ws, run.run_id, "umap", sample=200, n_neighbors=8, seed=3)
    assert set(other.points["customer_id"]) != set(umap.points["customer_id"])


def test_umap_reports_its_stages(ws, run):
    messages = []
    projection.project(
        ws,
        run.run_id,
        "umap",
        dims=3,
        sample=150,
        n_neighbors=5,
        metric="cosine",
        progress=lambda f, m: messages.append((f, m)),
    )
    text = " | ".join(m for _, m in messages)
    for stage in ("Sampling 150 of 600", "nearest neighbours", "Fitting UMAP", "Placing", "Saving"):
        assert stage in text
    fractions = [f for f, _ in messages]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0


# -- the cache -------------------------------------------------------------------------------
def test_a_second_call_reads_the_stored_coordinates(ws, run, pca, umap):
    for first, params in (
        (pca, {"method": "pca"}),
        (umap, {"method": "umap", "sample": 200, "n_neighbors": 8, "seed": 2}),
    ):
        assert projection.is_cached(ws, run.run_id, **params)
        again = projection.project(ws, run.run_id, **params)
        assert again.cached
        pd.testing.assert_frame_equal(again.points, first.points)
        assert again.explained_variance == first.explained_variance
        if first.loadings is not None:
            pd.testing.assert_frame_equal(again.loadings, first.loadings)
    assert not projection.is_cached(ws, run.run_id, "umap", sample=200, n_neighbors=9, seed=2)


def test_the_cache_is_dropped_when_a_run_id_is_reused(tmp_path, sample_dir):
    ws = _workspace(tmp_path / "w.duckdb", sample_dir)
    first = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    projection.project(ws, first.run_id)
    runs.delete_run(ws, first.run_id)
    second = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    assert second.run_id == first.run_id
    assert not projection.is_cached(ws, second.run_id)
    fresh = projection.project(ws, second.run_id)
    assert not fresh.cached and fresh.points["segment_id"].nunique() == 5
    stored = ws.query("SELECT count(*) FROM _seg.projection_points")[0][0]
    assert stored == 600


# -- bad parameters --------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"method": "tsne"}, r"'method' parameter must be one of pca, umap\. Got 'tsne'"),
        ({"dims": 4}, r"'dims' parameter must be 2 or 3\. Got 4"),
        ({"method": "pca", "sample": 100}, r"'sample' parameter applies to UMAP only"),
        ({"method": "umap", "sample": 5}, r"'sample' parameter must be an int of at least 10"),
        ({"method": "umap", "n_neighbors": 1}, r"'n_neighbors' parameter must be an int in"),
        (
            {"method": "umap", "sample": 50, "n_neighbors": 50},
            r"range \[2, 49\] \(below the 50 customers fitted\)\. Got 50",
        ),
        ({"method": "umap", "n_neighbors": 700}, r"range \[2, 200\]"),
        ({"method": "umap", "min_dist": 1.5}, r"'min_dist' parameter must be a number in"),
        ({"method": "umap", "min_dist": -0.1}, r"range \[0, 1\]\. Got -0\.1"),
        ({"method": "umap", "metric": "hamming"}, r"'metric' parameter must be one of euclid"),
        ({"method": "umap", "seed": -1}, r"'seed' parameter must be an int of at least 0"),
    ],
)
def test_impossible_parameters_are_refused(ws, run, params, match):
    with pytest.raises(InvalidParameterError, match=match):
        projection.project(ws, run.run_id, **params)


def test_an_unknown_run_is_refused(ws):
    with pytest.raises(TableNotFoundError, match="There is no run 'r99'"):
        projection.project(ws, "r99")


def test_chart_points_refuse_an_unknown_colour(ws, pca):
    with pytest.raises(InvalidParameterError, match=r"'colour' parameter must be a numeric"):
        projection.chart_points(ws, pca, colour="nope")


# -- what the chart draws --------------------------------------------------------------------
def test_chart_points_are_bounded_and_carry_hover_features(ws, run, pca):
    drawn = projection.chart_points(ws, pca, colour="monetary", max_points=300)
    assert drawn.drawn == 300 and drawn.total == 600
    assert drawn.features[:3] == ["recency_days", "frequency", "monetary"]
    table = runs.customer_frame(ws, "feat").set_index("customer_id")
    sample = drawn.frame.set_index("customer_id")
    assert sample["monetary"].to_numpy() == pytest.approx(table.loc[sample.index, "monetary"])
    assert set(drawn.frame["segment_id"]) == {s.segment_id for s in run.segments}


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


# -- selections ------------------------------------------------------------------------------
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


# -- the command -----------------------------------------------------------------------------
def test_segment_project_writes_the_promised_file_and_json(tmp_path, sample_dir):
    path = tmp_path / "w.duckdb"
    ws = _workspace(path, sample_dir)
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 4})
    ws.close()
    out = tmp_path / "x.parquet"
    command = [SEGMENT, "--workspace", path, "--json", "project", run.run_id]
    result = subprocess.run(
        [str(c) for c in [*command, "--method", "pca", "--out", out]],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert {"method", "points", "seconds", "explained_variance"} <= set(data)
    assert (data["method"], data["points"], len(data["explained_variance"])) == ("pca", 600, 2)
    frame = pd.read_parquet(out)
    assert frame.columns.tolist() == ["customer_id", "segment_id", "segment", "x", "y"]
    assert len(frame) == 600 and frame["segment"].str.startswith("Segment").all()

    umap = subprocess.run(
        [str(c) for c in [*command, "--method", "umap", "--dims", "3", "--sample", "100"]]
        + ["--neighbors", "5", "--out", str(tmp_path / "u.parquet")],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert umap.returncode == 0, umap.stderr
    data = json.loads(umap.stdout)
    assert (data["method"], data["points"]) == ("umap", 100)
    assert "explained_variance" not in data
    assert pd.read_parquet(tmp_path / "u.parquet").columns.tolist()[-3:] == ["x", "y", "z"]


def test_segment_project_reports_bad_options_without_a_traceback(tmp_path, sample_dir):
    path = tmp_path / "w.duckdb"
    ws = _workspace(path, sample_dir)
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    ws.close()
    result = subprocess.run(
        [str(SEGMENT), "--workspace", str(path), "project", run.run_id, "--method", "umap"]
        + ["--min-dist", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "'min_dist' parameter must be a number in the range [0, 1]" in result.stderr
    assert "Traceback" not in result.stderr

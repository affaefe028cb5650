"""AppTests of the Explore page: guidance, PCA and UMAP maps, a selection saved as an audience.

AppTest cannot draw a lasso, so the tests put a selection where the chart's ``on_select``
callback puts it (``st.session_state["explore_selection"]``), made as the callback makes it
(:func:`segmentation.explore.selection.map_selection`) or by hand; turning a lasso into customer
ids is tested in tests/explore/test_selection.py.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from segmentation.demo.sample import write_sample
from segmentation.explore import project as projection
from segmentation.explore.selection import MapSelection, map_selection
from segmentation.export.audiences import audience_members, list_audiences
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = 'st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),'


@pytest.fixture(scope="module")
def app_file(tmp_path_factory) -> Path:
    """app.py with the Explore page in its navigation (added here if app.py lacks it)."""
    folder = tmp_path_factory.mktemp("app")
    lines = (ROOT / "app.py").read_text(encoding="utf-8").splitlines()
    if not any("pages/explore.py" in line for line in lines):
        last = max(i for i, line in enumerate(lines) if 'st.Page("pages/' in line)
        indent = lines[last][: len(lines[last]) - len(lines[last].lstrip())]
        lines.insert(last + 1, indent + PAGE)
    (folder / "app.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.copytree(ROOT / "pages", folder / "pages")
    return folder / "app.py"


@pytest.fixture(scope="module")
def workspace_with_run(tmp_path_factory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("explore")
    write_sample(folder, customers=600, seed=3)
    path = folder / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 4}, seed=1)
    return path, run.run_id


def explore_page(monkeypatch, app_file: Path, workspace: Path) -> AppTest:
    monkeypatch.setenv("SEGMENT_WORKSPACE", str(workspace))
    at = AppTest.from_file(str(app_file), default_timeout=120).run()
    return at.switch_page("pages/explore.py").run()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def charts(at: AppTest) -> list:
    return at.get("plotly_chart")


def test_without_a_run_the_page_says_where_to_make_one(monkeypatch, app_file, workspace_path):
    at = explore_page(monkeypatch, app_file, workspace_path)
    assert not at.exception
    assert "Run a segmentation on the **Segment** page" in texts(at.info)
    assert not charts(at)


def test_a_run_opens_on_its_pca_map(monkeypatch, app_file, workspace_with_run):
    path, run_id = workspace_with_run
    at = explore_page(monkeypatch, app_file, path)
    assert not at.exception
    assert at.selectbox(key="explore_run").value == run_id
    captions = texts(at.caption)
    assert re.search(r"PCA of all 600 customers; explained variance: PC1 \d+%", captions)
    assert "Showing all 600 customers as points." in captions
    assert len(charts(at)) == 2  # the map and the explained variance
    assert at.dataframe[0].value.columns.tolist() == ["PC1", "PC2"]  # loadings


def test_colour_density_and_3d_views_render(monkeypatch, app_file, workspace_with_run):
    path, _ = workspace_with_run
    at = explore_page(monkeypatch, app_file, path)
    at.selectbox(key="explore_colour").set_value("monetary").run()
    assert not at.exception
    at.radio(key="explore_view").set_value("Density").run()
    assert not at.exception and charts(at)
    at.radio(key="explore_dims").set_value(3).run()
    assert not at.exception
    assert at.radio(key="explore_view").disabled
    assert "explained variance: PC1" in texts(at.caption) and "PC3" in texts(at.caption)


def test_umap_is_computed_on_demand_with_a_small_sample(monkeypatch, app_file, workspace_with_run):
    path, run_id = workspace_with_run
    at = explore_page(monkeypatch, app_file, path)
    at.radio(key="explore_method").set_value("umap").run()
    assert not at.exception
    assert "press **Compute UMAP**" in texts(at.info)
    at.number_input(key=f"explore_sample_{run_id}").set_value(150)
    at.number_input(key="explore_neighbors").set_value(6)
    at.button(key="explore_umap_go").click().run()
    assert not at.exception, at.exception
    assert not at.error
    assert "UMAP of a sample of 150 of 600 customers" in texts(at.caption)
    assert projection.is_cached(
        open_workspace(path), run_id, "umap", sample=150, n_neighbors=6, min_dist=0.1
    )
    at.switch_page("pages/explore.py").run()  # coming back: the stored map, no button needed
    assert not at.exception and not at.info
    assert "UMAP of a sample of 150 of 600 customers" in texts(at.caption)


def test_impossible_umap_settings_show_an_error(monkeypatch, app_file, workspace_with_run):
    path, run_id = workspace_with_run
    at = explore_page(monkeypatch, app_file, path)
    at.radio(key="explore_method").set_value("umap").run()
    at.number_input(key=f"explore_sample_{run_id}").set_value(20)
    at.number_input(key="explore_neighbors").set_value(30)
    at.button(key="explore_umap_go").click().run()
    assert not at.exception
    assert "The 'n_neighbors' parameter must be an int in the range [2, 19]" in texts(at.error)


def test_a_selection_is_profiled_and_saved_as_an_audience(
    monkeypatch, app_file, workspace_with_run
):
    path, run_id = workspace_with_run
    ws = open_workspace(path)
    chosen = runs.assignments(ws, run_id)["customer_id"].iloc[:40].tolist()
    at = explore_page(monkeypatch, app_file, path)
    at.session_state["explore_selection"] = MapSelection(run_id, tuple(chosen))
    at.run()
    assert not at.exception
    assert "Selected customers: 40" in texts(at.subheader)
    assert "40 of 600 customers (6.7%)" in texts(at.caption)
    assert "The first 6 of the run's 8 features are shown." in texts(at.caption)
    segments = at.dataframe[-2].value
    assert segments["selected"].sum() == 40
    assert sorted(at.dataframe[-1].value["customer_id"]) == sorted(chosen)

    at.text_input(key="explore_audience_name").set_value("Lasso: first forty")
    at.button(key="explore_save_go").click().run()
    assert not at.exception
    assert "Saved the audience **Lasso: first forty** (40 customers)" in texts(at.success)
    assert "Lasso: first forty" in [a.name for a in list_audiences(ws, run_id)]
    assert sorted(audience_members(ws, "Lasso: first forty")["customer_id"]) == sorted(chosen)

    at.text_input(key="explore_audience_name").set_value("lasso: FIRST forty")
    at.button(key="explore_save_go").click().run()
    assert "exists already; choose another name" in texts(at.error)

    at.button(key="explore_clear").click().run()
    assert not at.exception
    assert "Selected customers" not in texts(at.subheader)


def test_a_selection_of_another_run_is_not_shown(monkeypatch, app_file, workspace_with_run):
    path, _ = workspace_with_run
    at = explore_page(monkeypatch, app_file, path)
    at.session_state["explore_selection"] = MapSelection("r42", ("C00001",))
    at.run()
    assert not at.exception
    assert "Selected customers" not in texts(at.subheader)


def _chart_customers(at: AppTest) -> list[str]:
    """The customer ids the map's figure holds (the first value of each point's customdata)."""
    spec = json.loads(charts(at)[0].proto.spec)
    return [row[0] for trace in spec["data"] for row in trace.get("customdata") or []]


def test_zooming_in_on_a_selection_draws_every_customer_of_the_area(
    monkeypatch, app_file, workspace_with_run
):
    path, run_id = workspace_with_run
    pca = projection.project(open_workspace(path), run_id, "pca")
    points = pca.points
    (x0, x1), (y0, y1) = np.quantile(points["x"], [0.3, 0.7]), np.quantile(points["y"], [0.3, 0.7])
    area = points["x"].between(x0, x1) & points["y"].between(y0, y1)
    shown = points[area].groupby("segment_id")["customer_id"].first()  # what the browser sends
    box = {"xref": "x", "yref": "y", "x": [x1, x0], "y": [y0, y1]}
    event = {"selection": {"points": [{"customdata": [c]} for c in shown], "box": [box]}}
    at = explore_page(monkeypatch, app_file, path)
    assert at.button(key="explore_zoom").disabled and at.button(key="explore_whole").disabled
    at.session_state["explore_selection"] = map_selection(event, pca)  # what on_select keeps
    at.run()
    assert not at.button(key="explore_zoom").disabled
    at.button(key="explore_zoom").click().run()
    assert not at.exception
    expected = points.loc[area, "customer_id"]
    assert 0 < len(expected) < 600
    assert f"Zoomed in: all {len(expected):,} customers in this area are drawn." in texts(
        at.caption
    )
    assert sorted(_chart_customers(at)) == sorted(expected)  # exactly the area's customers
    layout = json.loads(charts(at)[0].proto.spec)["layout"]
    assert layout["xaxis"]["range"] == pytest.approx([x0, x1])
    assert layout["yaxis"]["range"] == pytest.approx([y0, y1])
    assert f"Selected customers: {len(expected):,}" in texts(at.subheader)

    at.button(key="explore_whole").click().run()
    assert not at.exception
    assert "Showing all 600 customers as points." in texts(at.caption)
    assert len(_chart_customers(at)) == 600 and at.button(key="explore_whole").disabled

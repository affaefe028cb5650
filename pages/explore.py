"""Explore: a run's customers on a map (PCA or UMAP); lasso some and keep them as an audience;
zoom in on an area to see every customer in it."""

from __future__ import annotations

from functools import partial

import streamlit as st

from pages import common
from pages.common import pick_run
from segmentation.charts import explore as explore_charts
from segmentation.errors import SegmentationError
from segmentation.explore.params import DEFAULT_SAMPLE, HELP, METHODS, METRICS, MIN_SAMPLE
from segmentation.explore.points import MAX_POINTS, chart_points, colour_features, describe
from segmentation.explore.project import is_cached, project
from segmentation.explore.result import Projection
from segmentation.explore.selection import MapSelection, map_selection, selection_profile
from segmentation.export.audiences import save_audience
from segmentation.features.shown import chosen_features
from segmentation.profiles.words import feature_words
from segmentation.readable import shown
from segmentation.segment import runs

ws = common.workspace()
state = st.session_state
CHART = "explore_chart"
ZOOM = "explore_zoomed"  # (run id, map key, Window) of the area the map is zoomed in on


@st.cache_data(max_entries=4, show_spinner="Projecting the customers")
def load(_ws, path: str, run_id: str, created: str, params: dict) -> Projection:
    """Cached per workspace file, run (with its creation time: ids can be reused) and choices."""
    return project(_ws, run_id, **params)


@st.cache_data(max_entries=12, show_spinner=False)
def drawn(_ws, _proj, path: str, created: str, key: str, colour: str | None, window):
    return chart_points(_ws, _proj, colour=colour, window=window)


@st.cache_data(max_entries=4, show_spinner=False)
def profile(_ws, _chosen: MapSelection, path: str, created: str, names: tuple, digest: str):
    """Cached per selection (its digest: run and ids) and segment names: reruns reuse it."""
    return selection_profile(_ws, _chosen.run_id, _chosen.ids)


def remember_selection(proj: Projection) -> None:
    """on_select: keep the chosen customers of the run (they outlive a change of view)."""
    state["explore_selection"] = map_selection(state.get(CHART), proj)


def zoom_buttons(proj: Projection, window) -> None:
    """Zoom in on the selected area (the server draws every customer in it) or go back."""
    chosen = state.get("explore_selection")
    same = chosen and (chosen.run_id, chosen.key) == (proj.run_id, proj.key)
    area = chosen.area if same else None
    left, right, _ = st.columns([1, 1, 3])
    left.button(
        "Zoom to this area",
        key="explore_zoom",
        disabled=area is None,
        on_click=lambda: state.update({ZOOM: (proj.run_id, proj.key, area)}),
        help="Select customers with the box or lasso first; the map then shows that area close "
        f"up, every customer in it as a point (a sample when there are over {MAX_POINTS:,}).",
    )
    right.button(
        "Whole map",
        key="explore_whole",
        disabled=window is None,
        on_click=lambda: state.pop(ZOOM, None),
    )


def umap_form(run: runs.Run) -> tuple[dict, bool]:
    help_ = HELP
    with st.form("explore_umap_form"):
        cells = st.columns(4)
        neighbors = cells[0].number_input(
            "Neighbours", 2, 200, 15, key="explore_neighbors", help=help_["n_neighbors"]
        )
        min_dist = cells[1].slider(
            "Minimum distance", 0.0, 1.0, 0.1, 0.05, key="explore_min_dist", help=help_["min_dist"]
        )
        metric = cells[2].selectbox("Metric", METRICS, key="explore_metric", help=help_["metric"])
        most = max(run.customers, MIN_SAMPLE)
        sample = cells[3].number_input(
            "Sample size",
            MIN_SAMPLE,
            most,
            min(DEFAULT_SAMPLE, most),
            step=1000,
            key=f"explore_sample_{run.run_id}",
            help=help_["sample"],
        )
        submitted = st.form_submit_button("Compute UMAP", type="primary", key="explore_umap_go")
    params = {"sample": int(sample), "n_neighbors": int(neighbors), "min_dist": float(min_dist)}
    return {**params, "metric": metric}, submitted


def compute_umap(run: runs.Run, params: dict, submitted: bool) -> None:
    """Fit UMAP when asked (with progress), unless these coordinates are stored already."""
    if is_cached(ws, run.run_id, **params):
        return
    if not submitted:
        st.info(
            "UMAP is fitted on demand: choose its settings and press **Compute UMAP** (about "
            "half a minute for 20,000 customers). The map is kept, so it opens at once next time."
        )
        st.stop()
    fitted = common.attempt(partial(project, ws, run.run_id, **params), "Fitting UMAP")
    if fitted is None:
        st.stop()  # stopped, or an error said above


def show_selection(run: runs.Run, chosen: MapSelection) -> None:
    ids, names = chosen.ids, tuple(s.name for s in run.segments)
    st.subheader(f"Selected customers: {len(ids):,}")
    try:
        found = profile(ws, chosen, str(ws.path), str(run.created_at), names, chosen.digest)
    except SegmentationError as exc:
        common.error(exc)
        return
    used = len(chosen_features(run.recipe))
    drawn_n = len(found.features.dropna(subset=["index"]))
    st.caption(
        f"{found.size:,} of {found.customers:,} customers ({found.size / found.customers:.1%}). "
        "Index = the selection's mean / everyone's mean x 100. "
        + (f"The first {drawn_n} of the run's {used} features are shown." if used > drawn_n else "")
    )
    left, right = st.columns(2)
    left.plotly_chart(explore_charts.selection_index(found.features), key="explore_sel_index")
    share = st.column_config.NumberColumn(format="percent")
    right.dataframe(
        found.segments,
        hide_index=True,
        column_config={"share_of_selection": share, "share_of_segment": share},
    )
    st.dataframe(shown(found.members), hide_index=True, height=240)
    if len(found.members) < found.size:
        st.caption(f"The first {len(found.members):,} customers by id are listed.")
    with st.form("explore_save"):
        name = st.text_input("Audience name", key="explore_audience_name")
        description = st.text_input("Description (optional)", key="explore_audience_description")
        if st.form_submit_button("Save as audience", type="primary", key="explore_save_go"):
            try:
                audience = save_audience(ws, run.run_id, name, ids, description=description)
            except SegmentationError as exc:
                common.error(exc)
            else:
                st.success(
                    f"Saved the audience **{audience.name}** ({audience.size:,} customers); the "
                    "Export page offers it beside the segments."
                )
    if st.button("Clear the selection", key="explore_clear"):
        del state["explore_selection"]
        st.rerun()


st.title("Explore")
run = pick_run(
    ws, "explore_run", "No segmentation run yet. Run a segmentation on the **Segment** page first."
)
cells = st.columns(4)
method = cells[0].radio(
    "Method", METHODS, format_func=str.upper, horizontal=True, key="explore_method"
)
dims = cells[1].radio(
    "Dimensions", (2, 3), format_func=lambda d: f"{d}-D", horizontal=True, key="explore_dims"
)
colour = cells[2].selectbox(
    "Colour by", ["Segment", *colour_features(ws, run.run_id)], key="explore_colour"
)
view = cells[3].radio(
    "View",
    ("Points", "Density"),
    horizontal=True,
    key="explore_view",
    disabled=dims == 3,
    help="Density: where customers crowd, over every projected customer (2-D only).",
)
st.caption(HELP["method"] + " " + HELP["dims"])
params = {"method": method, "dims": dims}
try:
    if method == "umap":
        extra, submitted = umap_form(run)
        params.update(extra)
        compute_umap(run, params, submitted)
    proj = load(ws, str(ws.path), run.run_id, str(run.created_at), params)
    feature = None if colour == "Segment" else colour
    zoomed = state.get(ZOOM)
    on_map = zoomed and zoomed[:2] == (run.run_id, proj.key) and view == "Points"
    window = zoomed[2] if on_map else None
    points = drawn(ws, proj, str(ws.path), str(run.created_at), proj.key, feature, window)
except SegmentationError as exc:
    common.error(exc)
    st.stop()
density = view == "Density" and dims == 2
st.caption(describe(proj, points, density=density))
if density:
    chart = explore_charts.density_map(proj.points, axis_titles=proj.axis_titles)
    st.plotly_chart(chart, key="explore_density")
else:
    figure = explore_charts.projection_map(
        points.frame,
        axis_titles=proj.axis_titles,
        features=points.features,
        colour=points.colour,
        segments=[s.name for s in run.segments],
        loadings=None
        if dims == 3 or proj.loadings is None or window is not None
        else proj.loadings.rename(index=feature_words),
        revision=f"{proj.key} {window}",
        shading=points.density,
        ranges=window.ranges if window is not None else None,
    )
    if dims == 2:
        st.plotly_chart(
            figure,
            key=CHART,
            on_select=partial(remember_selection, proj),
            selection_mode=("lasso", "box"),
            config={"displayModeBar": True},
        )
        st.caption(
            "Draw around customers to select them (the lasso is on; the box is in the chart's "
            "toolbar): a selection takes every customer inside it, drawn or not. Double-click "
            "the chart to clear; **Zoom to this area** draws every customer of the selected area."
        )
        zoom_buttons(proj, window)
    else:
        st.plotly_chart(figure, key="explore_chart_3d")
        st.caption("Drag to turn the map; selections work on the 2-D map.")
if proj.explained_variance is not None:
    with st.expander("PCA: explained variance and loadings"):
        left, right = st.columns([1, 2])
        left.plotly_chart(
            explore_charts.explained_variance(proj.explained_variance), key="explore_variance"
        )
        right.dataframe(proj.loadings.round(3))
        right.caption("Loadings: the weight of each prepared feature in each component.")
selection = state.get("explore_selection")
if selection and selection.run_id == run.run_id and selection.ids:
    show_selection(run, selection)

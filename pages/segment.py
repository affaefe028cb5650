"""Segment: choose an algorithm and its parameters, compare numbers of segments, judge a run."""

from __future__ import annotations

import streamlit as st

from pages import common, editors
from pages.common import attempt, pick_run
from segmentation import charts
from segmentation.profiles.naming import name_segments
from segmentation.segment import runs
from segmentation.segment.diagnostics import UNSTABLE_BELOW
from segmentation.segment.preprocess import PrepConfig
from segmentation.segment.recipe import recipe_toml
from segmentation.segment.registry import REGISTRY
from segmentation.workspace import TableInfo
from segmentation.workspace.types import is_numeric, type_class

ws = common.workspace()
state = st.session_state
state.setdefault("segment_prep", {})


@st.cache_data(max_entries=16, show_spinner="Measuring silhouettes")
def cached_silhouette(_ws, path: str, run_id: str, created: str):
    """Cached per workspace file and run (a run's data never changes; ids can be reused)."""
    return runs.silhouette(_ws, run_id)


@st.cache_data(max_entries=16, show_spinner="Comparing runs")
def cached_comparison(_ws, path: str, a: str, b: str, created: tuple):
    return runs.compare_runs(_ws, a, b)


def prep_choices(info: TableInfo) -> PrepConfig | None:
    """The Features page's choices for this table (or the defaults), editable here too."""
    table = info.name
    numeric = [c.name for c in info.columns if is_numeric(c.type) and c.role == "attribute"]
    text = [c.name for c in info.columns if type_class(c.type) == "text" and c.role == "attribute"]
    saved = state["segment_prep"].get(table)
    with st.expander("Features and transforms", expanded=False):
        st.caption(
            "Carried from the Features page; by default the behavioural features with "
            "log + standard scaling."
        )
        config = editors.prep_editor(
            editors.saved_prep(ws, table, numeric), numeric, text, key=f"seg_prep_{table}"
        )
    if not saved and config == editors.saved_prep(ws, table, numeric):
        return None  # the default preparation, chosen by the library from all the data
    return config if config.features or config.categorical else None


def sweep_section(table: str, prep: PrepConfig | None) -> None:
    with st.expander("How many segments? (k-sweep)"):
        left, right = st.columns([3, 1])
        low, high = left.slider("k from / to", 2, 15, (2, 10), key="seg_sweep_range")
        algorithm = right.selectbox("With", ["kmeans", "gmm", "ward"], key="seg_sweep_algo")
        if st.button("Run the sweep", key="seg_sweep"):
            result = attempt(
                runs.sweep,
                "Sweeping",
                ws=ws,
                table=table,
                algorithm=algorithm,
                ks=range(low, high + 1),
                prep=prep,
            )
            if result is not None:
                state["seg_sweep_result"] = (table, result)
        found = state.get("seg_sweep_result")
        if found and found[0] == table:
            result = found[1]
            st.plotly_chart(
                charts.sweep(
                    result.to_frame(), elbow_k=result.elbow_k, recommended_k=result.recommended_k
                ),
                key="seg_sweep_fig",
            )
            st.info(
                f"Recommended: {result.reason} Silhouette measured on "
                f"{result.silhouette_sample_size:,} customers."
            )
            use_k(result)


def use_k(result) -> None:
    """A button that puts the recommended number of segments into the run's form, and a
    warning when even the best structure is weak."""
    if result.weak:
        st.warning(
            f"These segments overlap a lot (best silhouette {result.best_silhouette:.2f}, "
            "under 0.25): treat them as a starting point, not as sharp groups."
        )
    k_param = REGISTRY[result.algorithm].k_param
    values = {
        "seg_algorithm": result.algorithm,
        f"seg_{result.algorithm}_{k_param}": result.recommended_k,
    }
    st.button(
        f"Use k={result.recommended_k}",
        key="seg_use_k",
        on_click=lambda: state.update(values),
        help="Sets the algorithm and the number of segments of the run below.",
    )


def run_section(table: str, prep: PrepConfig | None) -> None:
    names = list(REGISTRY)
    algorithm = st.selectbox(
        "Algorithm",
        names,
        index=names.index("kmeans"),
        key="seg_algorithm",
        format_func=lambda n: REGISTRY[n].label,
    )
    spec = REGISTRY[algorithm]
    st.caption(spec.description)
    columns = st.columns(4)
    params = {}
    for i, p in enumerate(spec.params):
        with columns[i % 4]:
            params[p.name] = editors.param_widget(p, f"seg_{algorithm}_{p.name}")
    seed = columns[len(spec.params) % 4].number_input("Seed", 0, 2**31 - 1, 0, key="seg_seed")
    if st.button("Run", type="primary", key="seg_run"):
        run = attempt(
            runs.run_segmentation,
            "Starting",
            ws=ws,
            table=table,
            algorithm=algorithm,
            params=params,
            prep=prep,
            seed=int(seed),
            namer=name_segments,  # named now, so every page and export shows the same names
        )
        if run is not None:
            state["current_run"] = run.run_id
            st.rerun()


def show_run(run: runs.Run) -> None:
    names = {s.segment_id: s.name for s in run.segments}
    m = run.metrics
    cells = st.columns(5)
    cells[0].metric("Segments", len(run.segments), border=True)
    cells[1].metric("Customers", f"{run.customers:,}", border=True)
    for cell, key, label in (
        (cells[2], "silhouette", "Silhouette"),
        (cells[3], "davies_bouldin", "Davies-Bouldin"),
        (cells[4], "stability", "Stability (ARI)"),
    ):
        value = m.get(key)
        cell.metric(label, "—" if value is None else f"{value:.2f}", border=True)
    for note in run.notes + ([m["reason"]] if m.get("reason") else []):
        st.caption(note)
    if m.get("silhouette_sample_size"):
        st.caption(f"Silhouette on a sample of {m['silhouette_sample_size']:,} customers.")
    sizes, quality, stable = st.tabs(["Sizes", "Silhouette", "Stability"])
    with sizes:
        st.plotly_chart(charts.sizes(run.segments), key="seg_sizes")
        if run.algorithm == "ward" and (tree := runs.linkage(ws, run.run_id)) is not None:
            st.plotly_chart(charts.dendrogram(tree, len(run.segments)), key="seg_tree")
    with quality:
        if run.algorithm == "rfm":
            st.caption("RFM segments are rules, not clusters: no silhouette.")
        elif values := common.get(
            cached_silhouette, ws, str(ws.path), run.run_id, str(run.created_at)
        ):
            st.plotly_chart(charts.silhouette_plot(values[0], names), key="seg_silhouette")
    with stable:
        if st.button("Check stability (5 refits on bootstrap samples)", key="seg_stab"):
            result = attempt(runs.stability, "Refitting", ws=ws, run_id=run.run_id)
            if result is not None:  # stored with the run: the cards above show it after a rerun
                state["seg_stability"] = (run.run_id, result)
                st.rerun()
        found = state.get("seg_stability")
        if found and found[0] == run.run_id:
            st.plotly_chart(
                charts.stability_bars(found[1].to_frame(), names, UNSTABLE_BELOW),
                key="seg_stab_fig",
            )
            st.caption(
                f"Mean adjusted Rand index {found[1].score:.2f} over {found[1].runs} "
                f"refits. Segments under {UNSTABLE_BELOW} are unstable."
            )
    st.download_button(
        "Download the recipe (TOML)",
        recipe_toml(ws, run.run_id),
        file_name=f"recipe-{run.run_id}.toml",
        key="seg_recipe",
    )


def manage_runs(all_runs: list[runs.Run]) -> None:
    st.dataframe([r.summary() for r in all_runs], hide_index=True)
    ids = [r.run_id for r in all_runs]
    left, right = st.columns(2)
    target = left.selectbox("Run", ids, key="seg_manage_run")
    new_name = left.text_input("New name", key="seg_new_name")
    renamed = left.button("Rename run", key="seg_rename") and new_name.strip()
    if renamed and common.act(runs.rename_run, ws, target, new_name):
        st.rerun()
    sure = left.checkbox(f"Yes, delete {target}", key="seg_sure")
    if sure and left.button("Delete run") and common.act(runs.delete_run, ws, target):
        st.rerun()
    compare_section(right, ids)


def compare_section(right, ids: list[str]) -> None:
    """Compare a run with another that shares its customers (runs on other tables cannot)."""
    a = right.selectbox("Compare", ids, index=len(ids) - 1, key="seg_cmp_a")
    others = runs.comparable_runs(ws, a)
    if not others:
        right.caption(f"No other run shares customers with {a}: nothing to compare it with.")
        return
    b = right.selectbox("with", others, index=len(others) - 1, key="seg_cmp_b")
    created = tuple(str(r.created_at) for r in runs.list_runs(ws) if r.run_id in (a, b))
    cmp = attempt(lambda progress: cached_comparison(ws, str(ws.path), a, b, created), "Comparing")
    if cmp is not None:
        right.caption(f"Adjusted Rand index {cmp.ari:.2f} (1 = the same segments).")
        right.plotly_chart(charts.contingency(cmp.contingency, a, b), key="seg_cmp_fig")


st.title("Segment")
tables = [t for t in ws.tables() if t.kind in ("features", "customers")]
if not tables:
    st.info(
        "Build a feature table on the **Features** page first (or load a customer table "
        "with one row per customer on the **Data** page)."
    )
    st.stop()
info = common.pick_table(tables, "Customer table", "segment_table", prefer=("features",))
table = info.name
prep = prep_choices(info)
sweep_section(table, prep)
run_section(table, prep)
if runs.list_runs(ws):
    st.divider()
    show_run(pick_run(ws, "segment_run", ""))
    with st.expander("All runs: rename, delete, compare"):
        manage_runs(runs.list_runs(ws))

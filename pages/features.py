"""Features: one row per customer (RFM and behaviour), and the choices for segmentation."""

from __future__ import annotations

import streamlit as st

from pages import common
from pages.common import attempt
from segmentation import charts
from segmentation.features import summaries as stats
from segmentation.features.build import build_features
from segmentation.features.definitions import (
    DEFAULT_TOP_CATEGORIES,
    FEATURE_HELP,
    MAX_TOP_CATEGORIES,
)
from segmentation.ingest.roles import ROLES
from segmentation.workspace.types import type_class

ws = common.workspace()
state = st.session_state
state.setdefault("segment_prep", {})  # feature table -> PrepConfig dict, read by the Segment page


def build_section() -> None:
    sources = [t for t in ws.tables() if t.kind in ("transactions", "customers")]
    if not sources:
        st.info("Load a transactions or customer table on the **Data** page first.")
        return
    names = [t.name for t in sources]
    source = st.selectbox("Source table", names, key="features_source", width=420)
    info = next(t for t in sources if t.name == source)
    roles = info.roles
    st.caption(
        f"{info.kind.capitalize()} table, {info.rows:,} rows. Roles: "
        + (", ".join(f"{r} = `{c}`" for r, c in roles.items()) or "none")
        + ". Change roles on the **Data** page."
    )
    left, middle, right = st.columns(3)
    own_date = left.checkbox(
        "Choose the as-of date",
        key="features_own_date",
        help=FEATURE_HELP.get("as_of", "Default: the day after the last transaction date."),
    )
    as_of = left.date_input("As of", key="features_as_of", disabled=not own_date)
    name = middle.text_input(
        "Feature table name", value=f"{source}_features", key=f"features_name_{source}"
    )
    top = right.number_input(
        "Category shares",
        0,
        MAX_TOP_CATEGORIES,
        DEFAULT_TOP_CATEGORIES,
        key="features_top",
        help="share_<category> columns for the top categories by revenue.",
    )
    replace = middle.checkbox("Replace a table of that name", key="features_replace")
    first = info.kind == "customers" and right.checkbox(
        "Keep the first row of a repeated customer id", key="features_keep_first"
    )
    if st.button("Build features", type="primary"):
        result = attempt(
            build_features,
            "Starting",
            ws=ws,
            source=source,
            name=name.strip() or None,
            as_of=as_of if own_date else None,
            replace=replace,
            top_categories=int(top),
            on_duplicate="first" if first else "refuse",
        )
        if result is not None:
            state["features_table"] = result.table
            state["features_flash"] = (
                f"Built **{result.table}**: {result.customers:,} customers x "
                f"{len(result.features)} features, as of {result.as_of}."
            )
            st.rerun()


def show_table(table: str) -> None:
    info = ws.table(table)
    opts = info.options
    st.caption(
        f"From **{opts.get('source')}**, as of {opts.get('as_of')}, {info.rows:,} "
        f"customers, built {info.loaded_at:%Y-%m-%d %H:%M}."
    )
    excluded = {k: v for k, v in opts.get("excluded", {}).items() if v}
    if excluded:
        st.caption(
            "Left out: " + "; ".join(f"{v:,} {k.replace('_', ' ')}" for k, v in excluded.items())
        )
    for feature, why in opts.get("missing", {}).items():
        st.caption(
            f"Not built: `{feature}`. Give a column the **{why}** role on the Data page to add it."
            if why in ROLES
            else f"Not used: `{feature}`: {why}."
        )
    preview, shapes, corr, help_tab = st.tabs(
        ["Preview", "Distributions", "Correlations", "Definitions"]
    )
    numeric = stats.numeric_columns(ws, table)
    with preview:
        st.dataframe(ws.preview(table, 200), hide_index=True)
    with shapes:
        left, right = st.columns([3, 1])
        column = left.selectbox("Feature", numeric, key=f"features_hist_{table}", width=360)
        log = right.toggle("Log scale", value=True, key=f"features_log_{table}")
        if column:
            bins = stats.histogram(ws, table, column, log=log)
            st.plotly_chart(charts.histogram(bins, column, log=log), key="features_hist_chart")
            st.caption(FEATURE_HELP.get(column, ""))
    with corr:
        if len(numeric) > 1:
            st.plotly_chart(
                charts.correlation_heatmap(stats.correlations(ws, table, numeric)),
                key="features_corr_chart",
            )
    with help_tab:
        st.table({"feature": list(FEATURE_HELP), "definition": list(FEATURE_HELP.values())})
    choices_section(
        table,
        numeric,
        [c.name for c in info.columns if type_class(c.type) == "text" and c.role != "customer_id"],
    )


def choices_section(table: str, numeric: list[str], text: list[str]) -> None:
    st.subheader("Features for segmentation")
    saved = common.saved_prep(ws, table, numeric)
    config = common.prep_editor(saved, numeric, text, key=f"prep_{table}")
    if st.button("Use these for segmentation", key=f"prep_save_{table}"):
        state["segment_prep"][table] = config.to_dict()
        state["segment_table"] = table
        st.success("Saved. The Segment page starts from these choices.")


st.title("Features")
st.write(
    "One row per customer: recency, frequency, monetary value and behaviour, built in the "
    "workspace from a transactions table, or taken from a customer table's columns."
)
build_section()
if flash := state.pop("features_flash", None):
    st.success(flash)
feature_tables = [t.name for t in ws.tables(kind="features")]
if feature_tables:
    st.divider()
    if state.get("features_table") not in feature_tables:
        state["features_table"] = feature_tables[-1]
    chosen = st.selectbox("Feature table", feature_tables, key="features_table", width=420)
    show_table(chosen)

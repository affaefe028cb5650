"""Features: one row per customer (RFM and behaviour), and the choices for segmentation."""

from __future__ import annotations

import streamlit as st

from pages.common import attempt
from segmentation import charts
from segmentation.features import summaries as stats
from segmentation.features.build import build_features
from segmentation.features.definitions import BEHAVIOURAL_FEATURES, FEATURE_HELP
from segmentation.ingest.roles import ROLES
from segmentation.segment.preprocess import IMPUTERS, SCALERS, PrepConfig, default_config

if "workspace" not in st.session_state:  # opened by its URL before app.py ran: start there
    st.switch_page("app.py")
ws = st.session_state["workspace"]
state = st.session_state
state.setdefault("segment_prep", {})  # feature table -> PrepConfig dict, read by the Segment page
CLIPS = {"No clipping": None, "1st to 99th percentile": (0.01, 0.99), "5th to 95th": (0.05, 0.95)}


@st.cache_data(max_entries=8, show_spinner=False)
def sample_of(table: str, version: str):
    """A sample of a feature table for default choices (version: its load time)."""
    return stats.read_table(ws, table, sample=50_000)


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
        50,
        8,
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
        [c.name for c in info.columns if c.type == "VARCHAR" and c.role != "customer_id"],
    )


def choices_section(table: str, numeric: list[str], text: list[str]) -> None:
    st.subheader("Features for segmentation")
    frame = sample_of(table, str(ws.table(table).loaded_at))
    default = default_config(frame, [c for c in BEHAVIOURAL_FEATURES if c in numeric] or None)
    saved = PrepConfig.from_dict(state["segment_prep"].get(table) or default.to_dict())
    features = st.multiselect(
        "Numeric features",
        numeric,
        default=list(saved.features),
        key=f"prep_features_{table}",
        help="Default: the behavioural features, log + standard scaling.",
    )
    categorical = st.multiselect(
        "Categorical features (opt-in)",
        text,
        default=list(saved.categorical),
        key=f"prep_cat_{table}",
        help="One-hot encoded, rare categories grouped; they often dominate distances.",
    )
    log = st.multiselect(
        "Log scale (log1p)",
        features,
        key=f"prep_log_{table}",
        default=[c for c in saved.log if c in features],
        help="Suggested for skewed, non-negative features.",
    )
    a, b, c = st.columns(3)
    scaler = a.selectbox(
        "Scaler", SCALERS, index=SCALERS.index(saved.scaler), key=f"prep_scaler_{table}"
    )
    impute = b.selectbox(
        "Fill missing values with",
        IMPUTERS,
        index=IMPUTERS.index(saved.impute),
        key=f"prep_impute_{table}",
    )
    clip_names = list(CLIPS)
    clip = c.selectbox(
        "Clip extremes",
        clip_names,
        key=f"prep_clip_{table}",
        index=list(CLIPS.values()).index(saved.clip) if saved.clip in CLIPS.values() else 0,
    )
    indicator = st.checkbox(
        "Add a missing-value indicator", value=saved.missing_indicator, key=f"prep_ind_{table}"
    )
    chosen = [*features, *categorical]
    weights = st.data_editor(
        {"feature": chosen, "weight": [float(saved.weights.get(f, 1.0)) for f in chosen]},
        key=f"prep_weights_{table}",
        disabled=["feature"],
        hide_index=True,
        column_config={
            "weight": st.column_config.NumberColumn(
                "Weight",
                min_value=0.0,
                max_value=10.0,
                step=0.1,
                help="Multiplies the feature after scaling: 2 counts it twice as much, 0 ignores it.",
            )
        },
    )
    if st.button("Use these for segmentation", key=f"prep_save_{table}"):
        config = PrepConfig(
            features=tuple(features),
            categorical=tuple(categorical),
            log=tuple(log),
            scaler=scaler,
            impute=impute,
            clip=CLIPS[clip],
            missing_indicator=indicator,
            weights={
                f: w for f, w in zip(weights["feature"], weights["weight"], strict=True) if w != 1.0
            },
        )
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

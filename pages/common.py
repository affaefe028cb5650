"""What the pages share: the workspace, the sidebar, sign-in, pickers, progress, flash
messages and the one editor of features and transforms. (Not a page: app.py lists the pages.)"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from segmentation.access import configured_password, password_matches
from segmentation.errors import SegmentationError
from segmentation.features import summaries as stats
from segmentation.features.definitions import BEHAVIOURAL_FEATURES
from segmentation.segment import runs
from segmentation.segment.preprocess import IMPUTERS, SCALERS, PrepConfig, default_config
from segmentation.workspace import TableInfo, Workspace, open_workspace

CLIPS = {"No clipping": None, "1st to 99th percentile": (0.01, 0.99), "5th to 95th": (0.05, 0.95)}


# -- the workspace, the sidebar, sign-in ----------------------------------------------------------
@st.cache_resource(show_spinner=False)
def get_workspace(path: str) -> Workspace:
    """The workspace at ``path``: one connection per file, shared by every session."""
    return open_workspace(path)


def workspace() -> Workspace:
    """The open workspace (app.py puts it in the session); a page opened by its URL before
    app.py ran starts at app.py."""
    if "workspace" not in st.session_state:
        st.switch_page("app.py")
    return st.session_state["workspace"]


def show_sidebar(ws: Workspace) -> None:
    """Where the data lives, what it holds, and the current segmentation run."""
    with st.sidebar:
        st.caption(f"Workspace: `{ws.path}`")
        if configured_password(st.secrets) is None:
            st.caption("Open on this machine only; no password set.")
        tables = ws.tables()
        if tables:
            st.caption("\n".join(f"- **{t.name}** · {t.kind} · {t.rows:,} rows" for t in tables))
        else:
            st.caption("No tables yet.")
        all_runs = runs.list_runs(ws)
        current = st.session_state.get("current_run")
        run = next((r for r in all_runs if r.run_id == current), all_runs[-1] if all_runs else None)
        if run is None:
            st.caption("No segmentation run yet.")
        else:
            st.caption(f"Current run: **{run.run_id}** · {run.name} · {len(run.segments)} segments")


def sign_in() -> None:
    """The only page until the password is given, when one is set."""
    st.title("Segmentation studio")
    given = st.text_input("Password", type="password", key="access_password")
    if st.button("Open", key="access_open") or given:
        if password_matches(given, configured_password(st.secrets) or ""):
            st.session_state["access_granted"] = True
            st.rerun()
        st.error("That password is not right.")


# -- pickers --------------------------------------------------------------------------------------
def pick_table(tables: Sequence[TableInfo], label: str, key: str) -> TableInfo:
    """A table selectbox that keeps its choice under ``key`` (the last table by default)."""
    names = [t.name for t in tables]
    if st.session_state.get(key) not in names:
        st.session_state[key] = names[-1]
    chosen = st.selectbox(label, names, key=key, width=420)
    return next(t for t in tables if t.name == chosen)


def pick_run(ws: Workspace, key: str, empty: str) -> runs.Run:
    """The run selectbox: every page shows the current run and a choice on any page changes it.

    The current run lives under ``current_run``, not under a widget key: Streamlit forgets a
    widget's state on pages where the widget is not drawn. ``empty`` is said (and the page
    stopped) when there is no run yet.
    """
    all_runs = runs.list_runs(ws)
    if not all_runs:
        st.info(empty)
        st.stop()
    by_id = {r.run_id: r for r in all_runs}
    if st.session_state.get("current_run") not in by_id:
        st.session_state["current_run"] = all_runs[-1].run_id
    st.session_state[key] = st.session_state["current_run"]
    chosen = st.selectbox(
        "Run",
        list(by_id),
        key=key,
        width=420,
        format_func=lambda i: f"{i}: {by_id[i].name}",
        on_change=lambda: st.session_state.update(current_run=st.session_state[key]),
    )
    return by_id[chosen]


# -- calls, progress and messages -----------------------------------------------------------------
def attempt(call, text: str, **kwargs):
    """One library call with a progress bar; a SegmentationError is shown, None returned."""
    widget = st.progress(0.0, text=text)
    try:
        return call(progress=lambda f, m: widget.progress(min(max(f, 0.0), 1.0), text=m), **kwargs)
    except SegmentationError as exc:
        st.error(str(exc))
        return None
    finally:
        widget.empty()


def flash(key: str, message: str) -> None:
    """Keep a success message to show after the rerun that follows an action."""
    st.session_state[f"{key}_flash"] = message


def show_flash(key: str) -> None:
    """Show (once) the message kept by :func:`flash`."""
    if message := st.session_state.pop(f"{key}_flash", None):
        st.success(message)


# -- features and transforms ----------------------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner=False)
def _sample_of(_ws: Workspace, path: str, table: str, version: str):
    """A sample of a feature table for default choices (version: its load time)."""
    return stats.read_table(_ws, table, sample=50_000)


def saved_prep(ws: Workspace, table: str, numeric: list[str]) -> PrepConfig:
    """The choices saved for ``table`` in this session, else the defaults for its data."""
    saved = st.session_state.setdefault("segment_prep", {}).get(table)
    if saved:
        return PrepConfig.from_dict(saved)
    frame = _sample_of(ws, str(ws.path), table, str(ws.table(table).loaded_at))
    return default_config(frame, [c for c in BEHAVIOURAL_FEATURES if c in numeric] or None)


def prep_editor(saved: PrepConfig, numeric: list[str], text: list[str], key: str) -> PrepConfig:
    """The one editor of the features and transforms used for segmentation (Features and
    Segment pages); widget keys start with ``key``."""
    features = st.multiselect(
        "Numeric features",
        numeric,
        default=[f for f in saved.features if f in numeric],
        key=f"{key}_features",
        help="Default: the behavioural features, log + standard scaling.",
    )
    categorical = st.multiselect(
        "Categorical features (opt-in)",
        text,
        default=[c for c in saved.categorical if c in text],
        key=f"{key}_cat",
        help="One-hot encoded, rare categories grouped; they often dominate distances.",
    )
    log = st.multiselect(
        "Log scale (log1p)",
        features,
        key=f"{key}_log",
        default=[c for c in saved.log if c in features],
        help="Suggested for skewed, non-negative features.",
    )
    a, b, c = st.columns(3)
    scaler = a.selectbox("Scaler", SCALERS, index=SCALERS.index(saved.scaler), key=f"{key}_scaler")
    impute = b.selectbox(
        "Fill missing values with",
        IMPUTERS,
        index=IMPUTERS.index(saved.impute),
        key=f"{key}_impute",
    )
    clip = c.selectbox(
        "Clip extremes",
        list(CLIPS),
        key=f"{key}_clip",
        index=list(CLIPS.values()).index(saved.clip) if saved.clip in CLIPS.values() else 0,
    )
    indicator = st.checkbox(
        "Add a missing-value indicator", value=saved.missing_indicator, key=f"{key}_ind"
    )
    chosen = [*features, *categorical]
    weights = st.data_editor(
        {"feature": chosen, "weight": [float(saved.weights.get(f, 1.0)) for f in chosen]},
        key=f"{key}_weights",
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
    return PrepConfig(
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


# -- predictions ----------------------------------------------------------------------------------
def show_segment_values(totals, key: str) -> None:
    """Predicted value per segment with its 80% range (chart and table), and churn risk."""
    from segmentation.charts.predict import segment_values

    st.plotly_chart(segment_values(totals), key=key)
    number = st.column_config.NumberColumn
    st.dataframe(
        totals,
        hide_index=True,
        column_config={
            "segment_id": "Id",
            "segment": "Segment",
            "customers": number("Customers", format="localized"),
            "expected_orders": number("Orders expected", format="%.0f"),
            "expected_orders_low": None,
            "expected_orders_high": None,
            "clv": number("Predicted value", format="%.0f"),
            "clv_low": number("from", format="%.0f"),
            "clv_high": number("to", format="%.0f"),
            "share_high_churn_risk": number("High churn risk", format="percent"),
        },
    )
    st.caption(
        "Predicted value: the orders each customer is expected to place over the coming period "
        "times their expected order value, discounted; from / to: the 80% range. High churn "
        "risk: chance of still being a customer below 30%."
    )

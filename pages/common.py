"""What the pages share: the workspace, the sidebar, sign-in, pickers, progress, flash
messages and the one editor of features and transforms. (Not a page: app.py lists the pages.)"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import streamlit as st

from segmentation.access import configured_password, password_matches
from segmentation.errors import SegmentationError
from segmentation.features import summaries as stats
from segmentation.features.build import default_as_of
from segmentation.features.definitions import BEHAVIOURAL_FEATURES
from segmentation.profiles.words import feature_words
from segmentation.segment import runs
from segmentation.segment.preprocess import IMPUTERS, SCALERS, PrepConfig, default_config
from segmentation.segment.registry import Param
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
def next_table(tables: Sequence[TableInfo], prefer: Sequence[str]) -> str:
    """The table the next step needs: the newest of the first kind in ``prefer`` that has one
    (a transactions table for Features, a feature table for Segment), else the newest."""
    for kind in prefer:
        found = [t.name for t in tables if t.kind == kind]
        if found:
            return found[-1]
    return tables[-1].name


def pick_table(
    tables: Sequence[TableInfo], label: str, key: str, prefer: Sequence[str] = ()
) -> TableInfo:
    """A table selectbox that keeps its choice under ``key`` (by default the newest table of
    the first ``prefer``red kind, see :func:`next_table`)."""
    names = [t.name for t in tables]
    if st.session_state.get(key) not in names:
        st.session_state[key] = next_table(tables, prefer)
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


def param_widget(p: Param, key: str):
    """The widget of one algorithm parameter, labelled in words; None means automatic."""
    label = p.label
    if p.kind == "choice":
        return st.selectbox(
            label, p.choices, index=p.choices.index(p.default), help=p.help, key=key
        )
    if p.kind == "bool":
        return st.checkbox(label, value=bool(p.default), help=p.help, key=key)
    if p.default is None and not st.checkbox(
        f"Choose {label.lower()}", key=key + "_own", help=p.help + " Off: automatic."
    ):
        return None
    cast = int if p.kind == "int" else float
    default = cast(p.default if p.default is not None else p.low)
    return st.number_input(
        label, cast(p.low), cast(min(p.high, 10**6)), default, help=p.help, key=key
    )


# -- calls, progress and messages -----------------------------------------------------------------
_STOPS = itertools.count()


def attempt(call, text: str, **kwargs):
    """One library call shown as running, with a progress bar and a Stop button; a
    SegmentationError is shown, None returned.

    Stop (like any click) makes Streamlit rerun the page: the progress callback raises inside
    the library, which stops between steps and saves nothing; the rerun says so.
    """
    box = st.empty()
    with box.status(f"{text}...", state="running", expanded=True):
        bar = st.progress(0.0, text=text)
        st.button(
            "Stop",
            key=f"stop_{next(_STOPS)}",
            on_click=flash,
            args=("stopped", f"Stopped: {text.lower()} was interrupted and nothing was saved."),
        )
    try:
        return call(progress=lambda f, m: bar.progress(min(max(f, 0.0), 1.0), text=m), **kwargs)
    except SegmentationError as exc:
        error(exc)
        return None
    finally:
        box.empty()


_CLI_HINTS = [  # the CLI's half of a message meant for both: the app shows its own half only
    (re.compile(r"\s*\((?:--|`segment )[^()]*?, or ([^()]*)\)"), r" (\1)"),
    (re.compile(r"\s*\((?:--|`segment )[^()]*\)"), ""),
    (re.compile(r",? or (?:with |run )?`(?:segment |--)[^`]*`"), ""),
    (re.compile(r"`segment [^`]*` or "), ""),
    (re.compile(r",? or (?:[a-z ]+ )?with --[a-z-]+(?: [A-Z_=]+)?(?=[,.]|$)"), ""),
    (re.compile(r"\s*\(or `segment [^`]*`\)"), ""),
    (re.compile(r"\s*[A-Z][^.`]*`segment [^`]*`[^.]*\."), ""),
    (re.compile(r" \(--[a-z-]+ [a-z]+, or ([^)]*)\)"), r" (\1)"),
]


def app_words(message: str) -> str:
    """A library message without its command-line hints (``--table NAME``, `segment runs`),
    which mean nothing in the app; the page's own hint ("on the Data page") stays."""
    for pattern, replacement in _CLI_HINTS:
        message = pattern.sub(replacement, message)
    return message


def error(exc: Exception) -> None:
    """Show a library error in the app's words."""
    st.error(app_words(str(exc)))


def act(call, *args, **kwargs) -> bool:
    """One quick library call (no progress); False (the error shown) on a SegmentationError."""
    try:
        call(*args, **kwargs)
    except SegmentationError as exc:
        error(exc)
        return False
    return True


def header_words(columns) -> dict:
    """Column labels in words for a table of features (recency_days -> days since last order)."""
    return {c: feature_words(c) for c in columns}


def keep(defaults: dict) -> None:
    """Widget values that survive a visit to another page: Streamlit forgets the state of a
    widget that is not drawn, so each value is copied under ``kept_<key>`` and put back.
    Widgets of these keys take no ``value`` argument (the default is given here)."""
    for key, default in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = st.session_state.get(f"kept_{key}", default)
        st.session_state[f"kept_{key}"] = st.session_state[key]


def words_list(items: Sequence[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    items = [str(i) for i in items]
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def show_messages(messages: list[tuple[str, str]]) -> None:
    """Show ``(level, text)`` messages: success, warning or error."""
    for level, text in messages:
        {"success": st.success, "warning": st.warning, "error": st.error}[level](text)


def flash(key: str, message: str) -> None:
    """Keep a success message to show after the rerun that follows an action."""
    st.session_state[f"{key}_flash"] = message


def show_flash(key: str, show=st.success) -> None:
    """Show (once) the message kept by :func:`flash`."""
    if message := st.session_state.pop(f"{key}_flash", None):
        show(message)


# -- features and transforms ----------------------------------------------------------------------
@st.cache_data(max_entries=8, show_spinner=False)
def _sample_of(_ws: Workspace, path: str, table: str, version: str):
    """A sample of a feature table for default choices (version: its load time)."""
    return stats.read_table(_ws, table, sample=50_000)


@st.cache_data(max_entries=16, show_spinner=False)
def cached_as_of(_ws: Workspace, path: str, table: str, version: str):
    """The as-of date a build of ``table`` uses by default (version: its load time)."""
    return default_as_of(_ws, table)


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

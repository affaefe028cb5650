"""What the pages share: the workspace, the sidebar, sign-in, pickers, progress, flash
messages and the one editor of features and transforms. (Not a page: app.py lists the pages.)"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

import streamlit as st

from segmentation.access import configured_password, password_matches
from segmentation.errors import SegmentationError
from segmentation.profiles.words import feature_words
from segmentation.segment import runs
from segmentation.workspace import TableInfo, Workspace, open_workspace


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
    """A table selectbox that keeps its choice under ``key`` (default: :func:`next_table`)."""
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
    """A library message without its command-line hints (``--table NAME``, `segment runs`)."""
    for pattern, replacement in _CLI_HINTS:
        message = pattern.sub(replacement, message)
    return message


def error(exc: Exception) -> None:
    """Show a library error in the app's words."""
    st.error(app_words(str(exc)))


def get(call, *args, **kwargs) -> tuple | None:
    """``(result,)`` of a quick library read, or None (the error shown) on a SegmentationError."""
    try:
        return (call(*args, **kwargs),)
    except SegmentationError as exc:
        error(exc)
        return None


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
    """Widget values kept across pages (Streamlit forgets an undrawn widget's state): copied
    under ``kept_<key>`` and put back. Their widgets take no ``value`` (the default is here)."""
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

"""What several pages share: the run picker, a call with a progress bar. (Not a page: app.py
lists the pages.)"""

from __future__ import annotations

import streamlit as st

from segmentation.errors import SegmentationError
from segmentation.segment import runs
from segmentation.workspace.connection import Workspace


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

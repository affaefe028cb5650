"""The Streamlit entry of the segmentation studio: page setup, the workspace, the sidebar.

Run it with ``make run`` (loads the sample data first) or ``streamlit run app.py``. Pages find
the open workspace in ``st.session_state["workspace"]``.
"""

from __future__ import annotations

import streamlit as st

from segmentation.access import configured_password, is_local, password_matches
from segmentation.errors import SegmentationError
from segmentation.segment.runs import list_runs
from segmentation.workspace.connection import Workspace, default_workspace_path, open_workspace


@st.cache_resource(show_spinner=False)
def get_workspace(path: str) -> Workspace:
    """The workspace at ``path``: one connection per file, shared by every session."""
    return open_workspace(path)


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
        all_runs = list_runs(ws)
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


PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
    st.Page("pages/features.py", title="Features", icon=":material/person_search:"),
    st.Page("pages/segment.py", title="Segment", icon=":material/bubble_chart:"),
    st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),
    st.Page("pages/profiles.py", title="Profiles", icon=":material/insights:"),
    st.Page("pages/export.py", title="Export", icon=":material/ios_share:"),
]

st.set_page_config(page_title="Segmentation studio", layout="wide")
password = configured_password(st.secrets)
if password is not None and not st.session_state.get("access_granted"):
    st.navigation([st.Page(sign_in, title="Sign in")]).run()
    st.stop()
if password is None and not is_local(st.get_option("server.address")):
    st.error(
        "This app serves a network address but no password is set. Set SEGMENT_PASSWORD "
        "(or password in .streamlit/secrets.toml) and restart."
    )
    st.stop()
page = st.navigation(PAGES)
try:
    workspace = get_workspace(str(default_workspace_path().expanduser().resolve()))
except SegmentationError as exc:
    st.error(str(exc))
    st.stop()
st.session_state["workspace"] = workspace
show_sidebar(workspace)
page.run()

"""The Streamlit entry of the segmentation studio: the router.

Run it with ``make run`` (loads the sample data first) or ``streamlit run app.py``. Pages find
the open workspace with ``pages.common.workspace()``.
"""

from __future__ import annotations

import streamlit as st

from pages.common import get_workspace, show_flash, show_sidebar, sign_in
from segmentation.access import configured_password, is_local
from segmentation.errors import SegmentationError
from segmentation.workspace import default_workspace_path

PAGES = [
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table:"),
    st.Page("pages/features.py", title="Features", icon=":material/person_search:"),
    st.Page("pages/segment.py", title="Segment", icon=":material/bubble_chart:"),
    st.Page("pages/explore.py", title="Explore", icon=":material/scatter_plot:"),
    st.Page("pages/profiles.py", title="Profiles", icon=":material/insights:"),
    st.Page("pages/predict.py", title="Predict", icon=":material/trending_up:"),
    st.Page("pages/recommend.py", title="Recommend", icon=":material/recommend:"),
    st.Page("pages/customer.py", title="Customer", icon=":material/person:"),
    st.Page("pages/export.py", title="Export", icon=":material/ios_share:"),
    st.Page("pages/results.py", title="Results", icon=":material/monitoring:"),
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
show_flash("stopped", st.info)  # a Stop pressed during a long step
page.run()

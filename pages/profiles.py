"""Profiles: what each segment is, how big and valuable, its name, rules and a suggested action."""

from __future__ import annotations

import streamlit as st

from pages import common, values
from pages.common import pick_run
from segmentation.charts import profiles as charts
from segmentation.errors import SegmentationError
from segmentation.predict.store import list_predictions
from segmentation.profiles import build as profiles
from segmentation.profiles import report
from segmentation.profiles.naming import rename_segments
from segmentation.profiles.words import feature_words, return_rate_note
from segmentation.readable import empty_columns, percent_points
from segmentation.segment import runs

ws = common.workspace()
state = st.session_state
state.setdefault("profiles_names_version", 0)


@st.cache_data(max_entries=8, show_spinner="Profiling the segments")
def cached_profile(_ws, path: str, run_id: str, created: str) -> profiles.RunProfile:
    """Cached per workspace file and run (a run's data never changes; ids can be reused)."""
    return profiles.build_profile(_ws, run_id)


def names_section(profile: profiles.RunProfile) -> None:
    st.subheader("Segments")
    st.caption(
        "Names are generated from what sets each segment apart; edit a name and save. "
        "Actions are suggestions from an RFM-style playbook, not rules."
    )
    key = f"profiles_names_{profile.run_id}_{state['profiles_names_version']}"
    summary = percent_points(profile.summary_frame(), ("share", "revenue_share"))
    edited = st.data_editor(
        summary,
        key=key,
        hide_index=True,
        column_order=[
            c for c in summary.columns if c not in [*empty_columns(summary), "description"]
        ],
        disabled=["segment_id", "size", "share", "revenue_share", "action", "description"],
        column_config={
            "segment_id": st.column_config.NumberColumn("Id", width="small"),
            "segment": st.column_config.TextColumn("Name", required=True, max_chars=80),
            "size": st.column_config.NumberColumn("Customers", format="localized"),
            "share": st.column_config.NumberColumn("Share", format="%.1f%%"),
            "revenue_share": st.column_config.NumberColumn("Revenue share", format="%.1f%%"),
            "action": st.column_config.TextColumn("Suggested action"),
        },
    )
    save_names(profile, edited)
    # in full, as text that wraps: a table cell cuts a long description at narrow widths
    st.markdown("\n".join(f"- **{s.name}**: {s.description}" for s in profile.segments))


def save_names(profile: profiles.RunProfile, edited) -> None:
    if st.button("Save names", key="profiles_save"):
        names = dict(zip(edited["segment_id"], edited["segment"], strict=True))
        changed = {i: n for i, n in names.items() if n != profile.names.get(i)}
        if not changed:
            st.info("No name changed: edit a name in the table first.")
            return
        try:  # all or nothing; only the names that changed are written
            rename_segments(ws, profile.run_id, names)
        except SegmentationError as exc:
            common.error(exc)
        else:
            state["profiles_names_version"] += 1
            state["profiles_flash"] = f"Saved {common.words_list(list(changed.values()))}."
            st.rerun()


def segment_tab(profile: profiles.RunProfile, names: dict[int, str]) -> None:
    sid = st.selectbox(
        "Segment",
        list(names),
        format_func=names.get,
        key=f"profiles_segment_{profile.run_id}",
        width=420,
    )
    s = profile.segment(sid)
    cells = st.columns(5)
    cells[0].metric("Customers", f"{s.size:,}", border=True)
    cells[1].metric("Share of customers", f"{s.share:.0%}", border=True)
    revenue = "—" if s.revenue_share is None else f"{s.revenue_share:.0%}"
    cells[2].metric("Share of revenue", revenue, border=True)
    rule_help = (
        "Precision: of the customers the rule picks, the share in this segment. "
        "Recall: of the segment's customers, the share the rule picks."
    )
    cells[3].metric("Rule precision", f"{s.rule_precision:.0%}", border=True, help=rule_help)
    cells[4].metric("Rule recall", f"{s.rule_recall:.0%}", border=True, help=rule_help)
    st.write(s.description)
    returns = s.features.get("return_rate")
    if note := return_rate_note(returns.mean if returns else None):
        st.caption(note)
    if s.action:
        st.info(f"**Suggested action** (a suggestion, not a rule): {s.action}")
    rules = " — or — ".join(f"`{r}`" for r in s.rules) or "no simple rule isolates it"
    st.markdown(f"**Rule**: {rules}")
    st.dataframe(
        profile.segment_features(sid),
        hide_index=True,
        column_config={
            c: st.column_config.NumberColumn(format="%.2f")
            for c in ("mean", "median", "all customers", "std. difference")
        }
        | {"index": st.column_config.ProgressColumn(format="%.0f", min_value=0, max_value=300)},
    )
    for column, dimension in zip(st.columns(2), profile.dimensions[:2], strict=False):
        column.markdown(f"**Top {dimension} values** (index vs all customers)")
        column.plotly_chart(
            charts.top_values(profile.top(sid, dimension), profile.top_basis),
            key=f"profiles_top_{dimension}_{profile.run_id}",
        )
    if "product" in profile.dimensions:
        with st.expander("Top products"):
            st.dataframe(profile.top(sid, "product"), hide_index=True)


def compare_tab(profile: profiles.RunProfile, names: dict[int, str]) -> None:
    left, right = st.columns(2)
    ids = list(names)
    a = left.selectbox(
        "Segment", ids, format_func=names.get, key=f"profiles_cmp_a_{profile.run_id}"
    )
    others = [None] + [i for i in ids if i != a]
    b = right.selectbox(
        "Compared with",
        others,
        format_func=lambda i: "All customers" if i is None else names[i],
        key=f"profiles_cmp_b_{profile.run_id}",
    )
    st.plotly_chart(charts.radar(profile.compare(a, b)), key="profiles_radar")
    st.caption("Index against all customers (100 = average); beyond 400 is drawn at 400.")


def distribution_tab(profile: profiles.RunProfile) -> None:
    left, right = st.columns([3, 1])
    feature = left.selectbox(
        "Feature",
        profile.features,
        format_func=feature_words,
        key=f"profiles_dist_feature_{profile.run_id}",
    )
    log = right.checkbox("Log scale", key="profiles_dist_log", value=True)
    st.plotly_chart(
        charts.distribution(
            profile.distribution(feature),
            feature_words(feature),
            [s.name for s in profile.segments],
            log=log,
        ),
        key="profiles_dist",
    )
    st.caption(f"On a seeded sample of {len(profile.sample):,} customers.")


def predicted_tab(run: runs.Run) -> None:
    stored = {p["prediction_id"]: p for p in list_predictions(ws)}
    if not stored:
        st.info("Make a prediction on the **Predict** page to see each segment's predicted value.")
        return
    pid = st.selectbox(
        "Prediction", list(stored), index=len(stored) - 1, key="profiles_prediction", width=420,
        format_func=lambda i: f"{i}: {stored[i]['name']} ({stored[i]['table']})",
    )  # fmt: skip
    try:
        totals = values.segment_values(ws, stored[pid], run)
    except SegmentationError as exc:
        common.error(exc)
        return
    values.show_segment_values(totals, "profiles_predicted")


st.title("Profiles")
run = pick_run(
    ws,
    "profiles_run",
    "Run a segmentation on the **Segment** page first; its segments are profiled here.",
)
try:
    profile = cached_profile(ws, str(ws.path), run.run_id, str(run.created_at))
    profiles.save_segment_names(ws, profile)  # the names it generated, for "Segment N" only
    run = runs.get_run(ws, run.run_id)  # with the names just saved
    profile = profile.renamed(run)
except SegmentationError as exc:
    common.error(exc)
    st.stop()
if flash := state.pop("profiles_flash", None):
    st.success(flash)
cells = st.columns(3)
cells[0].metric("Segments", len(profile.segments), border=True)
cells[1].metric("Customers", f"{profile.customers:,}", border=True)
fidelity = "—" if profile.fidelity is None else f"{profile.fidelity:.0%}"
cells[2].metric("Rule fidelity", fidelity, border=True, help=profile.notes[0])
names_section(profile)
names = profile.names
overview, segment, compare, spread, predicted = st.tabs(
    ["Overview", "Segment", "Compare", "Distributions", "Predicted value"]
)
with overview:
    st.plotly_chart(
        charts.index_heatmap(profile.feature_frame("index", words=True)), key="profiles_heatmap"
    )
    st.caption("Index: the segment's mean / all customers' mean x 100 (100 = average).")
    st.plotly_chart(charts.shares(profile.summary_frame()), key="profiles_shares")
with segment:
    segment_tab(profile, names)
with compare:
    compare_tab(profile, names)
with spread:
    distribution_tab(profile)
with predicted:
    predicted_tab(run)
st.download_button(
    "Download the report (HTML)",
    lambda: report.html_report(ws, profile.run_id, profile=profile),
    file_name=f"profiles-{profile.run_id}.html",
    mime="text/html",
    key="profiles_report",
)

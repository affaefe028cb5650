"""Customer: one customer by id — orders, features against their segment, why they are in it,
what to offer them and what they are worth. Personal fields stay hidden unless revealed."""

from __future__ import annotations

import streamlit as st

from pages import common
from pages.common import pick_run
from segmentation.charts import recommend as charts
from segmentation.errors import SegmentationError
from segmentation.profiles import build as profiles
from segmentation.recommend import customer as lookup

ws = common.workspace()
state = st.session_state


@st.cache_resource(max_entries=4, show_spinner="Placing the customers")
def geometry(_ws, path: str, run_id: str, created: str) -> lookup.Geometry:
    """Cached per workspace file and run (never mutated)."""
    return lookup.run_geometry(_ws, run_id)


@st.cache_data(max_entries=8, show_spinner="Reading the segments' rules")
def profile(_ws, path: str, run_id: str, created: str) -> profiles.RunProfile:
    return profiles.build_profile(_ws, run_id)


def why_section(view: lookup.CustomerView) -> None:
    st.subheader(f"Segment {view.segment_id}: {view.segment}")
    if view.rule:
        st.write(f"**The rule that covers them**: {view.rule}")
    if len(view.distances) > 1:
        own, other = view.distances.iloc[0], view.distances.iloc[1]
        st.write(
            f"Distance to the centre of their segment: **{own['distance']:.2f}**; to the nearest "
            f"other segment, *{other['segment']}*: **{other['distance']:.2f}** "
            f"({'well inside' if view.margin > 0.5 else 'near the border'})."
        )
        st.caption("Distances in the run's prepared features, each scaled to unit spread.")


def orders_section(view: lookup.CustomerView) -> None:
    o = view.orders
    if not o:
        st.info("No transactions behind this run: there are no orders to show.")
        return
    cells = st.columns(4)
    cells[0].metric("Orders", f"{o['orders']:,}", border=True)
    cells[1].metric("Products", f"{o['products']:,}", border=True)
    cells[2].metric("First order", f"{o['first_order']:%Y-%m-%d}", border=True)
    cells[3].metric("Last order", f"{o['last_order']:%Y-%m-%d}", border=True)
    st.dataframe(view.recent_orders, hide_index=True, key="customer_orders")


def offer_section(view: lookup.CustomerView) -> None:
    st.subheader("What to offer")
    if view.recommendations is None:
        st.info("No recommendations for this run yet: make them on the Recommend page.")
        return
    st.caption(f"From recommendation set {view.recommendation_id}.")
    st.dataframe(view.recommendations, hide_index=True, key="customer_recs")


def worth_section(view: lookup.CustomerView) -> None:
    p = view.predictions
    if not p:
        return
    st.subheader("What they are worth")
    cells = st.columns(3)
    cells[0].metric("Chance still active", f"{p['p_alive']:.0%}", border=True)
    cells[1].metric(
        "Expected orders",
        f"{p['expected_orders']:.1f}",
        f"{p['expected_orders_low']:.1f} to {p['expected_orders_high']:.1f}",
        delta_color="off",
        border=True,
    )
    cells[2].metric(
        "Lifetime value",
        f"{p['clv']:,.0f}",
        f"{p['clv_low']:,.0f} to {p['clv_high']:,.0f}",
        delta_color="off",
        border=True,
    )


st.title("Customer")
run = pick_run(ws, "customer_run", "Make a segmentation run first (Segment page).")
typed = st.text_input(
    "Customer id", key="customer_id", placeholder="as in your files, e.g. 12347"
).strip()
if not typed:
    st.info("Type a customer id: from any table, run, audience or export file.")
    st.stop()
created = str(run.created_at)
try:
    rules = profile(ws, str(ws.path), run.run_id, created)
    view = lookup.customer_view(
        ws, run.run_id, typed,
        geometry=geometry(ws, str(ws.path), run.run_id, created), rule_of=rules.rule_for,
    )  # fmt: skip
except SegmentationError as exc:
    common.error(exc)
    elsewhere = lookup.runs_of_customer(ws, typed)
    if elsewhere:
        st.info(f"That id is in run(s) {', '.join(elsewhere)}: choose one above.")
    st.stop()
why_section(view)
orders_section(view)
st.plotly_chart(charts.customer_features(view.features), key="customer_features_chart")
offer_section(view)
worth_section(view)
if view.personal_fields and st.toggle(
    f"Show personal fields ({', '.join(view.personal_fields)})", key="customer_reveal"
):
    st.table(lookup.reveal_personal(ws, run.run_id, view.customer_id))

"""Recommend: what to offer each segment and each customer, measured against popularity."""

from __future__ import annotations

import streamlit as st

from pages import common
from pages.common import pick_run
from segmentation import recommend as rec
from segmentation.charts import recommend as charts
from segmentation.errors import SegmentationError
from segmentation.export.files import neutralize

ws = common.workspace()
state = st.session_state
METHOD_WORDS = {
    "item-knn": "Bought together (item-to-item, recommended)",
    "als": "Taste profiles (matrix factorization)",
    "popular": "Bestsellers",
    "segment-popular": "Bestsellers of the segment",
}


@st.cache_data(max_entries=32, show_spinner="Comparing the segment with everyone")
def cached_top(_ws, path: str, run: tuple, segment_id: int, least: int, what: str):
    """Cached per workspace file, run (id, date, transactions tables' load times) and choice."""
    return rec.segment_top(_ws, run[0], segment_id=segment_id, min_buyers=least, dimension=what)


@st.cache_data(max_entries=32, show_spinner="Finding what sells together")
def cached_rules(_ws, path: str, run: tuple, segment_id: int | None, orders: int) -> rec.Rules:
    return rec.bought_together(
        _ws, rec.purchase_lines(_ws, run[0]).table, run_id=run[0],
        segment_id=segment_id, min_orders=orders, limit=200,
    )  # fmt: skip


def make_form(source: str) -> None:
    with st.form("recommend_form"):
        cells = st.columns([3, 1, 2])
        method = cells[0].selectbox(
            "Method", rec.METHODS, format_func=METHOD_WORDS.get, key="recommend_method"
        )
        top = cells[1].number_input("Products per customer", 1, 50, 10, key="recommend_top")
        again = cells[2].checkbox(
            "May offer what a customer bought before",
            key="recommend_again",
            help="For shops where people buy the same things again (groceries, supplies).",
        )
        go = st.form_submit_button("Make recommendations", type="primary")
    if go:
        made = common.attempt(
            rec.recommend, "Making recommendations", ws=ws, source=source,
            method=method, top=int(top), include_bought=again,
        )  # fmt: skip
        if made is not None:
            state["recommend_set"] = made.recommendation_id
            common.flash("recommend", f"Made {made.name} ({made.recommendation_id}).")
            st.rerun()


def evaluation_section(chosen: rec.RecommendationSet) -> None:
    st.subheader("Does it beat the bestsellers?")
    if chosen.evaluation is None:
        st.info("This set was made without the evaluation; make it again here to see it.")
        return
    table = rec.evaluation_table(chosen.evaluation, chosen.method)
    ev = chosen.evaluation
    st.caption(
        f"Each customer's last order was held out ({ev['customers']:,} customers with at least "
        f"two orders and something new in the last one); every method recommended {ev['k']} "
        "products from the rest."
    )
    if not ev["beats_popularity"]:
        st.warning(f"{METHOD_WORDS[chosen.method]} does not beat the bestsellers on this data.")
    left, right = st.columns([2, 3])
    left.dataframe(table, hide_index=True, column_config=_metric_columns())
    right.plotly_chart(charts.evaluation_bars(table, ev["k"]), key="recommend_eval_chart")


def _metric_columns() -> dict:
    return {
        "method": st.column_config.TextColumn("Method"),
        "hit_rate": st.column_config.NumberColumn("Hit rate", format="%.3f"),
        "precision": st.column_config.NumberColumn("Precision", format="%.4f"),
        "recall": st.column_config.NumberColumn("Recall", format="%.4f"),
        "map": st.column_config.NumberColumn("MAP", format="%.4f"),
    }


def segment_section(run) -> None:
    st.subheader("What each segment buys more than everyone")
    names = {s.segment_id: s.name for s in run.segments}
    cells = st.columns([3, 1, 1])
    sid = cells[0].selectbox("Segment", list(names), format_func=names.get, key="recommend_seg")
    least = cells[1].number_input("At least this many buyers", 1, 1000, 5, key="recommend_min")
    what = cells[2].radio("Of", ["product", "category"], key="recommend_dim", horizontal=True)
    lines = tuple((t.name, str(t.loaded_at)) for t in ws.tables(kind="transactions"))
    key = (run.run_id, str(run.created_at), lines)  # a reloaded table is a new entry
    try:
        top = cached_top(ws, str(ws.path), key, sid, int(least), what)
    except SegmentationError as exc:
        common.error(exc)
        return
    if top.empty:
        st.info("No product has that many buyers in this segment; lower the number.")
        return
    st.plotly_chart(charts.lift_bars(top), key="recommend_lift_chart")
    with st.expander("Rules: what sells together"):
        cells = st.columns(2)
        orders = cells[0].number_input(
            "At least this many orders", 2, 10_000, 10, key="recommend_orders"
        )
        everyone = cells[1].toggle("All customers, not only this segment", key="recommend_all")
        try:
            rules = cached_rules(ws, str(ws.path), key, None if everyone else sid, int(orders))
        except SegmentationError as exc:
            common.error(exc)
            return
        whose = "all customers" if everyone else "the segment"
        st.caption(f"{len(rules.frame):,} rules from {rules.orders:,} orders of {whose}.")
        st.dataframe(rules.frame, hide_index=True, key="recommend_rules")


def preview_section(chosen: rec.RecommendationSet) -> None:
    st.subheader("Per customer")
    st.caption(
        f"{chosen.customers:,} customers; {chosen.fallback_customers:,} with too little "
        "history got their segment's top products."
    )
    rows = rec.read_rows(ws, chosen.recommendation_id, limit=200)
    st.dataframe(rows, hide_index=True, key="recommend_preview")
    st.download_button(
        "Download all (CSV)",  # read and written on the click: 10 rows a customer
        lambda: neutralize(rec.read_rows(ws, chosen.recommendation_id)).to_csv(index=False),
        file_name=f"{chosen.recommendation_id}-recommendations.csv",
        mime="text/csv",
        key="recommend_download",
    )


st.title("Recommend")
st.caption("What to offer each segment and each customer, measured against the bestsellers.")
common.show_flash("recommend")
run = pick_run(ws, "recommend_run", "Make a segmentation run first (Segment page).")
tables = [t.name for t in ws.tables(kind="transactions")]
source = st.radio(
    "Recommend from",
    [run.run_id, *tables],
    format_func=lambda s: f"run {s} (with its segments)" if s == run.run_id else f"table {s}",
    key="recommend_source",
    horizontal=True,
)
try:
    rec.purchase_lines(ws, source)
except SegmentationError as exc:
    common.error(exc)
    st.stop()
make_form(source)
sets = {s.recommendation_id: s for s in rec.list_sets(ws) if s.source == source}
if not sets:
    st.info("No recommendations from this source yet: choose a method and make them.")
    st.stop()
if state.get("recommend_set") not in sets:
    state["recommend_set"] = list(sets)[-1]
chosen = sets[
    st.selectbox(
        "Recommendation set",
        list(sets),
        key="recommend_set",
        format_func=lambda i: f"{i}: {sets[i].name}",
        width=420,
    )
]
evaluation_section(chosen)
if source == run.run_id:
    segment_section(run)
preview_section(chosen)

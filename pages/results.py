"""Results: did the campaign work (audience against holdout), and how customers moved between
segments since the run."""

from __future__ import annotations

import json
from datetime import date

import streamlit as st

from pages import common
from pages.common import attempt, pick_run
from segmentation.charts import measure as charts
from segmentation.export.log import list_exports
from segmentation.measure import campaign_readout, migrate, migration_customers, outcome_tables

ws = common.workspace()
state = st.session_state
METRICS = {
    "revenue_per_customer": "Revenue per customer",
    "conversion": "Share who bought",
    "orders_per_customer": "Orders per customer",
}


def readout_tab() -> None:
    exports = {e.export_id: e for e in list_exports(ws) if e.holdout_rows}
    tables = outcome_tables(ws)
    if not exports:
        st.info("Run a segmentation, then export a list with a holdout on the Export page: "
                "the readout compares the customers who got the campaign with those held "
                "out.")  # fmt: skip
        return
    if not tables:
        st.info("Load the orders placed after the campaign on the Data page first (a table "
                "with a customer id, a date and an amount).")  # fmt: skip
        return
    left, right = st.columns(2)
    export_id = left.selectbox(
        "Export", list(exports), index=len(exports) - 1, key="results_export",
        format_func=lambda i: f"{i}: run {exports[i].run_id}, {exports[i].rows:,} customers, "
        f"{exports[i].holdout_rows:,} held out ({exports[i].created_at:%d %b %Y})",
    )  # fmt: skip
    outcomes = right.selectbox("Orders after the campaign (table)", tables, key="results_outcomes")
    left, middle, right = st.columns(3)
    start = left.date_input(
        "First day of the campaign", exports[export_id].created_at.date(), key="results_start"
    )
    days = middle.number_input("Days to measure", 1, 366, 30, key="results_days")
    cuped = right.checkbox(
        "Adjust for what customers spent before (CUPED)", key="results_cuped",
        help="Uses each customer's revenue in the same number of days before the campaign to "
        "narrow the interval.",
    )  # fmt: skip
    if st.button("Read out the campaign", type="primary", key="results_go"):
        state["results_readout"] = attempt(
            campaign_readout, "Reading the orders", ws=ws, export_id=export_id,
            outcomes=outcomes, start=start, days=int(days), cuped=cuped,
        )  # fmt: skip
    result = state.get("results_readout")
    if result is not None and result.export_id == export_id:
        show_readout(result)


def show_readout(result) -> None:
    cells = st.columns(4)
    cells[0].metric("Got the campaign", f"{result.overall.audience:,}", border=True)
    cells[1].metric("Held out", f"{result.overall.holdout:,}", border=True)
    lift = result.overall.revenue_per_customer.lift_rel
    cells[2].metric("Revenue per customer", f"{lift:+.1%}", border=True)
    cells[3].metric("Split as planned", "yes" if result.srm.ok else "NO", border=True)
    for warning in result.warnings:
        st.warning(warning)
    st.markdown("\n".join(f"- {g.verdict}" for g in [*result.segments, result.overall]))
    metric = st.radio(
        "Measure", list(METRICS), format_func=METRICS.get, horizontal=True, key="results_metric"
    )
    left, right = st.columns(2)
    left.plotly_chart(charts.lift_intervals(result.frame(), metric), key="results_lift_fig")
    right.plotly_chart(charts.cumulative_conversion(result.daily), key="results_daily_fig")
    table = result.frame()
    st.dataframe(table, hide_index=True, key="results_table")
    left, right = st.columns(2)
    left.download_button(
        "Download the readout (JSON)", json.dumps(result.to_dict(), indent=2),
        file_name=f"readout-{result.export_id}.json", mime="application/json",
        key="results_json", on_click="ignore",
    )  # fmt: skip
    right.download_button(
        "Download every figure (CSV)", table.to_csv(index=False),
        file_name=f"readout-{result.export_id}.csv", mime="text/csv",
        key="results_csv", on_click="ignore",
    )  # fmt: skip


def migration_tab() -> None:
    run = pick_run(ws, "results_run", "Run a segmentation on the Segment page first.")
    source = run.recipe.get("source") or {}
    first = source.get("as_of")
    if source.get("kind") != "features" or not first:
        st.info("This run was not made from a feature table, so it cannot be followed to "
                "another date. Pick a run made on the Features page's table.")  # fmt: skip
        return
    tables = [t.name for t in ws.tables(kind="transactions")]
    built_from = source.get("built_from")
    left, right = st.columns(2)
    later = left.date_input(
        f"Later date (the run is as of {first})", date.fromisoformat(first[:10]),
        key="results_as_of",
    )  # fmt: skip
    options = [built_from, *[t for t in tables if t != built_from]]
    table = right.selectbox("Orders table", options, key="results_table_name")
    if st.button("Follow the customers", type="primary", key="results_migrate"):
        state["results_migration"] = attempt(
            migrate, "Scoring customers at the later date", ws=ws, run_id=run.run_id,
            as_of=later, table=None if table == built_from else table,
        )  # fmt: skip
    m = state.get("results_migration")
    if m is not None and m.run_id == run.run_id:
        show_migration(m)


def show_migration(m) -> None:
    cells = st.columns(4)
    stayed = "n/a" if m.stayed_share is None else f"{m.stayed_share:.0%}"
    cells[0].metric("Customers", f"{m.customers:,}", border=True)
    cells[1].metric("Stayed in their segment", stayed, border=True)
    cells[2].metric("New customers", f"{m.new:,}", border=True)
    cells[3].metric("Gone", f"{m.gone:,}", border=True)
    st.caption(f"The later segments are kept as run {m.to_run_id} (same model, same names).")
    st.plotly_chart(charts.migration_sankey(m.matrix), key="results_sankey")
    st.dataframe(m.table_of_shares(), key="results_matrix", column_config=None)
    st.download_button(
        "Download customers (CSV)",
        lambda: migration_customers(ws, m.migration_id).to_csv(index=False),  # on the click
        file_name=f"migration-{m.migration_id}.csv", mime="text/csv",
        key="results_customers", on_click="ignore",
    )  # fmt: skip


st.title("Results")
readout, migration = st.tabs(["Did the campaign work?", "How customers moved"])
with readout:
    readout_tab()
with migration:
    migration_tab()

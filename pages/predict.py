"""Predict: who will buy again, what each customer is worth next year, who is slipping away."""

from __future__ import annotations

from datetime import date

import streamlit as st

from pages import common, values
from pages.common import attempt, pick_run
from segmentation import predict
from segmentation.charts import predict as charts
from segmentation.errors import SegmentationError

ws = common.workspace()
state = st.session_state

MODELS = {
    "bgnbd": "BG/NBD (the standard)",
    "mbgnbd": "MBG/NBD (one-time buyers may have left too)",
    "paretonbd": "Pareto/NBD",
}
UNITS = {"week": "Weeks", "day": "Days", "month": "Months"}


@st.cache_data(max_entries=8, show_spinner="Reading the prediction")
def cached_view(_ws, path: str, prediction_id: str, created: str) -> predict.PredictionView:
    """Cached per workspace file and prediction (a stored prediction never changes)."""
    return predict.open_prediction(_ws, prediction_id)


def settings_form() -> None:
    tables = [t.name for t in ws.tables(kind="transactions")]
    if not tables:
        st.info("Load a transactions file on the **Data** page first: predictions need orders.")
        st.stop()
    with st.form("predict_form"):
        left, middle, right = st.columns(3)
        table = left.selectbox("Transactions", tables, key="predict_table")
        model = middle.selectbox("Model", list(MODELS), format_func=MODELS.get, key="predict_model")
        unit = right.selectbox("Time unit", list(UNITS), format_func=UNITS.get, key="predict_unit")
        left, middle, right = st.columns(3)
        horizon = left.number_input("Look ahead (days)", 30, 3650, 365, step=30, key="predict_days")
        rate = middle.number_input(
            "Discount rate per year (%)", 0.0, 50.0, 10.0, key="predict_rate"
        )
        name = right.text_input("Name (optional)", key="predict_name", max_chars=80)
        check = st.checkbox(
            "Hold back the latest data to check the predictions", key="predict_check",
            help="The model learns from the orders up to the day you choose and predicts the "
            "rest; you then see how close it came.",
        )  # fmt: skip
        cutoff = st.date_input("Learn from orders up to", value=None, key="predict_cutoff")
        go = st.form_submit_button("Predict", type="primary")
    if not go:
        return
    if check and not isinstance(cutoff, date):
        st.error("Choose the last day the model may learn from, or untick the check.")
        return
    made = attempt(
        predict.predict_table,
        "Predicting",
        ws=ws,
        table=table,
        model=model,
        unit=unit,
        calibration_end=cutoff if check else None,
        horizon=horizon / predict.UNITS[unit],
        discount_rate=rate / 100,
        name=name.strip() or None,
    )
    if made is not None:
        state["predict_current"] = made.prediction_id


def check_tab(view: predict.PredictionView) -> None:
    if view.validation is None:
        st.info("Tick *Hold back the latest data* above to see how close the predictions come.")
        return
    for caption in view.validation["captions"]:
        st.markdown(caption)
    left, right = st.columns(2)
    left.plotly_chart(charts.holdout_cumulative(view.cumulative()), key="predict_cum")
    right.plotly_chart(charts.holdout_by_frequency(view.by_frequency()), key="predict_byfreq")
    st.caption("Customers grouped by how often they had ordered again before the held-back period.")


def value_tab(view: predict.PredictionView) -> None:
    st.plotly_chart(charts.clv_distribution(view.customers["clv"]), key="predict_clv")
    st.markdown("**Most valuable customers** (predicted value with its 80% range)")
    st.dataframe(
        view.top_customers(20),
        hide_index=True,
        column_config={
            "customer_id": "Customer",
            "clv": st.column_config.NumberColumn("Predicted value", format="%.2f"),
            "clv_low": st.column_config.NumberColumn("from", format="%.2f"),
            "clv_high": st.column_config.NumberColumn("to", format="%.2f"),
            "p_alive": st.column_config.NumberColumn("Still a customer", format="percent"),
            "expected_orders": st.column_config.NumberColumn("Orders expected", format="%.1f"),
            "churn_risk": "Churn risk",
        },
    )


def maps_tab(view: predict.PredictionView) -> None:
    grid = view.grid()
    left, right = st.columns(2)
    left.plotly_chart(charts.frequency_recency_map(grid, "p_alive"), key="predict_map_alive")
    right.plotly_chart(
        charts.frequency_recency_map(grid, "expected_orders"), key="predict_map_orders"
    )
    st.caption(
        "For a customer who first bought at the start of the data: many orders long ago means "
        "likely gone; many orders recently means likely still buying."
    )


def segments_tab(view: predict.PredictionView) -> None:
    run = pick_run(
        ws, "predict_run", "Run a segmentation on the **Segment** page to see value per segment."
    )
    try:
        totals = values.segment_values(ws, by_id[view.prediction_id], run)
    except SegmentationError as exc:
        common.error(exc)
        return
    values.show_segment_values(totals, "predict_segments")


def join_section(view: predict.PredictionView) -> None:
    tables = [t.name for t in ws.tables(kind="features") if not t.options.get("prediction")]
    if not tables:
        st.caption("Build features on the **Features** page to segment on predicted value.")
        return
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    table = left.selectbox("Add the prediction to the features", tables, key="predict_join_table")
    if right.button("Add", key="predict_join"):
        try:
            info = predict.join_prediction(ws, table, view.prediction_id, replace=True)
        except SegmentationError as exc:
            common.error(exc)
        else:
            st.success(
                f"Made {info.name}: the features of {table} with predicted value, chance of "
                "still being a customer and churn risk. Choose it on the **Segment** page."
            )


st.title("Predict")
st.caption(
    "How many orders each customer will place, how likely they are to still be a customer, "
    "what they will be worth over the coming period, and who is slipping away."
)
settings_form()
stored = predict.list_predictions(ws)
if not stored:
    st.info("Choose the settings above and press **Predict**.")
    st.stop()
by_id = {p["prediction_id"]: p for p in stored}
if state.get("predict_current") not in by_id:
    state["predict_current"] = stored[-1]["prediction_id"]
chosen = st.selectbox(
    "Prediction", list(by_id), index=list(by_id).index(state["predict_current"]),
    format_func=lambda i: f"{i}: {by_id[i]['name']} ({by_id[i]['model']}, {by_id[i]['table']})",
    key="predict_pick", width=520,
)  # fmt: skip
state["predict_current"] = chosen
view = cached_view(ws, str(ws.path), chosen, by_id[chosen]["created_at"])
summary = view.summary
risk = view.churn_counts()
cells = st.columns(4)
cells[0].metric("Customers", f"{summary['customers']:,}", border=True)
cells[1].metric("Bought more than once", f"{summary['repeat_customers']:,}", border=True)
cells[2].metric("Predicted value", f"{view.customers['clv'].sum():,.0f}", border=True,
                help=f"Over the next {summary['horizon']:g} {summary['unit']}s, discounted.")  # fmt: skip
cells[3].metric("High churn risk", f"{risk['high']:,}", border=True,
                help="Chance of still being a customer below 30%.")  # fmt: skip
for warning in summary["warnings"]:
    st.warning(warning)
if summary["model"] == "bgnbd":
    st.caption(
        "BG/NBD treats customers who bought only once as still active (it assumes nobody "
        "leaves before a second order). Choose MBG/NBD if one-time buyers may have left."
    )
st.download_button(
    "Download every customer's prediction (CSV)",
    lambda: view.csv(),
    file_name=f"prediction-{view.prediction_id}.csv",
    mime="text/csv",
    key="predict_download",
)
join_section(view)
check, value, maps, params, segments = st.tabs(
    ["How good", "Value", "Maps", "Parameters", "Per segment"]
)
with check:
    check_tab(view)
with value:
    value_tab(view)
with maps:
    maps_tab(view)
with params:
    st.dataframe(view.parameters(), hide_index=True)
    st.caption(
        f"Log-likelihood {summary['log_likelihood']:,.1f}; observed to {summary['observation_end']}."
    )
with segments:  # last: without a run, the picker stops the page here
    segments_tab(view)

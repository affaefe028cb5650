"""What the Predict and Profiles pages share: a prediction's value per segment of a run,
cached, and its chart and table. (Not a page: app.py lists the pages.)"""

from __future__ import annotations

import streamlit as st

from segmentation.segment import runs
from segmentation.workspace import Workspace


@st.cache_data(max_entries=8, show_spinner="Adding up each segment's value")
def _run_totals(_ws, path: str, prediction: tuple, run_id: str, run_key: tuple):
    from segmentation.predict.view import run_totals

    return run_totals(_ws, prediction[0], run_id)


def segment_values(ws: Workspace, prediction: dict, run: runs.Run):
    """A prediction's value per segment of ``run`` (Predict and Profiles share the cache),
    cached per prediction (id, date) and run (id, date, names: a rename is a new entry)."""
    made = (prediction["prediction_id"], str(prediction["created_at"]))
    key = (str(run.created_at), *(s.name for s in run.segments))
    return _run_totals(ws, str(ws.path), made, run.run_id, key)


def show_segment_values(totals, key: str) -> None:
    """Predicted value per segment with its 80% range (chart and table), and churn risk."""
    from segmentation.charts.predict import segment_values

    st.plotly_chart(segment_values(totals), key=key)
    number = st.column_config.NumberColumn
    st.dataframe(
        totals,
        hide_index=True,
        column_config={
            "segment_id": "Id",
            "segment": "Segment",
            "customers": number("Customers", format="localized"),
            "expected_orders": number("Orders expected", format="%.0f"),
            "expected_orders_low": None,
            "expected_orders_high": None,
            "clv": number("Predicted value", format="%.0f"),
            "clv_low": number("from", format="%.0f"),
            "clv_high": number("to", format="%.0f"),
            "share_high_churn_risk": number("High churn risk", format="percent"),
        },
    )
    st.caption(
        "Predicted value: the orders each customer is expected to place over the coming period "
        "times their expected order value, discounted; from / to: the 80% range. High churn "
        "risk: chance of still being a customer below 30%."
    )

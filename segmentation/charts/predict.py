"""Charts of the Predict page: the holdout check, CLV, the frequency x recency maps, segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, style


def holdout_by_frequency(by_frequency: pd.DataFrame) -> go.Figure:
    """Actual and predicted repeat orders per customer in the holdout, by repeat orders in
    the calibration period (0, 1, ..., 7+)."""
    fig = go.Figure(
        [
            go.Bar(x=by_frequency["repeat_orders"], y=by_frequency["actual"], name="Actual",
                   marker_color=COLORS[1]),
            go.Bar(x=by_frequency["repeat_orders"], y=by_frequency["predicted"], name="Predicted",
                   marker_color=ACCENT),
        ]
    )  # fmt: skip
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.1})
    fig.update_xaxes(title="Repeat orders before the calibration end", type="category")
    fig.update_yaxes(title="Repeat orders per customer in the holdout")
    return style(fig)


def holdout_cumulative(cumulative: pd.DataFrame) -> go.Figure:
    """Repeat orders in the holdout, cumulated week by week: actual against predicted."""
    fig = go.Figure(
        [
            go.Scatter(x=cumulative["week"], y=cumulative["actual"], name="Actual",
                       mode="lines", line={"color": COLORS[1], "width": 3}),
            go.Scatter(x=cumulative["week"], y=cumulative["predicted"], name="Predicted",
                       mode="lines", line={"color": ACCENT, "width": 3, "dash": "dash"}),
        ]
    )  # fmt: skip
    fig.update_layout(legend={"orientation": "h", "y": 1.1})
    fig.update_xaxes(title="Weeks after the calibration end")
    fig.update_yaxes(title="Repeat orders, cumulated")
    return style(fig)


def clv_distribution(clv: np.ndarray, currency: str = "") -> go.Figure:
    """Histogram of customers' CLV, the top 1% gathered in the last bar."""
    values = np.asarray(clv, dtype=float)
    values = values[np.isfinite(values)]
    top = float(np.quantile(values, 0.99)) if len(values) else 1.0
    fig = go.Figure(go.Histogram(x=np.minimum(values, top), nbinsx=40, marker_color=ACCENT))
    fig.update_xaxes(
        title=f"Predicted value over the horizon {currency}".strip() + " (top 1% in the last bar)"
    )
    fig.update_yaxes(title="Customers")
    return style(fig)


def frequency_recency_map(grid: pd.DataFrame, value: str) -> go.Figure:
    """Heat map over repeat orders (rows) and recency (columns) of ``value`` ('p_alive' or
    'expected_orders'), for a customer first seen at the start of the period."""
    table = grid.pivot(index="frequency", columns="recency", values=value)
    label = {"p_alive": "P(alive)", "expected_orders": "Expected orders"}[value]
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[f"{v:g}" for v in table.columns],
            y=[f"{v:g}" for v in table.index],
            colorscale="Teal",
            colorbar={"title": {"text": label}},
            hovertemplate="repeat orders %{y}, recency %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_xaxes(title="Recency: time from the first to the last order")
    fig.update_yaxes(title="Repeat orders")
    return style(fig, height=420)


def segment_values(totals: pd.DataFrame) -> go.Figure:
    """Predicted value per segment with its 80% range as error bars."""
    fig = go.Figure(
        go.Bar(
            x=totals["segment"].astype(str),
            y=totals["clv"],
            marker_color=ACCENT,
            error_y={
                "type": "data",
                "symmetric": False,
                "array": totals["clv_high"] - totals["clv"],
                "arrayminus": totals["clv"] - totals["clv_low"],
            },
            hovertemplate="%{x}: %{y:,.0f}<extra></extra>",
        )
    )
    fig.update_xaxes(title="Segment", type="category")
    fig.update_yaxes(title="Predicted value over the horizon (80% range)")
    return style(fig)

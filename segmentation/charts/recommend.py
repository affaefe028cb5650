"""Charts of the Recommend and Customer pages: the evaluation against the baselines, a segment's
top products by lift, a customer's features against their segment and everyone."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, style

METRICS = {"hit_rate": "Hit rate", "precision": "Precision", "recall": "Recall", "map": "MAP"}
_MUTED = "#9aa5ab"


def evaluation_bars(table: pd.DataFrame, k: int = 10) -> go.Figure:
    """One group of bars per metric (at ``k``), one bar per method; the first row (the chosen
    method) in the accent colour, the baselines muted."""
    fig = go.Figure()
    shades = [ACCENT, _MUTED, "#cfd8dc"]
    for i, row in enumerate(table.itertuples(index=False)):
        values = [getattr(row, m) for m in METRICS]
        fig.add_bar(
            name=row.method,
            x=[f"{label} at {k}" for label in METRICS.values()],
            y=values,
            marker_color=shades[min(i, len(shades) - 1)],
            text=[f"{v:.3f}" for v in values],
            textposition="outside",
            hovertemplate="%{x}: %{y:.4f}<extra>" + str(row.method) + "</extra>",
        )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(rangemode="tozero")
    return style(fig, "Last order held out: the method against the baselines", height=380)


def lift_bars(top: pd.DataFrame, title: str | None = None) -> go.Figure:
    """A segment's top products (rows of :func:`segment_top`): lift with its 95% interval."""
    labels = [
        f"{v} {d}" if isinstance(d, str) and d else str(v)
        for v, d in zip(top["value"], top["description"], strict=True)
    ]
    fig = go.Figure(
        go.Bar(
            x=top["lift"],
            y=labels,
            orientation="h",
            marker_color=ACCENT,
            error_x={
                "type": "data",
                "symmetric": False,
                "array": top["lift_high"] - top["lift"],
                "arrayminus": top["lift"] - top["lift_low"],
                "color": _MUTED,
            },
            customdata=top[["buyers", "share", "overall_share"]].to_numpy(),
            hovertemplate="%{y}<br>lift %{x:.2f}<br>%{customdata[0]} buyers, "
            "%{customdata[1]:.1%} of the segment vs %{customdata[2]:.1%} of everyone"
            "<extra></extra>",
        )
    )
    fig.add_vline(x=1, line_dash="dot", line_color=_MUTED)
    fig.update_yaxes(autorange="reversed")
    return style(fig, title, height=max(260, 34 * len(top) + 80))


def customer_features(features: pd.DataFrame) -> go.Figure:
    """The customer's features, their segment's mean and everyone's, as an index (everyone =
    100) so features of any unit share one axis."""
    base = features["everyone"].where(features["everyone"] != 0)
    fig = go.Figure()
    for column, colour, name in (
        ("customer", ACCENT, "This customer"),
        ("segment", COLORS[1], "Their segment"),
    ):
        index = features[column] / base * 100
        fig.add_bar(
            name=name,
            y=features["feature"],
            x=index,
            orientation="h",
            marker_color=colour,
            customdata=features[column],
            hovertemplate="%{y}: %{customdata:,.2f} (index %{x:.0f})<extra>" + name + "</extra>",
        )
    fig.add_vline(x=100, line_dash="dot", line_color=_MUTED)
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    fig.update_yaxes(autorange="reversed")
    return style(fig, "Index against everyone (100 = the average customer)", height=420)

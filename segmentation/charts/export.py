"""Charts of the Export page: match readiness and list sizes against the platforms' minimum."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, style


def _labels(report: pd.DataFrame) -> list[str]:
    return [
        f"{i} · {name}" for i, name in zip(report["segment_id"], report["segment"], strict=True)
    ]


def readiness(report: pd.DataFrame) -> go.Figure:
    """Per segment: the share of customers with a valid e-mail and with a valid phone.

    ``report``: :attr:`segmentation.audiences.ExportPlan.segments`.
    """
    labels = _labels(report)
    fig = go.Figure()
    for column, name, color in (
        ("valid_email_pct", "valid e-mail", ACCENT),
        ("valid_phone_pct", "valid phone", COLORS[1]),
    ):
        fig.add_trace(
            go.Bar(
                y=labels,
                x=report[column],
                name=name,
                orientation="h",
                marker_color=color,
                hovertemplate="%{y}: %{x:.1f}%<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.2})
    fig.update_xaxes(range=[0, 100], ticksuffix="%")
    fig.update_yaxes(autorange="reversed")
    return style(fig, "Match readiness", height=max(220, 60 + 48 * len(labels)))


def list_sizes(report: pd.DataFrame, min_size: int) -> go.Figure:
    """Per segment: customers to export (holdout apart), the minimum size marked; lists under
    it in a warning colour."""
    labels = _labels(report)
    colors = [COLORS[3] if small else ACCENT for small in report["small"]]
    fig = go.Figure(
        go.Bar(
            y=labels,
            x=report["rows"],
            orientation="h",
            marker_color=colors,
            hovertemplate="%{y}: %{x:,} customers<extra></extra>",
            name="to export",
        )
    )
    if report["holdout_rows"].any():
        fig.add_trace(
            go.Bar(
                y=labels,
                x=report["holdout_rows"],
                orientation="h",
                marker_color=COLORS[9],
                name="holdout",
                hovertemplate="%{y}: %{x:,} in the holdout<extra></extra>",
            )
        )
    fig.add_vline(
        x=min_size,
        line_dash="dash",
        line_color=COLORS[3],
        annotation_text=f"minimum {min_size:,}",
        annotation_position="top right",
        annotation_yanchor="bottom",  # above the bars, not written over the first one
    )
    fig.update_layout(barmode="stack", legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(autorange="reversed")
    return style(fig, "Customers per list", height=max(220, 60 + 48 * len(labels)))

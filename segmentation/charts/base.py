"""The look every chart shares: colours and layout."""

from __future__ import annotations

import plotly.graph_objects as go

COLORS = (
    "#2f6f73",
    "#d08c60",
    "#7a9e7e",
    "#b5656b",
    "#6c7fb3",
    "#c9b458",
    "#8d6e9c",
    "#5f9ea0",
    "#a0785a",
    "#9aa5ab",
    "#3d5a80",
    "#e07a5f",
)
ACCENT = COLORS[0]


def style(fig: go.Figure, title: str | None = None, height: int = 360) -> go.Figure:
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 10, "r": 10, "t": 40 if title else 10, "b": 10},
        plot_bgcolor="white",
        paper_bgcolor="rgba(0,0,0,0)",
        font={"size": 13},
        colorway=list(COLORS),
    )
    fig.update_xaxes(gridcolor="#eceff1")
    fig.update_yaxes(gridcolor="#eceff1")
    return fig

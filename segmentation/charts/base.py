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
    """The shared look. The figure is right on its own (the HTML report, an exported image),
    not only once Streamlit lays it out again: the axes make room for their labels
    (automargin) and the margins leave room for a title, a legend or subplot titles above."""
    fig.update_layout(
        title=title,
        height=height,
        margin={"l": 20, "r": 20, "t": 60 if title else 40, "b": 20, "autoexpand": True},
        plot_bgcolor="white",
        paper_bgcolor="rgba(0,0,0,0)",
        font={"size": 13},
        colorway=list(COLORS),
    )
    fig.update_xaxes(gridcolor="#eceff1", automargin=True)
    fig.update_yaxes(gridcolor="#eceff1", automargin=True)
    return fig


def log_ticks(axis) -> None:
    """A log axis labelled at the powers of ten only (1, 10, 100, 1,000), not 1 2 3 ... 10."""
    axis.update(dtick=1, tickformat=",~g", minor={"showgrid": False})

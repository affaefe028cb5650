"""Plotly figures of the studio: pure functions from data to a figure, nothing else.

Every chart shares one calm look (:data:`COLORS`, :func:`_style`).
"""

from __future__ import annotations

import pandas as pd
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


def _style(fig: go.Figure, title: str | None = None, height: int = 360) -> go.Figure:
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


def histogram(bins: pd.DataFrame, column: str, *, log: bool = False) -> go.Figure:
    """A histogram from :func:`segmentation.stats.histogram` bins (log-spaced when ``log``)."""
    centers = (bins["start"] + bins["end"]) / 2
    fig = go.Figure(
        go.Bar(
            x=centers,
            y=bins["count"],
            width=(bins["end"] - bins["start"]) * 0.98,
            marker_color=ACCENT,
            customdata=bins[["start", "end"]].to_numpy(),
            hovertemplate="%{customdata[0]:,.4g} to %{customdata[1]:,.4g}: %{y:,} customers"
            "<extra></extra>",
        )
    )
    fig.update_xaxes(
        title=column + (" (log scale)" if log else ""),
        type="log" if log and (bins["start"] > 0).all() else "linear",
    )
    fig.update_yaxes(title="customers")
    return _style(fig, height=300)


def correlation_heatmap(corr: pd.DataFrame) -> go.Figure:
    """A diverging heatmap of a correlation matrix, values written in the cells."""
    fig = go.Figure(
        go.Heatmap(
            z=corr.to_numpy(),
            x=list(corr.columns),
            y=list(corr.index),
            zmin=-1,
            zmax=1,
            colorscale="RdBu",
            reversescale=True,
            text=corr.round(2).to_numpy(),
            texttemplate="%{text}",
            hovertemplate="%{y} / %{x}: %{z:.2f}<extra></extra>",
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _style(fig, height=max(320, 28 * len(corr) + 80))

"""Charts of the Features page: distributions and correlations."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, log_ticks, style


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
    if fig.layout.xaxis.type == "log":
        log_ticks(fig.layout.xaxis)
    fig.update_yaxes(title="customers")
    return style(fig, height=300)


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
    return style(fig, height=max(320, 28 * len(corr) + 80))

"""Charts of the Profiles page and the report: indices, comparisons, distributions, shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, log_ticks, style

_MUTED = "#9aa5ab"


def index_heatmap(index: pd.DataFrame) -> go.Figure:
    """Segments (rows) x features (columns): each cell's index against all customers.

    Colours are symmetric on a log scale around 100 (200 and 50 are as far from average);
    the index is written in each cell. An index of 0 (no customer of the segment has it) is
    drawn as the lowest colour, not left blank (blank reads as average); a feature with no
    index at all (not in the run) is left out.
    """
    index = index.loc[:, index.notna().any(axis=0)]
    values = index.to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.clip(np.log2(np.where(values > 0, values, np.nan) / 100), -2, 2)
    z = np.where(values <= 0, -2.0, z)  # NaN (unknown) stays blank
    text = np.where(np.isnan(values), "", np.vectorize(_index_text)(values))
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=list(index.columns),
            y=list(index.index),
            zmin=-2,
            zmax=2,
            zmid=0,
            colorscale="RdBu",
            reversescale=True,
            text=text,
            texttemplate="%{text}",
            customdata=values,
            hovertemplate="%{y}<br>%{x}: index %{customdata:.0f}<extra></extra>",
            colorbar={
                "title": {"text": "index"},
                "tickvals": [-2, -1, 0, 1, 2],
                "ticktext": ["25", "50", "100", "200", "400+"],
            },
        )
    )
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(tickangle=-30)
    return style(fig, height=max(300, 44 * len(index) + 140))


def _index_text(value: float) -> str:
    return "" if np.isnan(value) else f"{value:,.0f}"


def radar(frame: pd.DataFrame, *, cap: float = 400.0) -> go.Figure:
    """Compare segments on every feature's index (rows: features, columns: segments).

    The dashed ring at 100 is all customers (the average); indices above ``cap`` are drawn at
    it.
    """
    fig = go.Figure()
    theta = [str(f) for f in frame.index] + [str(frame.index[0])]
    fig.add_trace(
        go.Scatterpolar(
            r=[100] * len(theta),
            theta=theta,
            mode="lines",
            line={"color": _MUTED, "dash": "dash"},
            name="all customers (100)",
            hoverinfo="skip",
        )
    )
    for i, column in enumerate(frame.columns):
        values = frame[column].astype(float)
        r = values.clip(upper=cap).fillna(0).tolist()
        fig.add_trace(
            go.Scatterpolar(
                r=r + r[:1],
                theta=theta,
                fill="toself",
                opacity=0.6,
                name=str(column),
                line={"color": COLORS[(i * 3) % len(COLORS)]},
                customdata=values.tolist() + values.tolist()[:1],
                hovertemplate="%{theta}: index %{customdata:.0f}<extra>%{fullData.name}</extra>",
            )
        )
    style(fig, height=440)
    fig.update_layout(
        polar={
            "bgcolor": "white",
            "radialaxis": {"range": [0, cap], "tickvals": [100, 200, 300], "gridcolor": "#dfe5e8"},
            "angularaxis": {"gridcolor": "#dfe5e8"},
        },
        legend={"orientation": "h", "y": -0.12},
        margin={"l": 130, "r": 130, "t": 30, "b": 30},
    )
    return fig


def distribution(frame: pd.DataFrame, feature: str, order: list[str], *, log: bool = False):
    """Box plots of a feature per segment (columns ``segment``, ``value``), in ``order``."""
    fig = go.Figure()
    for i, name in enumerate(order):
        values = frame.loc[frame["segment"] == name, "value"]
        if values.empty:
            continue
        fig.add_trace(
            go.Box(
                y=values,
                name=str(name),
                marker_color=COLORS[i % len(COLORS)],
                boxpoints=False,
                showlegend=False,
            )
        )
    positive = bool((frame["value"] > 0).all()) if len(frame) else False
    fig.update_yaxes(title=feature + (" (log scale)" if log and positive else ""))
    fig.update_yaxes(type="log" if log and positive else "linear")
    if log and positive:
        log_ticks(fig.layout.yaxis)
    return style(fig, height=380)


def shares(summary: pd.DataFrame) -> go.Figure:
    """Share of customers and share of revenue per segment, side by side.

    ``summary`` has columns ``segment``, ``share`` and ``revenue_share`` (may be empty).
    """
    frame = summary.iloc[::-1]
    fig = go.Figure()
    revenue = frame["revenue_share"].astype(float)
    if revenue.notna().any():  # drawn first: the lower bar of each pair
        fig.add_trace(
            go.Bar(
                x=revenue,
                y=frame["segment"],
                orientation="h",
                name="revenue",
                marker_color=COLORS[1],
                text=[f"{v:.0%}" if pd.notna(v) else "" for v in revenue],
                textposition="auto",
                hovertemplate="%{y}: %{x:.1%} of revenue<extra></extra>",
            )
        )
    fig.add_trace(
        go.Bar(
            x=frame["share"],
            y=frame["segment"],
            orientation="h",
            name="customers",
            marker_color=ACCENT,
            text=[f"{v:.0%}" for v in frame["share"]],
            textposition="auto",
            hovertemplate="%{y}: %{x:.1%} of customers<extra></extra>",
        )
    )
    fig.update_layout(
        barmode="group", legend={"orientation": "h", "y": 1.08, "x": 0, "traceorder": "reversed"}
    )
    fig.update_xaxes(tickformat=".0%", title="share")
    return style(fig, height=max(260, 52 * len(frame) + 90))


def top_values(frame: pd.DataFrame, basis: str = "purchase revenue") -> go.Figure:
    """A segment's top values of a dimension: its share against everyone's, index as text.

    ``frame`` has columns ``value``, ``share``, ``overall_share`` and ``index``.
    """
    rows = frame.iloc[::-1]
    labels = [str(v) for v in rows["value"]]
    fig = go.Figure(
        [
            go.Bar(
                x=rows["overall_share"],
                y=labels,
                orientation="h",
                name="all customers",
                marker_color=_MUTED,
                hovertemplate="%{y}: %{x:.1%} of everyone's<extra></extra>",
            ),
            go.Bar(
                x=rows["share"],
                y=labels,
                orientation="h",
                name="this segment",
                marker_color=ACCENT,
                text=[f"index {v:,.0f}" if pd.notna(v) else "" for v in rows["index"]],
                textposition="outside",
                hovertemplate="%{y}: %{x:.1%} of the segment's<extra></extra>",
            ),
        ]
    )
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": 1.12, "x": 0})
    widest = pd.concat([rows["share"], rows["overall_share"]]).max()
    fig.update_xaxes(
        tickformat=".0%",
        title=f"share of {basis}",
        range=[0, float(widest) * 1.3 if pd.notna(widest) and widest > 0 else 1],
    )
    fig.update_yaxes(type="category")  # product codes such as 22423 are labels, not numbers
    return style(fig, height=max(220, 48 * len(rows) + 90))

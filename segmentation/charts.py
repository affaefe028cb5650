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


def sweep(frame: pd.DataFrame, *, elbow_k: int | None, recommended_k: int) -> go.Figure:
    """The k-sweep: inertia (elbow marked), silhouette, Calinski-Harabasz, Davies-Bouldin, BIC."""
    from plotly.subplots import make_subplots

    panels = [
        ("inertia", "Inertia (lower is tighter)"),
        ("silhouette", "Silhouette (higher)"),
        ("calinski_harabasz", "Calinski-Harabasz (higher)"),
        ("davies_bouldin", "Davies-Bouldin (lower)"),
        ("bic", "BIC (lower)"),
    ]
    panels = [(c, t) for c, t in panels if c in frame and frame[c].notna().any()]
    fig = make_subplots(rows=1, cols=len(panels), subplot_titles=[t for _, t in panels])
    for i, (column, _) in enumerate(panels, start=1):
        fig.add_trace(
            go.Scatter(
                x=frame["k"],
                y=frame[column],
                mode="lines+markers",
                marker_color=ACCENT,
                name=column,
                showlegend=False,
            ),
            1,
            i,
        )
        for k, color, label in ((elbow_k, COLORS[1], "elbow"), (recommended_k, COLORS[3], "pick")):
            if k is not None and column in ("inertia", "silhouette"):
                row = frame[frame["k"] == k]
                fig.add_trace(
                    go.Scatter(
                        x=row["k"],
                        y=row[column],
                        mode="markers+text",
                        text=[label],
                        textposition="top center",
                        marker={"size": 13, "color": color},
                        showlegend=False,
                    ),
                    1,
                    i,
                )
    fig.update_xaxes(title="k", dtick=1)
    return _style(fig, height=300)


def sizes(segments: pd.DataFrame) -> go.Figure:
    """Customers per segment (columns ``segment``, ``size``), largest first."""
    frame = segments.sort_values("size")
    fig = go.Figure(
        go.Bar(
            x=frame["size"],
            y=frame["segment"],
            orientation="h",
            marker_color=ACCENT,
            text=frame["size"].map("{:,}".format),
            textposition="auto",
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_xaxes(title="customers")
    return _style(fig, height=max(220, 34 * len(frame) + 60))


def silhouette_plot(frame: pd.DataFrame, names: dict[int, str]) -> go.Figure:
    """One band per segment of sorted silhouette values (columns segment, silhouette)."""
    fig = go.Figure()
    offset = 0
    for i, (segment, part) in enumerate(frame.groupby("segment", sort=True)):
        y = list(range(offset, offset + len(part)))
        fig.add_trace(
            go.Bar(
                x=part["silhouette"],
                y=y,
                orientation="h",
                width=1.0,
                marker_color=COLORS[i % len(COLORS)],
                name=names.get(int(segment), str(segment)),
                hovertemplate="%{x:.2f}<extra>" + names.get(int(segment), "") + "</extra>",
            )
        )
        offset += len(part) + 20
    mean = frame["silhouette"].mean() if len(frame) else 0
    fig.add_vline(x=mean, line_dash="dash", line_color="#555", annotation_text=f"mean {mean:.2f}")
    fig.update_yaxes(showticklabels=False)
    fig.update_xaxes(title="silhouette", range=[-0.3, 1])
    fig.update_layout(bargap=0)
    return _style(fig, height=420)


def stability_bars(frame: pd.DataFrame, names: dict[int, str], threshold: float) -> go.Figure:
    """Mean Jaccard per segment (columns segment, jaccard), the unstable line drawn."""
    labels = [names.get(int(s), str(s)) for s in frame["segment"]]
    colors = [COLORS[3] if j < threshold else ACCENT for j in frame["jaccard"]]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=frame["jaccard"],
            marker_color=colors,
            hovertemplate="%{x}: %{y:.2f}<extra></extra>",
        )
    )
    fig.add_hline(y=threshold, line_dash="dash", annotation_text="unstable below")
    fig.update_yaxes(title="Jaccard (best match)", range=[0, 1])
    return _style(fig, height=280)


def contingency(table: pd.DataFrame, a: str, b: str) -> go.Figure:
    """Customers per (segment of run a, segment of run b)."""
    fig = go.Figure(
        go.Heatmap(
            z=table.to_numpy(),
            x=[str(c) for c in table.columns],
            y=[str(i) for i in table.index],
            colorscale="Teal",
            texttemplate="%{z:,}",
            hovertemplate=f"{a}: %{{y}}<br>{b}: %{{x}}<br>%{{z:,}} customers<extra></extra>",
        )
    )
    fig.update_xaxes(title=b)
    fig.update_yaxes(title=a, autorange="reversed")
    return _style(fig, height=max(260, 30 * len(table) + 100))


def dendrogram(linkage, cut_k: int | None = None) -> go.Figure:
    """A dendrogram from a scipy linkage matrix, truncated to its last merges."""
    from scipy.cluster.hierarchy import dendrogram as tree

    drawn = tree(linkage, no_plot=True, truncate_mode="lastp", p=30)
    fig = go.Figure()
    for xs, ys in zip(drawn["icoord"], drawn["dcoord"], strict=True):
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                mode="lines",
                line={"color": ACCENT, "width": 1.5},
                hoverinfo="skip",
                showlegend=False,
            )
        )
    if cut_k is not None and cut_k > 1 and len(linkage) >= cut_k:
        height = (linkage[-cut_k, 2] + linkage[-cut_k + 1, 2]) / 2
        fig.add_hline(y=height, line_dash="dash", annotation_text=f"{cut_k} segments")
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(title="merge distance")
    return _style(fig, height=320)

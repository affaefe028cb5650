"""Charts of the Segment page: the k-sweep, sizes, silhouette, stability, runs."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, style


def sweep(frame: pd.DataFrame, *, elbow_k: int | None, recommended_k: int) -> go.Figure:
    """The k-sweep: inertia (elbow marked), silhouette, Calinski-Harabasz, Davies-Bouldin, BIC.

    Subplot titles take two lines (they fit five panels side by side); the elbow and the pick
    are written once ("elbow and pick") when they are the same k, else one above, one below.
    """
    from plotly.subplots import make_subplots

    panels = [
        ("inertia", "Inertia<br>(lower is tighter)"),
        ("silhouette", "Silhouette<br>(higher)"),
        ("calinski_harabasz", "Calinski-Harabasz<br>(higher)"),
        ("davies_bouldin", "Davies-Bouldin<br>(lower)"),
        ("bic", "BIC<br>(lower)"),
    ]
    panels = [(c, t) for c, t in panels if c in frame and frame[c].notna().any()]
    fig = make_subplots(
        rows=1, cols=len(panels), subplot_titles=[t for _, t in panels], horizontal_spacing=0.06
    )
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
        if column in ("inertia", "silhouette"):
            for k, color, label, where in _marks(elbow_k, recommended_k, column):
                row = frame[frame["k"] == k]
                fig.add_trace(
                    go.Scatter(
                        x=row["k"],
                        y=row[column],
                        mode="markers+text",
                        text=[label],
                        textposition=where,
                        marker={"size": 13, "color": color},
                        showlegend=False,
                        cliponaxis=False,
                    ),
                    1,
                    i,
                )
    fig.update_xaxes(title="k", dtick=1)
    style(fig, height=320)
    fig.update_layout(margin={"t": 70})  # two-line subplot titles
    return fig


def _marks(elbow_k: int | None, recommended_k: int, column: str) -> list[tuple[int, str, str, str]]:
    """(k, colour, label, text position) of the elbow and the pick, never on top of each other
    nor on the subplot title: below the silhouette's peak, beside inertia's falling curve."""
    first, second = (
        ("bottom center", "top center") if column == "silhouette" else ("top right", "bottom left")
    )
    if elbow_k == recommended_k:
        return [(recommended_k, COLORS[3], "elbow and pick", first)]
    marks = [(recommended_k, COLORS[3], "pick", first)]
    if elbow_k is not None:
        marks.append((elbow_k, COLORS[1], "elbow", second))
    return marks


def sizes(segments) -> go.Figure:
    """Customers per segment (a run's segments: ``.name``, ``.size``), largest first."""
    frame = pd.DataFrame(
        {"segment": [s.name for s in segments], "size": [s.size for s in segments]}
    )
    frame = frame.sort_values("size")
    fig = go.Figure(
        go.Bar(
            x=frame["size"],
            y=frame["segment"],
            orientation="h",
            marker_color=ACCENT,
            text=frame["size"].map("{:,}".format),
            textposition="auto",
            textangle=0,  # never turned on its side in a thin bar
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    fig.update_xaxes(title="customers")
    return style(fig, height=max(220, 34 * len(frame) + 60))


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
    return style(fig, height=420)


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
    fig.add_hline(
        y=threshold, line_dash="dash", annotation_text="unstable below",
        annotation_position="bottom left", annotation_bgcolor="rgba(255,255,255,0.8)",
    )  # fmt: skip
    fig.update_yaxes(title="Jaccard (best match)", range=[0, 1])
    return style(fig, height=280)


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
    return style(fig, height=max(260, 30 * len(table) + 100))


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
    return style(fig, height=320)

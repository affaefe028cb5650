"""Charts of the Results page: lift per segment with its interval, cumulative conversion of
audience and holdout over the window, and the Sankey of segment migration."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, style

_METRIC_LABELS = {
    "conversion": "conversion",
    "revenue_per_customer": "revenue per customer",
    "orders_per_customer": "orders per customer",
}


def lift_intervals(frame: pd.DataFrame, metric: str = "revenue_per_customer") -> go.Figure:
    """Relative lift of one metric per segment (and overall) with its 95% interval.

    ``frame``: :meth:`segmentation.measure.Readout.frame` (``segment``, ``metric``,
    ``lift_rel``, ``lift_rel_low``, ``lift_rel_high``).
    """
    rows = frame[frame["metric"] == metric]
    labels = [
        name if pd.isna(sid) else f"{int(sid)} · {name}"
        for sid, name in zip(rows["segment_id"], rows["segment"], strict=True)
    ]
    colors = [
        ACCENT if lo > 0 else COLORS[3] if hi < 0 else COLORS[9]
        for lo, hi in zip(
            rows["lift_rel_low"].fillna(0), rows["lift_rel_high"].fillna(0), strict=True
        )
    ]
    fig = go.Figure(
        go.Scatter(
            x=rows["lift_rel"] * 100,
            y=labels,
            mode="markers",
            marker={"size": 11, "color": colors},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": (rows["lift_rel_high"] - rows["lift_rel"]) * 100,
                "arrayminus": (rows["lift_rel"] - rows["lift_rel_low"]) * 100,
                "thickness": 2,
            },
            hovertemplate="%{y}: %{x:+.1f}%<extra>lift</extra>",
            name="lift",
        )
    )
    fig.add_vline(x=0, line_color="#555", line_width=1)
    label = _METRIC_LABELS.get(metric, metric)
    fig.update_xaxes(title=f"Lift in {label}, audience vs holdout (95% interval)", ticksuffix="%")
    fig.update_yaxes(title="Segment", autorange="reversed")
    return style(fig, f"Lift in {label}", height=max(240, 80 + 44 * len(labels)))


def cumulative_conversion(daily: pd.DataFrame) -> go.Figure:
    """The share of each group that has bought, day by day over the window.

    ``daily``: ``day, group, converted_share`` (:attr:`segmentation.measure.Readout.daily`).
    """
    fig = go.Figure()
    for group, color in (("audience", ACCENT), ("holdout", COLORS[1])):
        rows = daily[daily["group"] == group]
        fig.add_trace(
            go.Scatter(
                x=rows["day"],
                y=rows["converted_share"] * 100,
                mode="lines",
                name=group,
                line={"color": color, "width": 2},
                hovertemplate="%{x|%d %b}: %{y:.1f}%<extra>" + group + "</extra>",
            )
        )
    fig.update_xaxes(title="Day of the campaign window")
    fig.update_yaxes(
        title="Customers who bought (cumulative %)", ticksuffix="%", rangemode="tozero"
    )
    fig.update_layout(legend={"orientation": "h", "y": -0.25})
    return style(fig, "Cumulative conversion: audience vs holdout")


def migration_sankey(matrix: pd.DataFrame) -> go.Figure:
    """Customers flowing from their segment at the first date to the one at the second.

    ``matrix``: ``from_segment, to_segment, customers`` (one row per pair; 'New' and 'Gone'
    included).
    """
    left = list(dict.fromkeys(matrix["from_segment"]))
    right = list(dict.fromkeys(matrix["to_segment"]))
    nodes = [f"{n} (before)" for n in left] + [f"{n} (after)" for n in right]
    palette = {n: COLORS[i % len(COLORS)] for i, n in enumerate(dict.fromkeys(left + right))}
    fig = go.Figure(
        go.Sankey(
            node={
                "label": nodes,
                "color": [palette[n] for n in left + right],
                "pad": 14,
                "thickness": 16,
            },
            link={
                "source": [left.index(f) for f in matrix["from_segment"]],
                "target": [len(left) + right.index(t) for t in matrix["to_segment"]],
                "value": matrix["customers"],
                "hovertemplate": "%{source.label} → %{target.label}: %{value:,} customers"
                "<extra></extra>",
            },
        )
    )
    return style(fig, "How customers moved between segments", height=480)

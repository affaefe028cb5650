"""Charts of the Explore page: the customer map (PCA / UMAP), its density, PCA's variance and a
selection's profile against everyone. Pure functions: data in, plotly figure out."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .base import ACCENT, COLORS, style

UNASSIGNED_COLOR = "#b0b7bc"
_AXES = ("x", "y", "z")


def projection_map(
    points: pd.DataFrame,
    *,
    axis_titles: Sequence[str],
    features: Sequence[str] = (),
    colour: str | None = None,
    segments: Sequence[str] | None = None,
    loadings: pd.DataFrame | None = None,
    revision: str | None = None,
    shading=None,
    ranges: tuple[Sequence[float], Sequence[float]] | None = None,
    height: int = 560,
) -> go.Figure:
    """Customers as points (WebGL), coloured by segment (one legend entry each, click to hide)
    or by a feature (continuous scale, 2nd to 98th percentile); 2-D or 3-D from the columns.

    ``points`` has ``customer_id, segment, x, y[, z]`` and the ``features`` shown on hover;
    ``customdata`` holds the customer id first, for selections. ``loadings`` (2-D PCA) adds
    biplot arrows for the features that weigh most on the two axes. ``shading`` (2-D: an
    object with ``counts[row, column]`` and the cells' centres ``x`` and ``y``, such as
    :class:`segmentation.explore.window.Density`) draws where every customer is, under the
    points; ``ranges`` (``[x0, x1], [y0, y1]``) fixes the axes to a zoomed-in area.
    """
    dims = 3 if "z" in points else 2
    size = 3 if len(points) > 10_000 else 5 if len(points) > 2_000 else 7
    hover = _hover(features)
    fig = go.Figure()
    if shading is not None and dims == 2:
        fig.add_trace(_shading(shading))
    if colour is None:
        order = list(segments) if segments is not None else _categories(points["segment"])
        for i, name in enumerate(order):
            part = points[points["segment"] == name]
            if part.empty:
                continue
            color = UNASSIGNED_COLOR if name == "Unassigned" else COLORS[i % len(COLORS)]
            fig.add_trace(_trace(part, dims, features, hover, name, {"color": color}, size))
    else:
        marker = colour_marker(points[colour].to_numpy(dtype=float), colour)
        fig.add_trace(_trace(points, dims, features, hover, colour, marker, size))
    if dims == 2:
        fig.update_xaxes(title=axis_titles[0], zeroline=False)
        fig.update_yaxes(title=axis_titles[1], zeroline=False)
        fig.update_layout(dragmode="lasso")  # the map is for selecting: the lasso is on
        if loadings is not None:
            _add_arrows(fig, points, loadings)
        if ranges is not None:
            fig.update_xaxes(range=list(ranges[0]), autorange=False)
            fig.update_yaxes(range=list(ranges[1]), autorange=False)
    else:
        fig.update_layout(
            scene={
                "xaxis_title": axis_titles[0],
                "yaxis_title": axis_titles[1],
                "zaxis_title": axis_titles[2],
                "camera": {"eye": {"x": 1.7, "y": 1.7, "z": 1.0}},
            }
        )
    fig.update_layout(
        legend={"itemsizing": "constant", "title": {"text": "Segment (click to hide)"}},
        uirevision=revision,
        hovermode="closest",
    )
    style(fig, height=height)
    fig.update_layout(margin={"t": 36})  # room for the mode bar above the legend
    return fig


def colour_marker(values: np.ndarray, title: str) -> dict:
    """A continuous colour scale over the 2nd to 98th percentile; for a skewed, non-negative
    feature (a long tail of big spenders) the scale is logarithmic (log1p), its colour bar
    still labelled in the feature's own values, so that most customers are not one colour."""
    finite = values[np.isfinite(values)]
    low, high = np.percentile(finite, [2, 98]) if finite.size else (0.0, 1.0)
    colorbar = {"title": {"text": title}, "thickness": 12}
    median = float(np.median(finite)) if finite.size else 0.0
    if finite.size and finite.min() >= 0 and high > 4 * max(median, 1e-9) and high > 0:
        shown = np.log1p(np.where(np.isfinite(values), values, np.nan))
        ticks = [v for v in _nice_ticks(float(high)) if v >= low]
        colorbar |= {
            "tickvals": np.log1p(ticks).tolist(),
            "ticktext": [f"{v:,.0f}" for v in ticks],
            "title": {"text": f"{title} (log scale)"},
        }
        low, high, values = float(np.log1p(low)), float(np.log1p(high)), shown
    return {
        "color": values,
        "colorscale": "Viridis",
        "cmin": float(low),
        "cmax": float(high) if high > low else float(low) + 1.0,
        "colorbar": colorbar,
    }


def _nice_ticks(high: float) -> list[float]:
    """0 and 1, 2, 5 x the powers of ten up to ``high``."""
    ticks = [0.0]
    power = 1.0
    while power <= high:
        ticks += [m * power for m in (1, 2, 5) if m * power <= high]
        power *= 10
    return ticks


def _categories(column: pd.Series) -> list[str]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return [str(c) for c in column.cat.categories]
    return sorted(column.astype(str).unique())


def _hover(features: Sequence[str]) -> str:
    lines = ["<b>%{customdata[0]}</b>", "%{customdata[1]}"]
    lines += [f"{f}: %{{customdata[{i + 2}]:,.4~g}}" for i, f in enumerate(features)]
    return "<br>".join(lines) + "<extra></extra>"


def _trace(part, dims, features, hover, name, marker, size):
    custom = np.column_stack(
        [part["customer_id"].astype(str), part["segment"].astype(str)]
        + [part[f].to_numpy(dtype=float) for f in features]
    )
    common = {
        "name": str(name),
        "mode": "markers",
        "customdata": custom,
        "hovertemplate": hover,
        "showlegend": "colorbar" not in marker,
    }
    if dims == 3:
        marker = {**marker, "size": max(2, size - 2), "opacity": 0.7}
        return go.Scatter3d(x=part["x"], y=part["y"], z=part["z"], marker=marker, **common)
    marker = {**marker, "size": size, "opacity": 0.7}
    return go.Scattergl(x=part["x"], y=part["y"], marker=marker, **common)


def _shading(density) -> go.Heatmap:
    """Every customer as shading: a heatmap of the log count per cell, empty cells clear."""
    counts = np.asarray(density.counts, dtype=float)
    shade = np.where(counts > 0, np.log1p(counts), np.nan)
    return go.Heatmap(
        z=shade,
        x=density.x,
        y=density.y,
        colorscale=[[0.0, "#eef3f4"], [1.0, "#9fb9bd"]],
        showscale=False,
        hoverinfo="skip",
        name="every customer",
        showlegend=False,
    )


def _add_arrows(fig: go.Figure, points: pd.DataFrame, loadings: pd.DataFrame, top: int = 6):
    weights = loadings.iloc[:, :2]
    strongest = weights.pow(2).sum(axis=1).sort_values(ascending=False).index[:top]
    spread = min(np.ptp(points["x"].to_numpy()), np.ptp(points["y"].to_numpy())) or 1.0
    longest = float(np.sqrt(weights.loc[strongest].pow(2).sum(axis=1)).max()) or 1.0
    scale = 0.4 * spread / longest
    tips = {feature: weights.loc[feature].to_numpy() * scale for feature in strongest}
    for lx, ly in tips.values():
        arrow = {"xref": "x", "yref": "y", "axref": "x", "ayref": "y", "ax": 0, "ay": 0}
        fig.add_annotation(
            x=lx, y=ly, text="", showarrow=True, arrowhead=2, arrowwidth=1.5,
            arrowcolor="#37474f", **arrow,
        )  # fmt: skip
    placed: list[tuple[float, float, int]] = []
    for group in arrow_groups(tips):
        lx, ly = max((tips[f] for f in group), key=lambda tip: float(np.hypot(*tip)))
        tx, ty = _label_spot(lx, ly, len(group), placed, spread)
        fig.add_annotation(
            x=tx,
            y=ty,
            xref="x",
            yref="y",
            xanchor="left" if lx >= 0 else "right",
            align="left" if lx >= 0 else "right",
            showarrow=False,
            text="<br>".join(str(f) for f in group),
            font={"size": 12, "color": "#263238"},
            bgcolor="rgba(255,255,255,0.75)",
        )


def arrow_groups(tips: dict, within_degrees: float = 12.0) -> list[list]:
    """Arrows that point (nearly) the same way, longest first: they share one label, a line per
    feature, so their names are not drawn over each other at the tips.

    >>> arrow_groups({"a": (1.0, 0.0), "b": (0.9, 0.1), "c": (0.0, 1.0)})
    [['a', 'b'], ['c']]
    """
    groups: list[tuple[float, list]] = []  # (angle of the group's first arrow, features)
    for feature, (x, y) in tips.items():
        angle = float(np.degrees(np.arctan2(y, x)))
        for lead, members in groups:
            if abs((angle - lead + 180) % 360 - 180) <= within_degrees:
                members.append(feature)
                break
        else:
            groups.append((angle, [feature]))
    return [members for _, members in groups]


def _label_spot(lx: float, ly: float, lines: int, placed: list, spread: float):
    """Where a label of ``lines`` lines goes: past its arrow's tip, moved further out along the
    arrow while it would sit on a label already placed."""
    near = 0.06 * spread  # about one line of text, in data units
    for step in range(6):
        x, y = lx * (1.08 + 0.18 * step), ly * (1.08 + 0.18 * step)
        if all(
            abs(x - px) > 2.5 * near or abs(y - py) > near * (lines + plines) / 2
            for px, py, plines in placed
        ):
            break
    placed.append((x, y, lines))
    return x, y


def density_map(
    points: pd.DataFrame, *, axis_titles: Sequence[str], height: int = 560
) -> go.Figure:
    """Where customers crowd: filled contours of the (smoothed, log) point density over every
    projected customer, with each segment's name at its median position. The grid reaches a
    seventh of the spread beyond the outermost customers, so the contours close inside the plot
    instead of being cut at its edges."""
    from scipy.ndimage import gaussian_filter

    x, y = points["x"].to_numpy(dtype=float), points["y"].to_numpy(dtype=float)
    bins = int(np.clip(np.sqrt(len(x)) / 2, 30, 150))
    counts, xedges, yedges = np.histogram2d(x, y, bins=bins, range=[_padded(x), _padded(y)])
    density = gaussian_filter(np.log1p(counts.T), sigma=1.0, mode="constant")
    fig = go.Figure(
        go.Contour(
            z=density,
            x=(xedges[:-1] + xedges[1:]) / 2,
            y=(yedges[:-1] + yedges[1:]) / 2,
            colorscale=[[0.0, "rgba(255,255,255,0)"], [0.08, "#e4eef0"], [1.0, "#1f4e51"]],
            showscale=False,
            line={"width": 0},
            ncontours=14,
            customdata=counts.T,
            hovertemplate="%{customdata:,.0f} customers here<extra></extra>",
        )
    )
    centres = points.groupby("segment", observed=True)[["x", "y"]].median()
    for name, (cx, cy) in centres.iterrows():
        fig.add_annotation(
            x=cx,
            y=cy,
            text=str(name),
            showarrow=False,
            font={"size": 12, "color": "#263238"},
            bgcolor="rgba(255,255,255,0.8)",
            bordercolor=COLORS[1],
            borderpad=2,
        )
    fig.update_xaxes(title=axis_titles[0], zeroline=False, showgrid=False)
    fig.update_yaxes(title=axis_titles[1], zeroline=False, showgrid=False)
    return style(fig, height=height)


def _padded(values: np.ndarray, share: float = 0.15) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not finite.size:
        return (0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    pad = (high - low) * share or 1.0
    return (low - pad, high + pad)


def explained_variance(variance: Sequence[float]) -> go.Figure:
    """Share of the variance each principal component explains, and the running total."""
    labels = [f"PC{i + 1}" for i in range(len(variance))]
    fig = go.Figure(
        go.Bar(
            x=labels,
            y=list(variance),
            marker_color=ACCENT,
            text=[f"{v:.0%}" for v in variance],
            textposition="auto",
            hovertemplate="%{x}: %{y:.1%} of the variance<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=labels,
            y=np.cumsum(variance),
            mode="lines+markers",
            marker_color=COLORS[1],
            name="cumulative",
            hovertemplate="up to %{x}: %{y:.1%}<extra></extra>",
        )
    )
    fig.update_yaxes(tickformat=".0%", range=[0, 1], title="explained variance")
    fig.update_layout(showlegend=False)
    return style(fig, height=260)


def selection_index(features: pd.DataFrame) -> go.Figure:
    """Index of the selection's mean against everyone's (100 = the same), per feature."""
    frame = features.dropna(subset=["index"]).iloc[::-1]
    colors = [COLORS[0] if v >= 100 else COLORS[3] for v in frame["index"]]
    fig = go.Figure(
        go.Bar(
            x=frame["index"],
            y=frame["feature"],
            orientation="h",
            marker_color=colors,
            text=[f"{v:,.0f}" for v in frame["index"]],
            textposition="auto",
            customdata=np.column_stack([frame["selected_mean"], frame["overall_mean"]])
            if len(frame)
            else None,
            hovertemplate="%{y}: index %{x:,.0f}<br>selected mean %{customdata[0]:,.4~g}"
            "<br>everyone %{customdata[1]:,.4~g}<extra></extra>",
        )
    )
    fig.add_vline(x=100, line_dash="dot", line_color="#607d8b")
    fig.update_xaxes(title="index (selected mean / everyone's mean x 100)")
    return style(fig, height=max(200, 34 * len(frame) + 70))

"""Plotly figures of the studio: pure functions from data to a figure, nothing else.

One module per page; every chart shares one calm look (:mod:`.base`).
"""

from .base import ACCENT, COLORS, style
from .features import correlation_heatmap, histogram
from .segment import contingency, dendrogram, silhouette_plot, sizes, stability_bars, sweep

__all__ = [
    "ACCENT",
    "COLORS",
    "style",
    "correlation_heatmap",
    "histogram",
    "contingency",
    "dendrogram",
    "silhouette_plot",
    "sizes",
    "stability_bars",
    "sweep",
]

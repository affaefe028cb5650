"""The house style of every figure."""

from __future__ import annotations

import plotly.graph_objects as go

from segmentation.charts.base import ACCENT, COLORS, style


def test_style_sets_the_title_height_and_colours():
    fig = style(go.Figure(go.Bar(x=[1], y=[2])), title="Sizes", height=300)
    assert fig.layout.title.text == "Sizes" and fig.layout.height == 300
    assert COLORS[0] == ACCENT and len(set(COLORS)) == len(COLORS)

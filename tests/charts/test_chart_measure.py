"""The Results page's charts: labelled axes, one mark per segment, flows that add up."""

from __future__ import annotations

import pandas as pd

from segmentation.charts.measure import cumulative_conversion, lift_intervals, migration_sankey


def test_lift_chart_has_one_interval_per_segment_and_labelled_axes():
    frame = pd.DataFrame(
        {
            "segment_id": [1, 2, None],
            "segment": ["Champions", "At risk", "All segments"],
            "metric": ["revenue_per_customer"] * 3,
            "lift_rel": [0.12, -0.01, 0.05],
            "lift_rel_low": [0.03, -0.08, 0.01],
            "lift_rel_high": [0.21, 0.06, 0.09],
        }
    )
    fig = lift_intervals(frame)
    trace = fig.data[0]
    assert list(trace.y) == ["1 · Champions", "2 · At risk", "All segments"]
    assert list(trace.x) == [12.0, -1.0, 5.0]
    assert [round(v, 6) for v in trace.error_x.array] == [9.0, 7.0, 4.0]
    assert "95% interval" in fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_cumulative_conversion_has_both_groups():
    days = pd.date_range("2025-07-01", periods=3)
    daily = pd.DataFrame(
        {
            "day": list(days) * 2,
            "group": ["audience"] * 3 + ["holdout"] * 3,
            "converted_share": [0.1, 0.2, 0.3, 0.05, 0.1, 0.15],
        }
    )
    fig = cumulative_conversion(daily)
    assert [t.name for t in fig.data] == ["audience", "holdout"]
    assert list(fig.data[1].y) == [5.0, 10.0, 15.0]
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_sankey_links_add_up_to_the_customers():
    matrix = pd.DataFrame(
        {
            "from_segment": ["A", "A", "B", "New"],
            "to_segment": ["A", "B", "Gone", "A"],
            "customers": [10, 2, 3, 4],
        }
    )
    link = migration_sankey(matrix).data[0].link
    assert sum(link.value) == 19 and len(link.source) == 4

"""The segment charts: the k-sweep and the contingency of two runs."""

from __future__ import annotations

import pandas as pd

from segmentation.charts import segment as segment_charts


def test_segment_charts_draw_a_sweep_and_a_contingency():
    frame = pd.DataFrame(
        {"k": [2, 3, 4], "inertia": [9.0, 5.0, 4.0], "silhouette": [0.3, 0.4, 0.35]}
        | {"calinski_harabasz": [1.0, 2.0, 1.5], "davies_bouldin": [1.0, 0.8, 0.9]}
    )
    assert segment_charts.sweep(frame, elbow_k=3, recommended_k=3).data
    table = pd.DataFrame([[5, 1], [0, 4]], index=[1, 2], columns=[1, 2])
    assert segment_charts.contingency(table, "r1", "r2").data

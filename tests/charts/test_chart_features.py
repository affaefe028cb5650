"""The feature charts: histogram and correlation heat map."""

from __future__ import annotations

import numpy as np
import pandas as pd

from segmentation.charts import features as feature_charts


def test_feature_charts_label_their_axes():
    bins = pd.DataFrame({"start": [0.0, 1.0], "end": [1.0, 2.0], "count": [3, 4]})
    fig = feature_charts.histogram(bins, "monetary", log=False)
    assert fig.data and fig.layout.yaxis.title.text
    corr = pd.DataFrame(np.eye(2), index=["a", "b"], columns=["a", "b"])
    assert feature_charts.correlation_heatmap(corr).data[0].z.shape == (2, 2)

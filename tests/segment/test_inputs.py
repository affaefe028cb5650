"""A run's inputs: RFM's columns by their usual names, or as the user names them."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.segment.inputs import RFM_COLUMNS, default_prep, rfm_input


def test_rfm_input_finds_and_renames_the_columns():
    frame = pd.DataFrame({"Recency": [1], "frequency": [2], "Monetary": [3.0], "x": [0]})
    assert rfm_input(frame, None).columns.tolist() == list(RFM_COLUMNS)
    chosen = rfm_input(frame, ["x", "frequency", "Monetary"])
    assert chosen["recency_days"].tolist() == [0]
    with pytest.raises(InvalidParameterError, match="must name 3 columns"):
        rfm_input(frame, ["x"])


def test_default_prep_logs_the_skewed_chosen_features():
    frame = pd.DataFrame({"m": [1, 1, 2, 2, 3, 50], "f": [1, 2, 3, 4, 5, 6]})
    assert default_prep(frame, ["m", "f"]).log == ("m",)

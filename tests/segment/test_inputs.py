"""A run's inputs: RFM's columns by their usual names, or as the user names them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.ingest.load import ingest_file, update_roles
from segmentation.segment.inputs import RFM_COLUMNS, customer_frame, default_prep, rfm_input
from segmentation.workspace import open_workspace


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


@pytest.mark.parametrize(
    ("ids", "repeated"),
    [(["c1", "c2", "c1", "c3"], 1), (["7", "", "8", ""], 1), (["7", "", "8", "9"], 0)],
    ids=["a repeated id", "two missing ids", "one missing id"],
)
def test_customer_frame_counts_repeated_ids(tmp_path, ids, repeated):
    csv = tmp_path / "crm.csv"
    rows = [f"{i},{20 + n},{1000 * n}" for n, i in enumerate(ids)]
    csv.write_text("customer_id,age,income\n" + "\n".join(rows) + "\n")
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, csv, table="crm")
    update_roles(ws, "crm", {}, kind="customers")  # as the user may set it on the Data page
    if repeated:
        with pytest.raises(InvalidParameterError, match=f"has {repeated} repeated customer ids"):
            customer_frame(ws, "crm")
    else:
        frame = customer_frame(ws, "crm")
        assert frame["customer_id"].tolist() == ["7", np.nan, "8", "9"]
    ws.close()

"""rec_1 .. rec_N in audience files (CSV, Excel, Parquet), and the export log's record of the set."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.export.log import list_exports
from segmentation.export.plan import export_audience
from segmentation.recommend import read_rows, recommend


@pytest.fixture
def with_set(bundles):
    recommend(bundles, "r1", top=4, name="spring", evaluate_first=False)
    return bundles


def test_csv_parquet_and_excel_files_carry_the_recommendations(with_set, tmp_path):
    ws = with_set
    expected = read_rows(ws, "spring")
    first = expected[expected["rank"] == 1].set_index("customer_id")
    export_audience(ws, "r1", tmp_path / "a.csv", recommendations="spring")
    csv = pd.read_csv(tmp_path / "a.csv").set_index("customer_id")
    assert list(csv.columns) == ["segment_id", "segment", "rec_1", "rec_2", "rec_3", "rec_4"]
    wanted = first["product"] + " - " + first["description"]
    assert (csv["rec_1"] == wanted.reindex(csv.index)).all()
    export_audience(
        ws, "r1", tmp_path / "a.parquet", fmt="parquet", recommendations="rec1", rec_top=2
    )
    assert list(pd.read_parquet(tmp_path / "a.parquet").columns)[-2:] == ["rec_1", "rec_2"]
    export_audience(ws, "r1", tmp_path / "a.xlsx", fmt="xlsx", recommendations="spring")
    sheets = pd.read_excel(tmp_path / "a.xlsx", sheet_name=None, engine="openpyxl")
    segment_sheets = [f for name, f in sheets.items() if "rec_4" in f.columns]
    assert sum(len(f) for f in segment_sheets) == 600
    logged = [e.options.get("recommendations") for e in list_exports(ws)]
    assert logged == ["rec1", "rec1", "rec1"]
    assert [e.options.get("rec_top") for e in list_exports(ws)] == [4, 2, 4]


def test_the_holdout_gets_no_offers(with_set, tmp_path):
    export_audience(with_set, "r1", tmp_path / "h.csv", recommendations="spring", holdout=0.1)
    assert "rec_1" in pd.read_csv(tmp_path / "h.csv").columns
    assert "rec_1" not in pd.read_csv(tmp_path / "h-holdout.csv").columns


def test_a_set_of_another_run_or_a_hashed_file_is_refused(with_set, tmp_path):
    ws = with_set
    with pytest.raises(InvalidParameterError, match="cannot go into a google-ads file"):
        export_audience(ws, "r1", tmp_path / "g.csv", fmt="google-ads", recommendations="spring")
    recommend(ws, "shop", name="table set", evaluate_first=False)
    with pytest.raises(InvalidParameterError, match="was made for shop, not run r1"):
        export_audience(ws, "r1", tmp_path / "t.csv", recommendations="table set")
    with pytest.raises(
        InvalidParameterError, match=r"'rec_top' parameter must be an int in the range \[1, 4\]"
    ):
        export_audience(ws, "r1", tmp_path / "t.csv", recommendations="spring", rec_top=9)
    assert list_exports(ws) == [] and not list(tmp_path.glob("[gt].csv"))

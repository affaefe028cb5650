"""Predictions in exports: a predicted_clv column, and Meta's value from the prediction."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from helpers import sample_run_workspace

from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.export.plan import export_audience, plan_export
from segmentation.ingest.load import ingest_file
from segmentation.predict.run import predict_table
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export_predict")
    path = sample_run_workspace(folder)
    ws = open_workspace(path)
    ingest_file(ws, folder / "customers.csv", table="customers")
    predict_table(ws, "tx", name="next year")
    ws.close()
    return path


@pytest.fixture
def ws(template, tmp_path):
    path = tmp_path / "ws.duckdb"
    shutil.copy(template, path)
    workspace = open_workspace(path)
    yield workspace
    workspace.close()


def _clv(ws) -> pd.Series:
    frame = ws.query_df(
        "SELECT customer_id, clv FROM _seg.prediction_customers WHERE prediction_id = 'p1'"
    )
    return frame.set_index("customer_id")["clv"]


def test_a_csv_export_gets_each_customers_predicted_value(ws, tmp_path):
    out = tmp_path / "vip.csv"
    result = export_audience(ws, "r1", out, fmt="csv", segments=[1, 2], prediction="next year")
    written = pd.read_csv(out, dtype={"customer_id": str})
    assert list(written.columns) == ["customer_id", "segment_id", "segment", "predicted_clv"]
    assert len(written) == result.rows > 0
    expected = _clv(ws).reindex(written["customer_id"]).to_numpy()
    assert written["predicted_clv"].to_numpy() == pytest.approx(expected)
    assert result.plan.options.prediction == "next year"


def test_meta_value_comes_from_the_prediction(ws):
    plan = plan_export(ws, "r1", fmt="meta", prediction="p1")
    assert plan.options.value_column == "predicted_clv"
    audience = plan.audience.set_index("customer_id")
    expected = _clv(ws).reindex(audience.index).clip(lower=0).round(2)
    assert audience["value"].to_numpy() == pytest.approx(expected.to_numpy())
    monetary = plan_export(ws, "r1", fmt="meta")  # without a prediction: monetary, as before
    assert monetary.options.value_column == "monetary"


def test_predicted_clv_needs_a_prediction_and_a_known_one(ws, tmp_path):
    with pytest.raises(InvalidParameterError, match="There is no column 'predicted_clv' to export"):
        plan_export(ws, "r1", fmt="csv", columns=("predicted_clv",))
    with pytest.raises(TableNotFoundError, match="There is no prediction 'p9'"):
        plan_export(ws, "r1", fmt="csv", prediction="p9")
    assert not list(tmp_path.glob("*.csv"))


def test_predicted_value_and_previous_segment_go_into_one_export(ws, tmp_path):
    """Both joins bind parameters: the prediction's id and the migration's run id."""
    from segmentation.measure.migration import migrate

    later = migrate(ws, "r1", as_of=ws.table("feat").options["as_of"])
    predict_table(ws, "tx", name="again")
    out = tmp_path / "both.csv"
    export_audience(
        ws,
        later.to_run_id,
        out,
        columns=("previous_segment", "predicted_clv"),
        prediction="again",
    )
    rows = pd.read_csv(out, dtype={"customer_id": str}).set_index("customer_id")
    clv = ws.query_df(
        "SELECT customer_id, clv FROM _seg.prediction_customers WHERE prediction_id = 'p2'"
    ).set_index("customer_id")["clv"]
    assert rows["predicted_clv"].round(2).equals(clv.loc[rows.index].round(2))
    assert rows["previous_segment"].notna().all()

"""`segment predict` and `segment predictions`, through the command's own entry point."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from segmentation.cli.main import main
from segmentation.ingest.load import ingest_file
from segmentation.workspace import open_workspace

KEYS = [
    "prediction_id", "table", "model", "unit", "observation_end", "customers",
    "repeat_customers", "params", "log_likelihood", "spend", "holdout", "warnings",
]  # fmt: skip


@pytest.fixture(scope="module")
def cdnow_ws(tmp_path_factory, shared_data_session):
    path = tmp_path_factory.mktemp("cli") / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, shared_data_session / "cdnow" / "CDNOW_sample.txt", table="cdnow")
    ws.close()
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_predict_prints_exactly_the_issue_json(capsys, cdnow_ws, tmp_path):
    out_file = tmp_path / "p.csv"
    code, out, err = run(
        capsys, "--workspace", str(cdnow_ws), "--json", "predict", "cdnow", "--unit", "week",
        "--calibration-end", "1997-09-30", "--name", "paper", "--out", str(out_file),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == KEYS
    assert data["model"] == "bgnbd" and data["unit"] == "week"
    assert list(data["params"]) == ["r", "alpha", "a", "b"]
    assert (
        round(data["params"]["alpha"], 3) == 4.414 and round(data["log_likelihood"], 1) == -9582.4
    )
    assert (
        list(data["spend"]) == ["p", "q", "gamma", "customers"]
        and data["spend"]["customers"] == 946
    )
    assert list(data["holdout"]) == ["start", "end", "actual_orders", "predicted_orders"]
    assert data["holdout"]["actual_orders"] == 1882
    written = pd.read_csv(out_file, dtype={"customer_id": str})
    assert len(written) == 2357 and written["customer_id"].str.len().eq(5).all()


def test_pareto_params_and_the_listing(capsys, cdnow_ws):
    code, out, err = run(
        capsys, "--workspace", str(cdnow_ws), "--json", "predict", "cdnow", "--model", "paretonbd",
        "--unit", "week", "--horizon", "26", "--discount-rate", "0",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert list(data["params"]) == ["r", "alpha", "s", "beta"] and "holdout" not in data
    code, out, _ = run(capsys, "--workspace", str(cdnow_ws), "--json", "predictions")
    listed = json.loads(out)["predictions"]
    assert [p["prediction_id"] for p in listed][-1] == data["prediction_id"]
    code, out, _ = run(capsys, "--workspace", str(cdnow_ws), "predictions")
    assert f"{data['prediction_id']}  " in out


def test_bad_input_is_one_message_and_exit_one(capsys, cdnow_ws):
    code, out, err = run(
        capsys, "--workspace", str(cdnow_ws), "predict", "cdnow", "--calibration-end", "30/09/1997"
    )
    assert code == 1 and out == ""
    assert "'--calibration-end' parameter must be a day written YYYY-MM-DD" in err
    with pytest.raises(SystemExit) as usage:  # argparse's own exit for a usage error
        main(["--workspace", str(cdnow_ws), "predict", "cdnow", "--unit", "year"])
    assert usage.value.code == 2
    assert "invalid choice: 'year'" in capsys.readouterr().err
    code, out, err = run(capsys, "--workspace", str(cdnow_ws), "predict", "nope")
    assert code == 1 and "There is no table 'nope'" in err


def test_profile_with_a_prediction_shows_each_segments_value(capsys, tmp_path):
    from helpers import sample_run_workspace

    path = sample_run_workspace(tmp_path)
    code, out, err = run(capsys, "--workspace", str(path), "--json", "predict", "tx")
    assert code == 0, err
    code, out, err = run(
        capsys, "--workspace", str(path), "--json", "profile", "r1", "--prediction", "p1"
    )
    assert code == 0, err
    predicted = json.loads(out)["predicted"]
    assert [p["segment_id"] for p in predicted] == [1, 2, 3, 4, 5]
    assert sum(p["customers"] for p in predicted) == 1500
    assert all(p["clv_low"] <= p["clv"] <= p["clv_high"] for p in predicted)
    code, out, _ = run(capsys, "--workspace", str(path), "profile", "r1", "--prediction", "p1")
    assert "Predicted value (p1), 80% range, share at high churn risk:" in out


def test_a_prediction_becomes_features_and_goes_into_an_export(capsys, tmp_path):
    from helpers import sample_run_workspace

    path = sample_run_workspace(tmp_path)
    ws = ["--workspace", str(path), "--json"]
    assert run(capsys, *ws, "predict", "tx", "--name", "value")[0] == 0
    code, out, err = run(capsys, *ws, "predict-features", "feat", "value")
    assert code == 0, err
    made = json.loads(out)
    assert (
        made["table"] == "feat_p1" and made["rows"] == 1500 and "predicted_clv" in made["columns"]
    )
    out_file = tmp_path / "all.csv"
    code, out, err = run(capsys, *ws, "export", "r1", "--out", str(out_file), "--prediction", "p1")
    assert code == 0, err
    written = pd.read_csv(out_file, dtype={"customer_id": str})
    assert list(written.columns)[-1] == "predicted_clv" and written["predicted_clv"].notna().all()

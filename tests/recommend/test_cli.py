"""`segment recommend` and `segment rules`: the JSON the issue promises and the files."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from segmentation.cli.main import main


def run_cli(capsys, ws, *args) -> tuple[int, dict | str, str]:
    code = main(["--workspace", str(ws.path), "--json", *map(str, args)])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else out), err


def test_recommend_prints_exactly_the_promised_json(capsys, bundles, tmp_path):
    out = tmp_path / "recs.csv"
    code, data, _ = run_cli(capsys, bundles, "recommend", "r1", "--evaluate", "--out", out)
    assert code == 0
    assert list(data) == [
        "recommendation_id", "run_id", "method", "customers", "products",
        "fallback_customers", "evaluation",
    ]  # fmt: skip
    assert list(data["evaluation"]) == [
        "customers", "hit_rate", "precision", "recall", "map", "baselines",
    ]  # fmt: skip
    assert list(data["evaluation"]["baselines"]) == ["popular", "segment_popular"]
    assert set(data["evaluation"]["baselines"]["popular"]) == {
        "hit_rate", "precision", "recall", "map",
    }  # fmt: skip
    assert (data["recommendation_id"], data["run_id"], data["method"]) == ("rec1", "r1", "item-knn")
    assert data["evaluation"]["hit_rate"] == 1.0
    rows = pd.read_csv(out)
    assert list(rows.columns) == ["customer_id", "rank", "product", "score", "reason"]
    assert len(rows) == data["customers"] * 10


def test_recommend_without_evaluate_and_to_parquet(capsys, bundles, tmp_path):
    out = tmp_path / "recs.parquet"
    code, data, _ = run_cli(
        capsys, bundles, "recommend", "r1", "--method", "popular", "--top", "3",
        "--include-bought", "--name", "best", "--out", out,
    )  # fmt: skip
    assert code == 0 and data["evaluation"] is None and data["method"] == "popular"
    assert pd.read_parquet(out)["rank"].max() == 3


def test_recommend_errors_are_one_line_and_exit_1(capsys, bundles, tmp_path):
    code, _, err = run_cli(capsys, bundles, "recommend", "r9")
    assert code == 1 and "'r9' is neither a run nor a table" in err
    code, _, err = run_cli(capsys, bundles, "recommend", "r1", "--out", tmp_path / "x.txt")
    assert code == 1 and "must end in .csv or .parquet" in err
    with pytest.raises(SystemExit) as usage:
        main(["--workspace", str(bundles.path), "recommend", "r1", "--method", "magic"])
    assert usage.value.code == 2


def test_rules_of_a_table_and_of_a_segment(capsys, bundles, tmp_path):
    out = tmp_path / "rules.csv"
    code, data, _ = run_cli(capsys, bundles, "rules", "shop", "--min-orders", "5", "--out", out)
    assert code == 0 and data["rules"] > 20 and data["orders"] == 1800
    frame = pd.read_csv(out)
    assert (frame["antecedent"].str[:3] == frame["consequent"].str[:3]).all()
    code, data, _ = run_cli(
        capsys, bundles, "rules", "shop", "--run", "r1", "--segment", "1", "--min-orders", "3"
    )
    assert code == 0 and data["segment_id"] == 1 and data["orders"] < 1800

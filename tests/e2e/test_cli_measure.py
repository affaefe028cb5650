"""`segment readout` and `segment migrate`: the JSON the README promises, the files, errors."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from helpers import campaign_workspace

from segmentation.cli.main import main


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return campaign_workspace(tmp_path_factory.mktemp("cli_measure"))


def run_json(capsys, *args) -> dict:
    code = main(["--json", *map(str, args)])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_readout_prints_the_documented_json_and_writes_the_file(capsys, workspace, tmp_path):
    out = tmp_path / "readout.json"
    data = run_json(
        capsys, "--workspace", workspace, "readout", "e1", "--outcomes", "orders_after",
        "--cuped", "--out", out,
    )  # fmt: skip
    assert set(data) == {"export_id", "outcomes", "start", "end", "overall", "segments", "srm", "warnings"}  # fmt: skip
    assert json.loads(out.read_text()) == data
    m = data["segments"][0]["conversion"]
    assert set(m) == {"audience", "holdout", "lift_abs", "lift_rel", "lift_rel_low", "lift_rel_high", "p_value"}  # fmt: skip
    assert data["segments"][0]["segment_id"] == 1 and m["lift_abs"] > 0


def test_readout_error_is_one_line_and_exit_1(capsys, workspace):
    code = main(["--workspace", str(workspace), "readout", "e1", "--outcomes", "tx"])
    err = capsys.readouterr().err
    assert code == 1 and "has no line from" in err and "Traceback" not in err


def test_migrate_prints_the_documented_json_and_writes_customers(capsys, workspace, tmp_path):
    out = tmp_path / "moves.csv"
    data = run_json(
        capsys, "--workspace", workspace, "migrate", "r1", "--as-of", "2025-07-01", "--out", out
    )
    assert set(data) == {"run_id", "from_as_of", "to_as_of", "customers", "stayed_share", "new", "gone", "matrix"}  # fmt: skip
    assert (data["from_as_of"], data["to_as_of"], data["gone"]) == ("2025-01-01", "2025-07-01", 0)
    rows = list(csv.DictReader(out.open()))
    assert list(rows[0]) == ["customer_id", "from_segment_id", "from_segment", "to_segment_id", "to_segment"]  # fmt: skip
    assert len(rows) == data["customers"]
    assert sum(r["from_segment"] == "New" for r in rows) == data["new"] > 0


def test_migrate_before_the_runs_date_is_refused(capsys, workspace):
    code = main(["--workspace", str(workspace), "migrate", "r1", "--as-of", "2024-01-01"])
    assert code == 1 and "before run r1's as_of date 2025-01-01" in capsys.readouterr().err

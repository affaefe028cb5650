"""Planning and writing audience exports (segmentation.export.plan): hashed platform lists,
holdouts, overlaps, refusals; library and CLI."""

import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.export import identifiers, platforms, power
from segmentation.export import log as exportlog
from segmentation.export import plan as audiences
from segmentation.segment import runs

SEGMENT = Path(sys.executable).with_name("segment")


def test_google_ads_file_is_hashed_and_holds_no_raw_personal_data(ws, contacts, tmp_path):
    out = tmp_path / "g.csv"
    result = audiences.export_audience(ws, "r1", out, fmt="google-ads", default_country="GB")
    data = out.read_bytes()
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == platforms.GOOGLE_COLUMNS
    for column in ("Email", "Phone", "First Name", "Last Name"):
        assert frame[column].str.fullmatch(r"[0-9a-f]{64}|").all()
    assert frame["Country"].str.fullmatch(r"[A-Z]{2}|").all()
    for column in ("email", "phone", "first_name", "last_name"):
        for raw in contacts[column]:
            raw = raw.strip()
            if len(raw) > 3 and raw.lower() != raw.upper():  # names and addresses, not bare codes
                assert raw.encode() not in data and raw.lower().encode() not in data, raw
    known = contacts[contacts["email"].str.contains("@")].iloc[0]
    email = identifiers.normalize_email(known["email"], platform="google")
    assert hashlib.sha256(email.encode()).hexdigest() in set(frame["Email"])
    assert result.rows == len(frame) and result.plan.invalid["email"] > 0


def test_meta_file_has_digits_only_phones_and_an_unhashed_value(ws, contacts, tmp_path):
    out = tmp_path / "m.csv"
    result = audiences.export_audience(ws, "r1", out, fmt="meta", default_country="GB")
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["email", "phone", "fn", "ln", "zip", "ct", "country", "value"]
    row = contacts[contacts["phone"].str.startswith("+44 20")].iloc[0]
    digits = identifiers.normalize_phone(row["phone"])[1:]
    assert hashlib.sha256(digits.encode()).hexdigest() in set(frame["phone"])
    features = ws.query_df("SELECT customer_id, monetary FROM transactions_features")
    monetary = features.set_index("customer_id")["monetary"].clip(lower=0).round(2)
    expected = monetary.reindex(result.plan.audience["customer_id"]).to_numpy()
    assert pd.to_numeric(frame["value"]).to_numpy() == pytest.approx(expected)
    assert result.plan.options.value_column == "monetary"


def test_invalid_identifiers_are_counted_and_customers_without_any_dropped(ws, contacts):
    plan = audiences.plan_export(ws, "r1", fmt="google-ads", default_country="GB")
    present = contacts["email"].str.strip() != ""
    bad = present & contacts["email"].map(lambda e: identifiers.normalize_email(e) is None)
    assert plan.invalid["email"] == int(bad.sum()) > 0
    assert plan.rows + plan.dropped_invalid == 800
    report = plan.segments
    assert report["valid_email_pct"].between(80, 100).all()
    assert (report["rows"] + report["dropped_invalid"] == report["selected"]).all()


def test_holdout_is_stratified_disjoint_and_reproducible_by_seed(ws):
    plan = audiences.plan_export(ws, "r1", holdout=0.15, seed=3)
    sizes = {s.segment_id: s.size for s in runs.get_run(ws, "r1").segments}
    held = plan.holdout.groupby("segment_id").size()
    for segment_id, size in sizes.items():
        assert held[segment_id] == power.holdout_size(0.15, size)
    assert not set(plan.audience["customer_id"]) & set(plan.holdout["customer_id"])
    assert plan.rows + plan.holdout_rows == 800
    again = audiences.plan_export(ws, "r1", holdout=0.15, seed=3)
    other = audiences.plan_export(ws, "r1", holdout=0.15, seed=4)
    assert again.holdout["customer_id"].tolist() == plan.holdout["customer_id"].tolist()
    assert set(other.holdout["customer_id"]) != set(plan.holdout["customer_id"])
    alone = audiences.plan_export(ws, "r1", holdout=0.15, seed=3, segments=[2])
    assert set(alone.holdout["customer_id"]) == set(plan.holdout.query("segment_id == 2")["customer_id"])  # fmt: skip


def test_overlap_of_audiences_and_segments_is_counted_once(ws):
    plan = audiences.plan_export(ws, "r1", audiences=("first 150", "next 200"), segments=[])
    assert plan.overlap == 50 and plan.rows == 300
    members = set(plan.audience["customer_id"])
    segment_one = runs.assignments(ws, "r1").query("segment_id == 1")["customer_id"]
    mixed = audiences.plan_export(ws, "r1", audiences=("first 150",), segments=[1])
    first = set(audiences.plan_export(ws, "r1", audiences=("first 150",), segments=[]).audience["customer_id"])  # fmt: skip
    assert mixed.overlap == len(first & set(segment_one))
    assert mixed.rows == len(first | set(segment_one)) and first <= members


def test_small_segments_are_flagged(ws):
    plan = audiences.plan_export(ws, "r1", min_size=250)
    sizes = {s.segment_id: s.size for s in runs.get_run(ws, "r1").segments}
    assert plan.small == [s for s, n in sizes.items() if n < 250] != []


def test_wrong_choices_are_refused_before_anything_is_written(ws, tmp_path):
    before = len(exportlog.list_exports(ws))
    cases = [
        ({"segments": [9]}, "no segment 9; its segments are 1, 2, 3, 4"),
        ({"holdout": 1.0}, r"'holdout' parameter must be a fraction in the open interval \(0, 1\)"),
        ({"columns": ("nope",)}, "no column 'nope' to export"),
        ({"fmt": "pdf"}, "'format' parameter must be one of"),
        ({"default_country": "Atlantis"}, "'default_country' parameter"),
        ({"fmt": "google-ads", "columns": ("email",)}, "Columns cannot be chosen for google-ads"),
        ({"audiences": ("nobody",)}, "no audience 'nobody'"),
    ]
    for options, message in cases:
        with pytest.raises((InvalidParameterError, TableNotFoundError), match=message):
            audiences.export_audience(ws, "r1", tmp_path / "x.csv", **options)
    assert not list(tmp_path.iterdir()) and len(exportlog.list_exports(ws)) == before


def segment(*args, ws):
    cmd = [str(SEGMENT), "--workspace", str(ws), *map(str, args)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300)


def ok_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_cli_csv_export_prints_the_promised_json(built, tmp_path):
    cli = built / "cli.duckdb"
    data = ok_json(segment("--json", "export", "r1", "--segments", "1,2", "--out", tmp_path / "a.csv", ws=cli))  # fmt: skip
    assert {"files", "rows", "holdout_rows", "suppressed", "dropped_invalid", "segments"} <= set(
        data
    )
    assert data["files"] == [str(tmp_path / "a.csv")] and data["holdout_rows"] == 0
    assert [s["segment_id"] for s in data["segments"]] == [1, 2]
    lines = (tmp_path / "a.csv").read_text().splitlines()
    assert lines[0] == "customer_id,segment_id,segment" and len(lines) == data["rows"] + 1


def test_cli_google_ads_with_holdout_and_suppression(built, tmp_path, sha_file, read_csv):
    cli = built / "cli.duckdb"
    (tmp_path / "optout.txt").write_text("C00001\nC00002\n")
    out = tmp_path / "g.csv"
    data = ok_json(
        segment(
            "--json", "export", "r1", "--format", "google-ads", "--holdout", "0.1", "--seed", "5",
            "--suppress", tmp_path / "optout.txt", "--default-country", "GB", "--out", out, ws=cli,
        )
    )  # fmt: skip
    holdout = tmp_path / "g-holdout.csv"
    assert data["files"] == [str(out), str(holdout)]
    assert data["suppressed"] == 2 and data["holdout_rows"] > 0
    assert out.read_text().splitlines()[0] == "Email,Phone,First Name,Last Name,Country,Zip"
    held = read_csv(holdout)
    assert list(held.columns) == ["customer_id", "segment_id", "segment"]
    assert len(held) == data["holdout_rows"] and data["sha256"][str(holdout)] == sha_file(holdout)


def test_cli_meta_with_value_and_an_audience(built, tmp_path, sha_file):
    cli = built / "cli.duckdb"
    out = tmp_path / "m.csv"
    data = ok_json(
        segment("--json", "export", "r1", "--audience", "next 200", "--format", "meta",
                "--value", "frequency", "--out", out, ws=cli)
    )  # fmt: skip
    frame = pd.read_csv(out)
    assert "value" in frame and data["rows"] == len(frame) <= 200
    assert frame["value"].min() >= 1  # frequencies, unhashed
    listed = ok_json(segment("--json", "exports", ws=cli))["exports"]
    assert listed[-1]["export_id"] == data["export_id"] and listed[-1]["audiences"] == ["next 200"]
    assert listed[-1]["files"][0]["sha256"] == sha_file(out)
    assert "meta" in segment("exports", ws=cli).stdout


def test_cli_errors_exit_1_write_nothing_and_record_nothing(built, tmp_path):
    cli = tmp_path / "errors.duckdb"
    shutil.copy(built / "cli.duckdb", cli)
    before = len(ok_json(segment("--json", "exports", ws=cli))["exports"])
    out = tmp_path / "x.csv"
    cases = [
        (["--segments", "1,9"], "no segment 9"),
        (["--holdout", "1.5"], "open interval (0, 1)"),
        (["--holdout", "0"], "open interval (0, 1)"),
        (["--columns", "email,shoe_size"], "no column 'shoe_size'"),
    ]
    for extra, message in cases:
        result = segment("export", "r1", "--out", out, *extra, ws=cli)
        assert result.returncode == 1 and message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr and not out.exists()
    ok_json(segment("--json", "drop-table", "customers", ws=cli))
    result = segment("export", "r1", "--format", "meta", "--out", out, ws=cli)
    assert result.returncode == 1 and "need a customer table with contact fields" in result.stderr
    assert "--contacts TABLE" in result.stderr and not out.exists()
    assert len(ok_json(segment("--json", "exports", ws=cli))["exports"]) == before

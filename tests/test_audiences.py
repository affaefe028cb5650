"""Audience exports: files, hashed platform lists, holdouts, suppression, audit; library and CLI."""

import csv
import hashlib
import io
import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from segmentation.demo.sample import write_sample
from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.export import files as exportfiles
from segmentation.export import identifiers
from segmentation.export import log as exportlog
from segmentation.export import plan as audiences
from segmentation.export.audiences import save_audience
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace.connection import open_workspace

SEGMENT = Path(sys.executable).with_name("segment")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A workspace (sample transactions + customers, features, k-means k=4, two audiences),
    closed; a copy is kept for the CLI (another process cannot open a file held here)."""
    folder = tmp_path_factory.mktemp("audiences")
    write_sample(folder, customers=800, seed=5)
    path = folder / "lib.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="transactions")
    ingest_file(ws, folder / "customers.csv", table="customers")
    build_features(ws, "transactions")
    run = runs.run_segmentation(ws, "transactions_features", params={"n_clusters": 4})
    ids = runs.assignments(ws, run.run_id)["customer_id"].tolist()
    save_audience(ws, run.run_id, "first 150", ids[:150])
    save_audience(ws, run.run_id, "next 200", ids[100:300])
    ws.close()
    shutil.copy(path, folder / "cli.duckdb")
    return folder


@pytest.fixture(scope="module")
def ws(built):
    return open_workspace(built / "lib.duckdb")


@pytest.fixture(scope="module")
def contacts(built):
    return pd.read_csv(built / "customers.csv", dtype=str, keep_default_na=False)


def sha_file(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def read_csv(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"customer_id": str}, keep_default_na=False)


# -- file formats --------------------------------------------------------------------------------
def test_csv_has_the_key_columns_first_and_the_audit_has_its_sha256(ws, tmp_path):
    out = tmp_path / "all.csv"
    result = audiences.export_audience(ws, "r1", out, columns=("email", "monetary"))
    frame = read_csv(out)
    assert list(frame.columns) == ["customer_id", "segment_id", "segment", "email", "monetary"]
    assert len(frame) == result.rows == 800 and frame["customer_id"].is_unique
    names = {s.segment_id: s.name for s in runs.get_run(ws, "r1").segments}
    assert (frame["segment"] == frame["segment_id"].map(names)).all()
    record = exportlog.list_exports(ws)[-1]
    assert record.export_id == result.export_id and record.format == "csv"
    assert record.files == [
        {"role": "audience", "path": str(out), "rows": 800, "sha256": sha_file(out)}
    ]


def test_zip_holds_one_csv_per_segment(ws, tmp_path):
    result = audiences.export_audience(ws, "r1", tmp_path / "s.zip", fmt="zip", segments=[1, 3])
    with zipfile.ZipFile(tmp_path / "s.zip") as archive:
        names = archive.namelist()
        parts = {n: pd.read_csv(archive.open(n), dtype={"customer_id": str}) for n in names}
    assert [n.split("-")[1] for n in names] == ["1", "3"]
    assert sum(len(p) for p in parts.values()) == result.rows
    for name, part in parts.items():
        assert list(part.columns[:3]) == ["customer_id", "segment_id", "segment"]
        assert set(part["segment_id"]) == {int(name.split("-")[1])}


def test_xlsx_has_a_summary_and_a_sheet_per_segment(ws, tmp_path):
    audiences.export_audience(ws, "r1", tmp_path / "s.xlsx", fmt="xlsx", columns=("country",))
    book = openpyxl.load_workbook(tmp_path / "s.xlsx", read_only=True)
    segments = runs.get_run(ws, "r1").segments
    assert book.sheetnames == ["Summary"] + [f"{s.segment_id} {s.name}" for s in segments]
    summary = pd.read_excel(tmp_path / "s.xlsx", sheet_name="Summary", engine="openpyxl")
    assert summary["customers"].tolist() == [s.size for s in segments]
    first = pd.read_excel(tmp_path / "s.xlsx", sheet_name=book.sheetnames[1], engine="openpyxl")
    assert list(first.columns) == ["customer_id", "segment_id", "segment", "country"]


def test_parquet_keeps_types(ws, tmp_path):
    audiences.export_audience(ws, "r1", tmp_path / "s.parquet", fmt="parquet", columns=("frequency",))  # fmt: skip
    frame = pd.read_parquet(tmp_path / "s.parquet")
    assert list(frame.columns) == ["customer_id", "segment_id", "segment", "frequency"]
    assert frame["frequency"].dtype.kind == "i" and len(frame) == 800


def test_formula_injection_is_neutralized_in_csv_and_excel_not_in_numbers(ws, tmp_path):
    runs.rename_segment(ws, "r1", 2, '=HYPERLINK("http://x","y")')
    try:
        audiences.export_audience(ws, "r1", tmp_path / "f.csv", segments=[2], columns=("phone", "monetary"))  # fmt: skip
        audiences.export_audience(ws, "r1", tmp_path / "f.xlsx", fmt="xlsx", segments=[2])
    finally:
        runs.rename_segment(ws, "r1", 2, "Segment 2")
    rows = list(csv.DictReader(io.StringIO((tmp_path / "f.csv").read_text())))
    assert {r["segment"] for r in rows} == {'\'=HYPERLINK("http://x","y")'}
    plus = [r["phone"] for r in rows if r["phone"].lstrip("'").startswith("+")]
    assert plus and all(p.startswith("'+") for p in plus)
    assert all(not r["monetary"].startswith("'") for r in rows)
    float_values = [float(r["monetary"]) for r in rows]
    assert len(float_values) == len(rows)
    sheet = openpyxl.load_workbook(tmp_path / "f.xlsx")['2 =HYPERLINK("http   x","y")']
    cell = sheet["C2"]
    assert cell.value == '\'=HYPERLINK("http://x","y")' and cell.data_type == "s"
    numbers = exportfiles.neutralize(pd.DataFrame({"n": [-1.5, 2.0], "t": ["-1", "@x"]}))
    assert numbers["n"].tolist() == [-1.5, 2.0] and numbers["t"].tolist() == ["'-1", "'@x"]


# -- ad platforms ------------------------------------------------------------------------------
def test_google_ads_file_is_hashed_and_holds_no_raw_personal_data(ws, contacts, tmp_path):
    out = tmp_path / "g.csv"
    result = audiences.export_audience(ws, "r1", out, fmt="google-ads", default_country="GB")
    data = out.read_bytes()
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert tuple(frame.columns) == identifiers.GOOGLE_COLUMNS
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


# -- holdout, suppression, overlap, sizes ---------------------------------------------------------
def test_holdout_size_rounds_half_up():
    assert audiences.holdout_size(0.1, 25) == 3 and audiences.holdout_size(0.1, 24) == 2
    assert audiences.holdout_size(0.125, 4) == 1 and audiences.holdout_size(0.5, 3) == 2
    assert audiences.holdout_size(0.285, 100) == 29  # 28.5, exact in decimal


def test_holdout_is_stratified_disjoint_and_reproducible_by_seed(ws):
    plan = audiences.plan_export(ws, "r1", holdout=0.15, seed=3)
    sizes = {s.segment_id: s.size for s in runs.get_run(ws, "r1").segments}
    held = plan.holdout.groupby("segment_id").size()
    for segment_id, size in sizes.items():
        assert held[segment_id] == audiences.holdout_size(0.15, size)
    assert not set(plan.audience["customer_id"]) & set(plan.holdout["customer_id"])
    assert plan.rows + plan.holdout_rows == 800
    again = audiences.plan_export(ws, "r1", holdout=0.15, seed=3)
    other = audiences.plan_export(ws, "r1", holdout=0.15, seed=4)
    assert again.holdout["customer_id"].tolist() == plan.holdout["customer_id"].tolist()
    assert set(other.holdout["customer_id"]) != set(plan.holdout["customer_id"])
    alone = audiences.plan_export(ws, "r1", holdout=0.15, seed=3, segments=[2])
    assert set(alone.holdout["customer_id"]) == set(plan.holdout.query("segment_id == 2")["customer_id"])  # fmt: skip


def test_holdout_files_are_written_beside_and_recorded(ws, tmp_path):
    result = audiences.export_audience(ws, "r1", tmp_path / "h.zip", fmt="zip", holdout=0.2)
    assert [Path(f.path).name for f in result.files] == ["h.zip", "h-holdout.zip"]
    record = exportlog.list_exports(ws)[-1]
    assert record.holdout_rows == result.holdout_rows == 160
    assert [f["sha256"] for f in record.files] == [sha_file(f.path) for f in result.files]
    kept = exportlog.holdout_members(ws, result.export_id)
    assert set(kept["customer_id"]) == set(result.plan.holdout["customer_id"])
    with pytest.raises(TableNotFoundError, match="no export 'e999'"):
        exportlog.holdout_members(ws, "e999")


def test_suppression_by_id_and_by_differently_written_email(ws, contacts):
    assert audiences.suppression_key(" John.Doe@Example.COM ") == "john.doe@example.com"
    one_per_line = audiences.read_suppression(b" John.Doe@Example.COM \nC00007\n")
    assert one_per_line.emails == {"john.doe@example.com"} and one_per_line.ids == {"C00007"}
    with_email = contacts[contacts["email"].str.contains("@example")].iloc[3]
    shouted = f"  {with_email['email'].strip().upper()} "
    listing = f"Customer ID;E-mail\nC00001;\n;{shouted}\n".encode()
    supp = audiences.read_suppression(listing, "optout.csv")
    assert supp.ids == {"C00001"} and len(supp.emails) == 1
    plan = audiences.plan_export(ws, "r1", suppression=supp)
    assert plan.suppressed == 2 and plan.rows == 798
    left = set(plan.audience["customer_id"])
    assert "C00001" not in left and with_email["customer_id"] not in left
    with pytest.raises(InvalidParameterError, match="name one of them customer_id"):
        audiences.read_suppression(b"a,b\n1,2\n", "odd.csv")


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


def test_minimum_detectable_effect_is_the_two_proportion_formula():
    from scipy.stats import norm

    z = norm.ppf(0.975) + norm.ppf(0.8)
    expected = z * (0.05 * 0.95 * (1 / 10_000 + 1 / 1_000)) ** 0.5
    assert audiences.minimum_detectable_effect(10_000, 1_000, 0.05) == pytest.approx(expected)
    assert audiences.minimum_detectable_effect(100, 0, 0.05) != audiences.minimum_detectable_effect(100, 0, 0.05)  # fmt: skip


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


# -- the command -------------------------------------------------------------------------------
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


def test_cli_google_ads_with_holdout_and_suppression(built, tmp_path):
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


def test_cli_meta_with_value_and_an_audience(built, tmp_path):
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

"""File formats of segmentation.export.files: zip, Excel, Parquet, and formula injection."""

import csv
import io
import zipfile

import openpyxl
import pandas as pd

from segmentation.export import files as exportfiles
from segmentation.export import plan as audiences
from segmentation.segment import runs


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

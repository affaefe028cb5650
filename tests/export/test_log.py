"""The audit log of segmentation.export.log: every file recorded with its SHA-256, holdouts kept."""

from pathlib import Path

import pytest

from segmentation.errors import TableNotFoundError
from segmentation.export import log as exportlog
from segmentation.export import plan as audiences
from segmentation.segment import runs


def test_csv_has_the_key_columns_first_and_the_audit_has_its_sha256(
    ws, tmp_path, sha_file, read_csv
):
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


def test_holdout_files_are_written_beside_and_recorded(ws, tmp_path, sha_file):
    result = audiences.export_audience(ws, "r1", tmp_path / "h.zip", fmt="zip", holdout=0.2)
    assert [Path(f.path).name for f in result.files] == ["h.zip", "h-holdout.zip"]
    record = exportlog.list_exports(ws)[-1]
    assert record.holdout_rows == result.holdout_rows == 160
    assert [f["sha256"] for f in record.files] == [sha_file(f.path) for f in result.files]
    kept = exportlog.holdout_members(ws, result.export_id)
    assert set(kept["customer_id"]) == set(result.plan.holdout["customer_id"])
    with pytest.raises(TableNotFoundError, match="no export 'e999'"):
        exportlog.holdout_members(ws, "e999")

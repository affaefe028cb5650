"""Export files: an export plan's rows written as campaign files, and offered for download.

Formats: ``csv`` (one file), ``zip`` (one CSV per segment), ``xlsx`` (a sheet per segment and
a summary), ``parquet``, ``google-ads`` (Customer Match upload file) and ``meta`` (custom
audience file). File formats start with ``customer_id, segment_id, segment``; the two hashed
formats hold only the platform's columns (:mod:`.identifiers`). Holdout customers go to their own
file(s), named like the export with ``-holdout``; for hashed formats the holdout file is a CSV of
``customer_id, segment_id, segment`` (it is for measuring the campaign, not for uploading).

Text cells a spreadsheet would run as a formula are neutralized (:func:`neutralize`). Files are
written under temporary names and renamed when all are complete (:func:`write_files`).

>>> file_name("r3", "google-ads")
'r3-google-ads.csv'
"""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
import uuid
import zipfile
from pathlib import Path

import pandas as pd

from ..errors import InvalidParameterError, SegmentationError
from ..ingest.files import file_sha256
from .formats import HASHED
from .model import ExportFile, ExportPlan, ExportResult

KEY_COLUMNS = ("customer_id", "segment_id", "segment")
_RISKY = r"^[=+\-@\t\r]"  # cells a spreadsheet would read as a formula
_EXCEL_ROWS = 1_048_575


def _holdout_path(path: Path, fmt: str) -> Path:
    suffix = ".csv" if fmt in HASHED else path.suffix
    return path.with_name(f"{path.stem}-holdout{suffix}")


def write_files(plan: ExportPlan, path: Path) -> list[ExportFile]:
    """Write the plan's audience (and holdout) files beside ``path``; return them with their
    SHA-256. All files are written under temporary names, then renamed."""
    fmt = plan.options.fmt
    jobs = [("audience", path, plan.audience, fmt)]
    if plan.options.holdout:
        jobs.append(
            ("holdout", _holdout_path(path, fmt), plan.holdout, "csv" if fmt in HASHED else fmt)
        )
    written: list[tuple[Path, Path]] = []
    try:
        for _, target, frame, kind in jobs:
            temp = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.part")
            written.append((temp, target))
            _write(frame, temp, kind, plan)
        for temp, target in written:
            os.replace(temp, target)
    except OSError as exc:
        for temp, _ in written:
            temp.unlink(missing_ok=True)
        raise SegmentationError(
            f"Cannot write {path}: {exc.strerror or exc}. Check the folder."
        ) from exc
    return [
        ExportFile(role, str(target), len(frame), file_sha256(target))
        for role, target, frame, _ in jobs
    ]


def neutralize(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (starting with ``= + - @``, tab or CR)
    get a leading ``'``; numeric columns are left as they are.

    >>> neutralize(pd.DataFrame({"a": ["=1+2", "ok"], "n": [-1, 2]}))["a"].tolist()
    ["'=1+2", 'ok']
    """
    out = frame.copy()
    for col in out.columns:
        series = out[col]
        if pd.api.types.is_object_dtype(series) or pd.api.types.is_string_dtype(series):
            text = series.astype("string")
            risky = text.str.contains(_RISKY, regex=True).fillna(False).astype(bool)
            if risky.any():
                out[col] = series.where(~risky, "'" + text)
    return out


def _csv_bytes(frame: pd.DataFrame, *, safe: bool = True) -> bytes:
    """CSV text: the header as plain names, the rows through pyarrow (fast for millions)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    frame = neutralize(frame) if safe else frame
    head = io.StringIO()
    csv.writer(head, lineterminator="\n").writerow([str(c) for c in frame.columns])
    body = io.BytesIO()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if len(table):
        pacsv.write_csv(table, body, pacsv.WriteOptions(include_header=False))
    return head.getvalue().encode("utf-8") + body.getvalue()


def _slug(text: str) -> str:
    """A file-name part: ``"Big spenders (EU)"`` -> ``big-spenders-eu``."""
    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "segment"


def _sheet_name(segment_id: int, name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", " ", f"{segment_id} {name}").strip()[:31]
    candidate, n = base, 2
    while candidate.lower() in used:
        candidate = f"{base[: 31 - len(str(n)) - 1]}~{n}"
        n += 1
    used.add(candidate.lower())
    return candidate


def _groups(frame: pd.DataFrame, plan: ExportPlan):
    """(segment_id, name, rows) for every chosen segment, empty ones included."""
    for segment_id, name in zip(plan.segments["segment_id"], plan.segments["segment"], strict=True):
        yield int(segment_id), name, frame[frame["segment_id"] == segment_id]


def _write(frame: pd.DataFrame, path: Path, kind: str, plan: ExportPlan) -> None:
    if kind in HASHED:
        path.write_bytes(_csv_bytes(frame.drop(columns=list(KEY_COLUMNS)), safe=False))
    elif kind == "csv":
        path.write_bytes(_csv_bytes(frame))
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    elif kind == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for segment_id, name, rows in _groups(frame, plan):
                archive.writestr(f"segment-{segment_id}-{_slug(name)}.csv", _csv_bytes(rows))
    else:
        _write_excel(frame, path, plan)


def _write_excel(frame: pd.DataFrame, path: Path, plan: ExportPlan) -> None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    def clean(part: pd.DataFrame) -> pd.DataFrame:
        part = neutralize(part)
        for col in part.columns:
            if pd.api.types.is_object_dtype(part[col]) or pd.api.types.is_string_dtype(part[col]):
                part[col] = (
                    part[col].astype("string").str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
                )
        return part

    summary = plan.segments[["segment_id", "segment", "rows", "holdout_rows", "small"]].rename(
        columns={"rows": "customers", "small": f"under {plan.options.min_size}"}
    )
    used = {"summary"}
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        clean(summary).to_excel(writer, sheet_name="Summary", index=False)
        for segment_id, name, rows in _groups(frame, plan):
            if len(rows) > _EXCEL_ROWS:
                raise InvalidParameterError(
                    f"Segment {segment_id} has {len(rows):,} rows, more than an Excel sheet holds "
                    f"({_EXCEL_ROWS:,}); export it as csv, zip or parquet."
                )
            clean(rows).to_excel(
                writer, sheet_name=_sheet_name(segment_id, name, used), index=False
            )


def file_name(run_id: str, fmt: str) -> str:
    """A default file name for an export, e.g. ``r3-google-ads.csv``."""
    extension = {"zip": "zip", "xlsx": "xlsx", "parquet": "parquet"}.get(fmt, "csv")
    return f"{run_id}-{fmt}.{extension}"


def download_bundle(result: ExportResult) -> tuple[str, bytes, str]:
    """``(file name, bytes, mime type)`` to offer for download: the one file, or a ZIP of all."""
    mimes = {
        ".csv": "text/csv",
        ".zip": "application/zip",
        ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
    paths = [Path(f.path) for f in result.files]
    if len(paths) == 1:
        return (
            paths[0].name,
            paths[0].read_bytes(),
            mimes.get(paths[0].suffix, "application/octet-stream"),
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for p in paths:
            archive.write(p, p.name)
    return f"{paths[0].stem}-export.zip", buffer.getvalue(), "application/zip"

"""What a file is, told by its bytes: its format, binary content posing as text, its checksum.

:func:`check_file` says which reader a file needs (text, excel, parquet, json) and refuses what
is not what its name says; :func:`place` puts a file in the workspace's inbox; :class:`Source`
is a file ready to load.

>>> check_text_head(b"id,amount", "ok.csv")
>>> check_text_head(b"%PDF-1.4", "report.csv")
Traceback (most recent call last):
...
segmentation.errors.IngestError: report.csv: this is a PDF document (binary data), not text. Load the data file itself.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IngestError

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".dat", ".csv.gz", ".tsv.gz", ".txt.gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
SUPPORTED = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES
MAX_LINE_MB = 2  # longest line read (DuckDB's default; longer values are refused clearly)
MAGIC = {
    b"PK\x03\x04": "a ZIP archive (or an Excel workbook)",
    b"\x89PNG": "a PNG image",
    b"%PDF": "a PDF document",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"PAR1": "a Parquet file",
    b"\x1f\x8b": "a gzip archive",
    b"\xd0\xcf\x11\xe0": "an old-style Office file (.xls)",
    b"SQLite format 3": "an SQLite database",
    b"\x7fELF": "a program",
}


@dataclass
class Source:
    """A file ready to load: the FROM item the workspace reads it with (fixed SQL, bound
    parameters; the file lies in the inbox), and the one its sample is read from."""

    sql: str
    params: list[Any]
    sample_sql: str | None = None  # where the sample is drawn from, if not from ``sql``
    sample_params: list[Any] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    rejects: bool = False  # malformed lines are recorded in reject_errors
    arrow: Any = None  # an Arrow table registered as ``sql`` (Excel)


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in blocks so large files use little memory.

    >>> file_sha256("README.md")  # doctest: +SKIP
    '3f5a...'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def check_file(path: Path, shown: str, encoding: str | None = None) -> str:
    if not path.is_file():
        raise IngestError(f"{shown}: no such file. Check the path.")
    size = path.stat().st_size
    if size == 0:
        raise IngestError(f"{shown}: the file is empty. Export the data again and retry.")
    # No size limit on a file on this machine (the CLI): the load streams through DuckDB,
    # which spills to disk rather than run out of memory. Uploads have one (ingest_upload).
    lower = shown.lower()
    fmt = next(
        (
            kind
            for kind, suffixes in (
                ("text", TEXT_SUFFIXES),
                ("excel", EXCEL_SUFFIXES),
                ("parquet", PARQUET_SUFFIXES),
                ("json", JSON_SUFFIXES),
            )
            if lower.endswith(suffixes)
        ),
        None,
    )
    if fmt is None:
        raise IngestError(
            f"{shown}: unsupported file type. Load a CSV, TSV or TXT, Excel (.xlsx), Parquet or "
            "JSON file."
        )
    with path.open("rb") as fh:
        head = fh.read(65536)
    looks = next((what for magic, what in MAGIC.items() if head.startswith(magic)), None)
    expected = {"excel": b"PK\x03\x04", "parquet": b"PAR1"}.get(fmt)
    if lower.endswith(".gz"):
        expected = b"\x1f\x8b"
    if expected and not head.startswith(expected):
        raise IngestError(
            f"{shown}: the file is not a valid {fmt.capitalize()} file "
            f"({looks or 'its content does not match'}). Check the file."
        )
    if not expected and looks:
        raise IngestError(
            f"{shown}: this is {looks}, not a {fmt.upper()} file. Load the data "
            "file itself, or give the file its right extension."
        )
    if fmt in ("text", "json") and not lower.endswith(".gz"):
        check_text_head(head, shown, encoding)
    return fmt


def check_text_head(head: bytes, shown: str, encoding: str | None = None) -> None:
    """Refuse binary content and blank files (the start of a text file, or of what a .gz holds)."""
    looks = next((what for magic, what in MAGIC.items() if head.startswith(magic)), None)
    if looks:
        raise IngestError(
            f"{shown}: this is {looks} (binary data), not text. Load the data file itself."
        )
    utf16 = encoding == "utf-16" or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and (head.count(b"\x00") > 0 or _control_share(head) > 0.05):
        raise IngestError(
            f"{shown}: the file holds binary data, not text. Check that you "
            "picked the data file, exported as CSV or JSON."
        )
    if not head.replace(b"\x00", b"").strip(b" \t\r\n\xef\xbb\xbf\xff\xfe"):
        raise IngestError(f"{shown}: the file has only blank lines. Export the data again.")


def _control_share(head: bytes) -> float:
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    return controls / max(len(head), 1)


def first_line(exc: BaseException, shown: str = "the file") -> str:
    """The useful part of a reader's error, with file paths replaced by the user's file name."""
    text = str(exc).strip()
    if "Maximum line size" in text:
        return f"a line is longer than {MAX_LINE_MB} MB"
    lines = text.splitlines()
    first = lines[0][:300] if lines else type(exc).__name__
    return re.sub(r"""["']?(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]*["']?""", shown, first)


def place(path: Path, folder: Path) -> Path:
    """The file inside the inbox, where the workspace may read it: a hard link (instant) when
    the file system allows one, else a copy."""
    if path.parent == folder:
        return path
    target = folder / ("source" + "".join(path.suffixes[-2:]).lower())
    try:
        os.link(path, target)
    except OSError:
        shutil.copyfile(path, target)
    return target

"""Loading a user's file (CSV/TSV/TXT, Excel, Parquet, JSON) into a workspace table.

The file is checked (size, what it really is, encoding) and placed in the workspace's private
inbox (a hard link where possible). A sample of its rows, drawn from across the file, decides the
column types (:mod:`segmentation.coltypes`) and roles (:mod:`segmentation.roles`); then DuckDB
reads the file once, straight into the typed table, counting the values that did not convert on
the way; a quality report (:mod:`segmentation.quality`) follows. All of it runs in one
transaction: a load either completes or leaves the workspace exactly as it was.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> info = ingest_file(ws, "../shared/data/mall_customers/Mall_Customers.csv")  # doctest: +SKIP
>>> info.name, info.rows, info.kind  # doctest: +SKIP
('mall_customers', 200, 'customers')
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ..errors import FileError, IngestError, InvalidParameterError, QueryError, SegmentationError
from ..workspace.connection import (
    ColumnInfo,
    TableInfo,
    Workspace,
    quote_ident,
    safe_table_name,
)
from . import coltypes, quality, roles
from .files import file_sha256

MAX_UPLOAD_MB = 1024  # uploads only; also .streamlit/config.toml server.maxUploadSize
TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".dat", ".csv.gz", ".tsv.gz", ".txt.gz")
EXCEL_SUFFIXES = (".xlsx", ".xlsm")
PARQUET_SUFFIXES = (".parquet", ".pq")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")
SUPPORTED = TEXT_SUFFIXES + EXCEL_SUFFIXES + PARQUET_SUFFIXES + JSON_SUFFIXES
DELIMITERS = {
    ",": ",",
    "comma": ",",
    ";": ";",
    "semicolon": ";",
    "\t": "\t",
    "\\t": "\t",
    "tab": "\t",
    "|": "|",
    "pipe": "|",
    "whitespace": "whitespace",
    " ": "whitespace",
    "space": "whitespace",
}
ENCODINGS = {
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "latin-1": "latin-1",
    "latin1": "latin-1",
    "iso-8859-1": "latin-1",
    "cp1252": "cp1252",
    "windows-1252": "cp1252",
    "utf-16": "utf-16",
}
SPREAD_SAMPLE_MB = 16  # above this, text files are sampled in chunks from across the file
_SAMPLE_CHUNKS = 20
MAX_LINE_MB = 2  # longest line read (DuckDB's default; longer values are refused clearly)
_MAGIC = {
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

Progress = Callable[[float, str], None]


@dataclass
class _Source:
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


def ingest_file(
    ws: Workspace,
    path: str | Path,
    *,
    table: str | None = None,
    replace: bool = False,
    delimiter: str | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    source_name: str | None = None,
    progress: Progress | None = None,
) -> TableInfo:
    """Load one file into a new workspace table and return what was loaded.

    ``source_name`` is the name the user knows the file by (an upload's name); the table name
    is made from it unless ``table`` is given. Raises :class:`IngestError` (and changes nothing)
    when the file cannot be loaded.
    """
    path = Path(path)
    shown = source_name or path.name
    report = progress or (lambda _f, _m: None)
    delimiter = _check_choice("delimiter", delimiter, DELIMITERS)
    encoding = _check_choice("encoding", encoding, ENCODINGS)
    fmt = _check_file(path, shown, encoding)
    if date_format is not None and "%" not in date_format:
        raise InvalidParameterError(
            f"The 'date_format' parameter must be a strptime format such as %d/%m/%Y. "
            f"Got {date_format!r} instead."
        )
    name = ws.check_new_name(table or safe_table_name(shown), replace=replace)
    report(0.02, f"Checking {shown}")
    with (
        ThreadPoolExecutor(1, thread_name_prefix="segment-sha") as pool,
        tempfile.TemporaryDirectory(prefix="load-", dir=ws.inbox) as tmp,
    ):
        sha = pool.submit(file_sha256, path)  # hashed while the file loads
        try:
            source = _open(ws, fmt, path, shown, Path(tmp), delimiter, encoding)
            info = _load(ws, source, name, replace, date_format, shown, sha.result, report)
        except (duckdb.Error, QueryError, FileError) as exc:  # the last two: translated
            cause = exc if isinstance(exc, duckdb.Error) else exc.__cause__ or exc
            raise IngestError(
                f"{shown}: the file could not be read ({_first_line(cause, shown)}). "
                "Check that it is a complete, valid file of its type."
            ) from exc
        except SegmentationError:
            raise
        except (OSError, ValueError, UnicodeError) as exc:
            raise IngestError(
                f"{shown}: the file could not be read ({_first_line(exc, shown)}). "
                "Check that it is a complete, valid file of its type."
            ) from exc
    report(1.0, f"Loaded {info.rows:,} rows into {info.name}")
    return info


# -- checking the file ---------------------------------------------------------------------
def _check_file(path: Path, shown: str, encoding: str | None = None) -> str:
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
    looks = next((what for magic, what in _MAGIC.items() if head.startswith(magic)), None)
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
        _check_text_head(head, shown, encoding)
    return fmt


def _check_text_head(head: bytes, shown: str, encoding: str | None = None) -> None:
    """Refuse binary content and blank files (the start of a text file, or of what a .gz holds)."""
    looks = next((what for magic, what in _MAGIC.items() if head.startswith(magic)), None)
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


def _check_choice(param: str, value: str | None, choices: dict[str, str]) -> str | None:
    if value is None:
        return None
    key = value.lower() if value.strip() else value
    if key not in choices:
        allowed = ", ".join(sorted({k for k in choices if k.isalpha() or k in ",;|"}))
        raise InvalidParameterError(
            f"The {param!r} parameter must be one of {allowed}. Got {value!r} instead."
        )
    return choices[key]


def _first_line(exc: BaseException, shown: str = "the file") -> str:
    """The useful part of a reader's error, with file paths replaced by the user's file name."""
    text = str(exc).strip()
    if "Maximum line size" in text:
        return f"a line is longer than {MAX_LINE_MB} MB"
    lines = text.splitlines()
    first = lines[0][:300] if lines else type(exc).__name__
    return re.sub(r"""["']?(?<![\w.])/(?:[\w.+-]+/)+[\w.+-]*["']?""", shown, first)


# -- opening sources -----------------------------------------------------------------------
def _open(ws: Workspace, fmt: str, path: Path, shown: str, tmp: Path, delimiter, encoding):
    if fmt == "text":
        return _open_text(ws, path, shown, tmp, delimiter, encoding)
    if fmt == "excel":
        return _open_excel(path, shown)
    if fmt == "json":
        path = _without_bom(path, tmp)
    path = _place(path, tmp)
    sql = "read_parquet(?)" if fmt == "parquet" else "read_json(?, format = 'auto')"
    cur = ws.cursor()
    try:
        cur.execute(f"DESCRIBE SELECT * FROM {sql}", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise IngestError(
            f"{shown}: not a valid {fmt.capitalize()} file ({_first_line(exc, shown)}). "
            "Export it again, or load it as CSV."
        ) from exc
    finally:
        cur.close()
    return _Source(sql, [str(path)], options={"format": fmt})


def _place(path: Path, folder: Path) -> Path:
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


def _without_bom(path: Path, tmp: Path) -> Path:
    """A UTF-8 copy without the byte-order mark, which DuckDB's JSON reader does not skip."""
    with path.open("rb") as fh:
        head = fh.read(4)
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            plain = tmp / "plain.json"
            with path.open(encoding=encoding) as src, plain.open("w", encoding="utf-8") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
            return plain
    return path


def _detect_encoding(path: Path, shown: str, forced: str | None) -> tuple[str, int]:
    """'utf-8', 'utf-8-sig', 'utf-16', 'cp1252' or 'latin-1' (checked over the whole file), and
    the number of double quotes in the file's bytes, counted in the same pass (-1: not counted,
    as in UTF-16, where the byte of a quote can be half of another character)."""
    with path.open("rb") as fh:
        head = fh.read(4)
    if forced == "utf-16" and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16-be" if head[:1] == b"\x00" else "utf-16-le"  # no BOM: tell by the zeros
    elif forced:
        enc = forced
    elif head.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        for enc in ("utf-8", "cp1252"):
            quotes = _decodes(path, enc)
            if quotes is not None:
                return enc, quotes
        return "latin-1", -1  # Latin-1 decodes any bytes
    quotes = _decodes(path, enc)
    if quotes is None:
        raise IngestError(
            f"{shown}: the file is not valid {enc} text. Load it again with another encoding "
            "(--encoding cp1252 or latin-1, or the Encoding option on the Data page)."
        )
    return enc, -1 if enc.startswith("utf-16") else quotes


def _decodes(path: Path, encoding: str) -> int | None:
    """The count of '"' bytes if the whole file decodes, else None."""
    decoder = codecs.getincrementaldecoder(encoding)()
    quotes = 0
    try:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 22), b""):
                if not (chunk.isascii() and not decoder.getstate()[0]):  # ASCII: nothing to check
                    decoder.decode(chunk)
                if b'"' in chunk:  # a fast search; counting is slower
                    quotes += chunk.count(b'"')
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return quotes


def _open_text(ws: Workspace, path: Path, shown: str, tmp: Path, delimiter, encoding) -> _Source:
    options: dict[str, Any] = {"format": "text"}
    warnings: list[str] = []
    if path.name.lower().endswith(".gz") or shown.lower().endswith(".gz"):
        plain = tmp / "unzipped.txt"
        import gzip

        try:
            with gzip.open(path, "rb") as src, plain.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        except (OSError, EOFError) as exc:
            raise IngestError(
                f"{shown}: the gzip archive is damaged ({exc}). Download or export it again."
            ) from exc
        with plain.open("rb") as fh:
            _check_text_head(fh.read(65536), shown, encoding)
        path = plain
    enc, quotes = _detect_encoding(path, shown, encoding)
    options["encoding"] = enc
    if enc not in ("utf-8", "utf-8-sig"):
        utf8 = tmp / "utf8.txt"
        with (
            path.open(encoding=enc, newline="") as src,
            utf8.open("w", encoding="utf-8", newline="") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 20)
        path = utf8
    path = _place(path, tmp)
    lines = _head_lines(path, 60)
    if not lines:
        raise IngestError(f"{shown}: the file has only blank lines. Export the data again.")
    reader = ws.cursor()
    try:
        sniff = _sniff(reader, path, delimiter, shown)
        if delimiter is None and sniff["delim"] not in lines[0]:
            # DuckDB's sniffer gives up on files with many ragged lines: trust the header.
            counts = {d: lines[0].count(d) for d in (",", ";", "\t", "|")}
            best = max(counts, key=counts.get)
            if counts[best]:
                try:
                    sniff = _sniff(reader, path, best, shown)
                except IngestError:
                    sniff = {"delim": best, "quote": '"', "escape": '"', "header": True}
    finally:
        reader.close()
    if delimiter == "whitespace" or (delimiter is None and _whitespace_aligned(lines, sniff)):
        path, sniff = (
            _normalize_whitespace(path, tmp),
            {"delim": "\t", "quote": "", "escape": "", "header": _header_like(lines)},
        )
        lines = _head_lines(path, 60)
        options["delimiter"] = "whitespace"
    else:
        options["delimiter"] = sniff["delim"]
    names, renamed = _column_names(path, sniff)
    warnings += renamed
    quote = sniff["quote"] or '"'
    if options["delimiter"] != "whitespace" and (
        quotes % 2 == 1 if quote == '"' and quotes >= 0 else _odd_count(path, quote)
    ):
        warnings.append(
            "The file has an odd number of quote characters: its last field is not closed, so "
            "the file may have been cut short. Check its last rows."
        )
    options["header"] = sniff["header"]
    if len(lines) < 2 and sniff["header"]:
        raise IngestError(
            f"{shown}: the file has a header but no data rows. Export the data again with its rows."
        )
    settings = [sniff["delim"], sniff["quote"] or "", sniff["escape"] or "", sniff["header"], names]
    read = (
        "read_csv(?, delim = ?, quote = ?, escape = ?, header = ?, names = ?, "
        "all_varchar = true, ignore_errors = true, {rejects}"
        f"null_padding = false, auto_detect = true, max_line_size = {MAX_LINE_MB * 2**20})"
    )
    source = _Source(
        read.format(rejects="store_rejects = true, "),
        [str(path), *settings],
        options=options,
        warnings=warnings,
        rejects=True,
    )
    # The sample's read records no rejects (the full read counts them); a large file is
    # sampled in runs of lines from across it rather than read twice.
    if path.stat().st_size > SPREAD_SAMPLE_MB * 2**20:
        path = _spread_sample(path, tmp / "sample.txt", coltypes.SAMPLE_ROWS)
    source.sample_sql, source.sample_params = read.format(rejects=""), [str(path), *settings]
    return source


def _spread_sample(path: Path, out: Path, rows: int, chunks: int | None = None) -> Path:
    """About ``rows`` whole lines of a large text file: the first lines (with the header) and
    equal runs of lines from evenly spaced places across the file.

    A run that starts inside a quoted field that spans lines may give a malformed line or two,
    which the sample's reader skips; types are then chosen from the rest.
    """
    chunks = chunks or _SAMPLE_CHUNKS
    size, per = path.stat().st_size, max(rows // chunks, 1)
    with path.open("rb") as src, out.open("wb") as dst:
        for i in range(chunks):
            src.seek(size * i // chunks)
            if i:
                src.readline()  # the rest of a line cut by the seek
            for _ in range(per):
                line = src.readline()
                if not line:
                    break
                dst.write(line if line.endswith(b"\n") else line + b"\n")
    return out


def _head_lines(path: Path, n: int) -> list[str]:
    out = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for line in fh:
            if line.strip():
                out.append(line.rstrip("\r\n"))
                if len(out) >= n:
                    break
    return out


def _sniff(reader, path: Path, delimiter: str | None, shown: str) -> dict[str, Any]:
    args = "?" + (", delim = ?" if delimiter and delimiter != "whitespace" else "")
    params = [str(path)] + ([delimiter] if delimiter and delimiter != "whitespace" else [])
    try:
        row = reader.execute(
            f"SELECT Delimiter, Quote, Escape, HasHeader FROM sniff_csv({args}, "
            f"sample_size = 20480, max_line_size = {MAX_LINE_MB * 2**20})",
            params,
        ).fetchall()[0]
    except duckdb.Error as exc:
        reason = _first_line(exc, shown)
        advice = (
            "Split long values, or export the data again."
            if "longer than" in reason
            else "Check the delimiter (--delimiter)."
        )
        raise IngestError(
            f"{shown}: the file could not be read as delimited text ({reason}). {advice}"
        ) from exc
    clean = [("" if v == "(empty)" else v) for v in row[:3]]
    return {"delim": clean[0] or ",", "quote": clean[1], "escape": clean[2], "header": bool(row[3])}


def _odd_count(path: Path, char: str) -> bool:
    """Whether a character occurs an odd number of times in the file (an unclosed quote)."""
    target, count = char.encode("utf-8"), 0
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            count += chunk.count(target)
    return count % 2 == 1


def _whitespace_aligned(lines: list[str], sniff: dict[str, Any]) -> bool:
    """Columns padded with spaces (like CDNOW): DuckDB sees one column, spaces split many."""
    if sniff["delim"] not in (",", " ") or any(
        sniff["delim"] in line for line in lines[:20] if sniff["delim"] == ","
    ):
        return False
    counts = [len(line.split()) for line in lines]
    common = max(set(counts), key=counts.count)
    return common > 1 and counts.count(common) >= 0.9 * len(counts)


def _header_like(lines: list[str]) -> bool:
    def numeric(token: str) -> bool:
        return bool(re.fullmatch(r"[+-]?\d+([.,]\d+)?", token))

    return not any(numeric(t) for t in lines[0].split()) and (
        len(lines) < 2 or any(numeric(t) for t in lines[1].split())
    )


def _normalize_whitespace(path: Path, tmp: Path) -> Path:
    out = tmp / "aligned.tsv"
    with path.open(encoding="utf-8-sig", newline="") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            tokens = line.split()
            if tokens:
                dst.write("\t".join(tokens) + "\n")
    return out


def _column_names(path: Path, sniff: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The header's names (the first record, which may span lines inside quotes), made unique."""
    csv.field_size_limit(MAX_LINE_MB * 2**20)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        records = csv.reader(fh, delimiter=sniff["delim"], quotechar=sniff["quote"] or '"')
        first = next((r for r in records if any(c.strip() for c in r)), [])
    if not sniff["header"]:
        return [f"column_{i + 1}" for i in range(len(first))], []
    return unique_names([c.strip() for c in first])


def unique_names(raw: list[str]) -> tuple[list[str], list[str]]:
    """Make column names unique (DuckDB names ignore case): amount, amount_2. Returns warnings.

    >>> unique_names(["amount", "Amount", ""])
    (['amount', 'Amount_2', 'column_3'], ["Column name 'Amount' appears twice; the second is now 'Amount_2'."])
    """
    seen: set[str] = set()
    names, warnings = [], []
    for i, name in enumerate(raw):
        base = name or f"column_{i + 1}"
        candidate, n = base, 2
        while candidate.lower() in seen:
            candidate, n = f"{base}_{n}", n + 1
        if candidate != base and name:
            warnings.append(f"Column name {name!r} appears twice; the second is now {candidate!r}.")
        seen.add(candidate.lower())
        names.append(candidate)
    return names, warnings


def _open_excel(path: Path, shown: str) -> _Source:
    import pandas as pd
    import pyarrow as pa

    try:
        book = pd.ExcelFile(path, engine="calamine")
        sheets = book.sheet_names
        frame = pd.read_excel(book, sheet_name=sheets[0], header=None, dtype=str)
    except Exception as exc:  # the Excel readers raise many kinds of errors
        raise IngestError(
            f"{shown}: not a valid Excel workbook ({_first_line(exc, shown)}). Open it in "
            "Excel and save it again as .xlsx, or export it as CSV."
        ) from exc
    frame = frame.dropna(how="all").dropna(axis=1, how="all")
    if len(frame) < 2:
        raise IngestError(
            f"{shown}: the first sheet {sheets[0]!r} has no data rows under its "
            "header. Put the data on the first sheet."
        )
    names, warnings = unique_names(
        [str(v).strip() if isinstance(v, str) else "" for v in frame.iloc[0].tolist()]
    )
    body = frame.iloc[1:]
    arrays = [
        pa.array(body[c].where(body[c].notna(), None).tolist(), type=pa.string())
        for c in body.columns
    ]
    arrow = pa.table(arrays, names=names)
    if len(sheets) > 1:
        warnings.append(
            f"Only the first sheet ({sheets[0]!r}) was loaded; {len(sheets) - 1} other "
            "sheet(s) were left out."
        )
    options = {"format": "excel", "sheet": sheets[0]}
    return _Source("__excel", [], options=options, warnings=warnings, arrow=arrow)


# -- loading into the workspace ------------------------------------------------------------
def _load(
    ws: Workspace,
    source: _Source,
    name: str,
    replace: bool,
    date_format: str | None,
    shown: str,
    sha: Callable[[], str],
    report: Progress,
) -> TableInfo:
    with ws.transaction(loader=True) as cur:
        if source.arrow is not None:
            cur.register(source.sql, source.arrow)
        try:
            info = _load_in(ws, cur, source, name, replace, date_format, shown, sha, report)
            if source.rejects:  # temporary tables of the loader; a rollback removes them too
                cur.execute("DROP TABLE IF EXISTS reject_errors")
                cur.execute("DROP TABLE IF EXISTS reject_scans")
            return info
        finally:
            if source.arrow is not None:
                cur.unregister(source.sql)


def _load_in(ws, cur, source, name, replace, date_format, shown, sha, report) -> TableInfo:
    report(0.04, f"Choosing column types for {shown}")
    sample = _sample(cur, source)
    plans = coltypes.plan_columns(
        cur, sample, date_format=date_format, decimal_comma=source.options.get("delimiter") == ";"
    )
    facts = quality.column_facts(cur, sample, plans)
    cur.execute(f"DROP TABLE {sample}")
    guessed, plans = _with_roles(plans, facts)
    warnings = list(source.warnings)
    if replace:
        cur.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    unparseable = _read(ws, cur, source, name, plans, f"Reading {shown}", report)
    misjudged = _misjudged(cur, name, plans, unparseable)
    if misjudged:  # the sample missed what the whole file holds: those columns stay text
        warnings += [
            f"Column {col!r} looked like {_type_word(plans, col)} in a sample of the file, but "
            f"{n:,} of its values are not: it was kept as text."
            for col, n in misjudged.items()
        ]
        cur.execute(f"DROP TABLE {quote_ident(name)}")
        if source.rejects:  # the second read records the malformed lines again
            cur.execute("DROP TABLE IF EXISTS reject_errors")
            cur.execute("DROP TABLE IF EXISTS reject_scans")
        facts = [
            dataclasses.replace(f, type="VARCHAR") if f.name in misjudged else f for f in facts
        ]
        plans = [coltypes.text_plan(p.name) if p.name in misjudged else p for p in plans]
        guessed, plans = _with_roles(plans, facts)
        unparseable = _read(ws, cur, source, name, plans, f"Reading {shown} again", report)
    warnings += [p.note for p in plans if p.note]
    if source.rejects:
        skipped, lines = _rejected_lines(cur)
        if skipped:
            warnings.append(
                f"{skipped:,} malformed line(s) were skipped (wrong number of fields or "
                f"broken quotes), e.g. line(s) {', '.join(map(str, lines[:5]))}."
            )
    rows = cur.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchall()[0][0]
    if rows == 0:
        advice = (
            "Check the delimiter and that the file has rows under its header."
            if source.options.get("format") == "text"
            else "Export the data again with its records."
        )
        raise IngestError(f"{shown}: no data rows could be read. {advice}")
    warnings += [
        f"{n:,} value(s) in column {col!r} could not be read as "
        f"{_type_word(plans, col)} and were left empty."
        for col, n in unparseable.items()
    ]
    columns = [ColumnInfo(p.name, p.type, guessed[p.name]) for p in plans]
    report(0.9, "Checking quality")
    kind = quality.guess_kind(cur, name, columns)
    report_ = quality.quality_report(cur, name, columns, unparseable)
    options = dict(
        source.options,
        date_formats={p.name: p.date_format for p in plans if p.date_format},
        text_clean=True,  # every text value trimmed, '' stored as NULL: readers need not trim
    )
    info = TableInfo(
        name=name,
        kind=kind,
        rows=rows,
        columns=columns,
        source_file=shown,
        source_sha256=sha(),
        loaded_at=datetime.now(),
        quality=report_,
        warnings=warnings,
        options=options,
    )
    ws.register_table(cur, info)
    return info


def _with_roles(plans, facts) -> tuple[dict[str, str], list[coltypes.ColumnPlan]]:
    """Roles guessed from the sample's facts; identifiers and personal fields keep their text."""
    guessed = roles.guess_roles(facts)
    return guessed, [
        coltypes.as_text_id(p, f.whole_floats) if guessed[p.name] in roles.TEXT_ROLES else p
        for p, f in zip(plans, facts, strict=True)
    ]


def _read(ws, cur, source, name, plans, what: str, report: Progress) -> dict[str, int]:
    """Create the table from the source in one statement; the conversion failures per column."""
    sql, failed = coltypes.load_sql(plans, source.sql)
    ws.run_with_progress(
        cur,
        f"CREATE TABLE {quote_ident(name)} AS {sql}",
        source.params,
        lambda done: report(0.06 + 0.8 * done, f"{what}: {done:.0%}"),
    )
    return _failures(cur, name, failed)


def _misjudged(cur, name: str, plans, unparseable: dict[str, int]) -> dict[str, int]:
    """Converted columns whose failures break the sample's rule over the whole file: more than
    2% (1 - MIN_SHARE) of their values did not convert."""
    if not unparseable:
        return {}
    cols = list(unparseable)
    loaded = cur.execute(
        "SELECT "
        + ", ".join(f"count({quote_ident(c)})" for c in cols)
        + f" FROM {quote_ident(name)}"
    ).fetchall()[0]
    return {
        c: unparseable[c]
        for c, ok in zip(cols, loaded, strict=True)
        if unparseable[c] > (1 - coltypes.MIN_SHARE) * (ok + unparseable[c])
    }


def _sample(cur: duckdb.DuckDBPyConnection, source: _Source) -> str:
    """A temporary sample of the source's rows, which type and role guessing read."""
    sql, params = source.sample_sql or source.sql, source.sample_params or source.params
    cur.execute(
        f"CREATE OR REPLACE TEMP TABLE __sample AS SELECT * FROM {sql} "
        f"USING SAMPLE {coltypes.SAMPLE_ROWS} ROWS (reservoir, 42)",
        params,
    )
    return "__sample"


def _failures(cur: duckdb.DuckDBPyConnection, table: str, failed: dict[str, str]) -> dict[str, int]:
    """Count the flags the load wrote for values that did not convert, then drop them."""
    if not failed:
        return {}
    t = quote_ident(table)
    flagged = " OR ".join(f"{quote_ident(flag)} IS NOT NULL" for flag in failed)
    counts = cur.execute(
        "SELECT "
        + ", ".join(coltypes.failures_sql(flag) for flag in failed)
        + f" FROM {t} WHERE {flagged}"
    ).fetchall()[0]
    for flag in failed:
        cur.execute(f"ALTER TABLE {t} DROP COLUMN {quote_ident(flag)}")
    return {col: int(n) for col, n in zip(failed.values(), counts, strict=True) if n}


def _rejected_lines(cur: duckdb.DuckDBPyConnection) -> tuple[int, list[int]]:
    """How many lines the reader skipped as malformed, and the first ten line numbers."""
    rows = cur.execute(
        "SELECT count(DISTINCT line), list(DISTINCT line ORDER BY line)[1:10] FROM reject_errors"
    ).fetchall()[0]
    return int(rows[0]), list(rows[1] or [])


def _type_word(plans: list[coltypes.ColumnPlan], col: str) -> str:
    plan = next(p for p in plans if p.name == col)
    if plan.type in ("DATE", "TIMESTAMP"):
        return f"a date ({plan.date_format})"
    return "a number"


def update_roles(
    ws: Workspace, name: str, new_roles: dict[str, str], kind: str | None = None
) -> TableInfo:
    """Change roles (column -> role, other columns keep theirs) and/or the kind of a table.

    The quality report is refreshed, as returns and missing ids depend on the roles.
    """
    info = ws.table(name)
    merged = {c.name: c.role for c in info.columns} | dict(new_roles)
    full = roles.check_roles(merged, [c.name for c in info.columns])
    columns = [dataclasses.replace(c, role=full[c.name]) for c in info.columns]
    cur = ws.cursor()
    try:
        fresh = quality.quality_report(cur, name, columns, info.quality.get("unparseable", {}))
    finally:
        cur.close()
    return ws.update_table(name, columns=columns, kind=kind, quality=fresh)


def ingest_upload(ws: Workspace, data: Any, name: str, **options: Any) -> TableInfo:
    """Load an uploaded file (bytes or a binary file object) known to the user as ``name``.

    The bytes are written to a private temporary folder, loaded, and removed. Takes the same
    options as :func:`ingest_file`.
    """
    size = getattr(data, "size", None) or (len(data) if isinstance(data, bytes | bytearray) else 0)
    if size > MAX_UPLOAD_MB * 1024 * 1024:
        raise IngestError(
            f"{name}: the file is {size / 2**20:,.0f} MB, over the "
            f"{MAX_UPLOAD_MB:,} MB limit. Split it, or convert it to Parquet."
        )
    suffix = (
        "".join(Path(name).suffixes[-2:]) if name.lower().endswith(".gz") else Path(name).suffix
    )
    with tempfile.TemporaryDirectory(prefix="upload-", dir=ws.inbox) as folder:
        target = Path(folder) / f"upload{suffix.lower()}"
        with target.open("wb") as out:
            if isinstance(data, bytes | bytearray):
                out.write(data)
            else:
                if hasattr(data, "seek"):
                    data.seek(0)
                shutil.copyfileobj(data, out, 1 << 20)
        return ingest_file(ws, target, source_name=name, **options)

"""Reading text files: encodings, dialects (delimiter, quotes, header), and a sample of rows.

:func:`open_text` turns a CSV/TSV/TXT file (or a .gz of one) into a :class:`~.files.Source`
DuckDB reads: the encoding is detected over the whole file (and the file re-encoded as UTF-8
when needed), the dialect sniffed, whitespace-aligned columns normalised, the header's names
made unique; a large file's sample is drawn in runs of lines from across it.

>>> unique_names(["amount", "Amount", ""])[0]
['amount', 'Amount_2', 'column_3']
"""

from __future__ import annotations

import codecs
import csv
import gzip
import re
import shutil
from pathlib import Path
from typing import Any

import duckdb

from ..errors import IngestError
from ..workspace import Workspace
from . import coltypes
from .files import MAX_LINE_MB, Source, check_text_head, first_line, place

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


def open_text(ws: Workspace, path: Path, shown: str, tmp: Path, delimiter, encoding) -> Source:
    """A text file ready to load: unzipped, in UTF-8, in the inbox, with its dialect sniffed."""
    options: dict[str, Any] = {"format": "text"}
    warnings: list[str] = []
    if path.name.lower().endswith(".gz") or shown.lower().endswith(".gz"):
        path = _gunzip(path, shown, tmp, encoding)
    enc, quotes = _detect_encoding(path, shown, encoding)
    options["encoding"] = enc
    path = place(_as_utf8(path, enc, tmp), tmp)
    lines = _head_lines(path, 60)
    if not lines:
        raise IngestError(f"{shown}: the file has only blank lines. Export the data again.")
    sniff = _dialect(ws, path, lines, delimiter, shown)
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
    if options["delimiter"] != "whitespace" and _unclosed_quote(path, sniff, quotes):
        warnings.append(
            "The file has an odd number of quote characters: its last field is not closed, so "
            "the file may have been cut short. Check its last rows."
        )
    options["header"] = sniff["header"]
    if len(lines) < 2 and sniff["header"]:
        raise IngestError(
            f"{shown}: the file has a header but no data rows. Export the data again with its rows."
        )
    return _text_source(path, tmp, sniff, names, options, warnings)


def _gunzip(path: Path, shown: str, tmp: Path, encoding: str | None) -> Path:
    """The text a .gz file holds, unzipped into ``tmp`` and checked to be text."""
    plain = tmp / "unzipped.txt"
    try:
        with gzip.open(path, "rb") as src, plain.open("wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    except (OSError, EOFError) as exc:
        raise IngestError(
            f"{shown}: the gzip archive is damaged ({exc}). Download or export it again."
        ) from exc
    with plain.open("rb") as fh:
        check_text_head(fh.read(65536), shown, encoding)
    return plain


def _as_utf8(path: Path, enc: str, tmp: Path) -> Path:
    """The file itself when it is UTF-8, else a UTF-8 copy of it in ``tmp``."""
    if enc in ("utf-8", "utf-8-sig"):
        return path
    utf8 = tmp / "utf8.txt"
    with (
        path.open(encoding=enc, newline="") as src,
        utf8.open("w", encoding="utf-8", newline="") as dst,
    ):
        shutil.copyfileobj(src, dst, 1 << 20)
    return utf8


def _dialect(ws: Workspace, path: Path, lines: list[str], delimiter, shown: str) -> dict[str, Any]:
    """DuckDB's sniffed dialect; when it misses the header's delimiter, the header's own."""
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
    return sniff


def _unclosed_quote(path: Path, sniff: dict[str, Any], quotes: int) -> bool:
    """Whether the quote character occurs an odd number of times (counted already, or now)."""
    quote = sniff["quote"] or '"'
    return quotes % 2 == 1 if quote == '"' and quotes >= 0 else _odd_count(path, quote)


def _text_source(path: Path, tmp: Path, sniff, names, options, warnings) -> Source:
    """The reader of the whole file (recording malformed lines) and of its sample."""
    settings = [sniff["delim"], sniff["quote"] or "", sniff["escape"] or "", sniff["header"], names]
    read = (
        "read_csv(?, delim = ?, quote = ?, escape = ?, header = ?, names = ?, "
        "all_varchar = true, ignore_errors = true, {rejects}"
        f"null_padding = false, auto_detect = true, max_line_size = {MAX_LINE_MB * 2**20})"
    )
    source = Source(
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


def without_bom(path: Path, tmp: Path) -> Path:
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
        reason = first_line(exc, shown)
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

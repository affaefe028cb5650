"""Loading a user's file (CSV/TSV/TXT, Excel, Parquet, JSON) into a workspace table.

The file is checked (size, what it really is, encoding: :mod:`.files`) and placed in the
workspace's private inbox (a hard link where possible); text files are opened by :mod:`.text`,
workbooks by :mod:`.excel`. A sample of its rows, drawn from across the file, decides the column
types (:mod:`.coltypes`) and roles (:mod:`.roles`); then DuckDB reads the file once, straight
into the typed table, counting the values that did not convert on the way; a quality report
(:mod:`.quality`) follows. All of it runs in one transaction: a load either completes or leaves
the workspace exactly as it was.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> info = ingest_file(ws, "../shared/data/mall_customers/Mall_Customers.csv")  # doctest: +SKIP
>>> info.name, info.rows, info.kind  # doctest: +SKIP
('mall_customers', 200, 'customers')
"""

from __future__ import annotations

import dataclasses
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb

from ..errors import FileError, IngestError, InvalidParameterError, QueryError, SegmentationError
from ..progress import Progress, reporter
from ..workspace import (
    ColumnInfo,
    TableInfo,
    Workspace,
    quote_ident,
    safe_table_name,
)
from . import coltypes, quality, roles
from .excel import open_excel
from .files import Source, check_file, file_sha256, first_line, place
from .text import DELIMITERS, ENCODINGS, open_text, without_bom

MAX_UPLOAD_MB = 1024  # uploads only; also .streamlit/config.toml server.maxUploadSize


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
    report = reporter(progress)
    delimiter = _check_choice("delimiter", delimiter, DELIMITERS)
    encoding = _check_choice("encoding", encoding, ENCODINGS)
    fmt = check_file(path, shown, encoding)
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
                f"{shown}: the file could not be read ({first_line(cause, shown)}). "
                "Check that it is a complete, valid file of its type."
            ) from exc
        except SegmentationError:
            raise
        except (OSError, ValueError, UnicodeError) as exc:
            raise IngestError(
                f"{shown}: the file could not be read ({first_line(exc, shown)}). "
                "Check that it is a complete, valid file of its type."
            ) from exc
    report(1.0, f"Loaded {info.rows:,} rows into {info.name}")
    return info


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


def _open(ws: Workspace, fmt: str, path: Path, shown: str, tmp: Path, delimiter, encoding):
    if fmt == "text":
        return open_text(ws, path, shown, tmp, delimiter, encoding)
    if fmt == "excel":
        return open_excel(path, shown)
    if fmt == "json":
        path = without_bom(path, tmp)
    path = place(path, tmp)
    sql = "read_parquet(?)" if fmt == "parquet" else "read_json(?, format = 'auto')"
    cur = ws.cursor()
    try:
        cur.execute(f"DESCRIBE SELECT * FROM {sql}", [str(path)]).fetchall()
    except duckdb.Error as exc:
        raise IngestError(
            f"{shown}: not a valid {fmt.capitalize()} file ({first_line(exc, shown)}). "
            "Export it again, or load it as CSV."
        ) from exc
    finally:
        cur.close()
    return Source(sql, [str(path)], options={"format": fmt})


def _load(
    ws: Workspace,
    source: Source,
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
    if replace:
        cur.execute(f"DROP TABLE IF EXISTS {quote_ident(name)}")
    warnings = list(source.warnings)
    guessed, plans, unparseable, kept_as_text = _read_typed(
        ws, cur, source, name, plans, facts, shown, report
    )
    warnings += kept_as_text
    warnings += [p.note for p in plans if p.note]
    if source.rejects:
        skipped, lines = _rejected_lines(cur)
        if skipped:
            warnings.append(
                f"{skipped:,} malformed line(s) were skipped (wrong number of fields or "
                f"broken quotes), e.g. line(s) {', '.join(map(str, lines[:5]))}."
            )
    rows = _count_rows(cur, name, source, shown)
    warnings += [
        f"{n:,} value(s) in column {col!r} could not be read as "
        f"{_type_word(plans, col)} and were left empty."
        for col, n in unparseable.items()
    ]
    columns = [ColumnInfo(p.name, p.type, guessed[p.name]) for p in plans]
    warnings += roles.text_number_warnings(columns)
    report(0.9, "Checking quality")
    options = dict(
        source.options,
        date_formats={p.name: p.date_format for p in plans if p.date_format},
        text_clean=True,  # every text value trimmed, '' stored as NULL: readers need not trim
    )
    checked = quality.quality_report(cur, name, columns, unparseable)
    info = TableInfo(
        name=name,
        kind=quality.guess_kind(cur, name, columns, checked),
        rows=rows,
        columns=columns,
        source_file=shown,
        source_sha256=sha(),
        loaded_at=datetime.now(),
        quality=checked,
        warnings=warnings,
        options=options,
    )
    ws.register_table(cur, info)
    return info


def _read_typed(ws, cur, source, name, plans, facts, shown, report):
    """Read the source into the typed table: roles, final plans, failures per column, and the
    warnings for columns read again as text because the sample misjudged them."""
    guessed, plans = _with_roles(plans, facts)
    unparseable = _read(ws, cur, source, name, plans, f"Reading {shown}", report)
    misjudged = _misjudged(cur, name, plans, unparseable)
    if not misjudged:
        return guessed, plans, unparseable, []
    # the sample missed what the whole file holds: those columns stay text
    warnings = [
        f"Column {col!r} looked like {_type_word(plans, col)} in a sample of the file, but "
        f"{n:,} of its values are not: it was kept as text."
        for col, n in misjudged.items()
    ]
    cur.execute(f"DROP TABLE {quote_ident(name)}")
    if source.rejects:  # the second read records the malformed lines again
        cur.execute("DROP TABLE IF EXISTS reject_errors")
        cur.execute("DROP TABLE IF EXISTS reject_scans")
    facts = [dataclasses.replace(f, type="VARCHAR") if f.name in misjudged else f for f in facts]
    plans = [coltypes.text_plan(p.name) if p.name in misjudged else p for p in plans]
    guessed, plans = _with_roles(plans, facts)
    unparseable = _read(ws, cur, source, name, plans, f"Reading {shown} again", report)
    return guessed, plans, unparseable, warnings


def _count_rows(cur, name: str, source: Source, shown: str) -> int:
    """The rows loaded, or an error when there are none."""
    rows = cur.execute(f"SELECT count(*) FROM {quote_ident(name)}").fetchall()[0][0]
    if rows == 0:
        advice = (
            "Check the delimiter and that the file has rows under its header."
            if source.options.get("format") == "text"
            else "Export the data again with its records."
        )
        raise IngestError(f"{shown}: no data rows could be read. {advice}")
    return rows


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


def _sample(cur: duckdb.DuckDBPyConnection, source: Source) -> str:
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

    The quality report is refreshed, as returns and missing ids depend on the roles. When the
    customer-id role moves, the kind is decided again from the new ids (transactions when they
    repeat), unless ``kind`` asks for another kind than the table's. A role whose type does not
    fit (text as the amount) is refused and nothing changes.
    """
    info = ws.table(name)
    merged = {c.name: c.role for c in info.columns} | dict(new_roles)
    full = roles.check_roles(merged, [c.name for c in info.columns])
    roles.check_role_types(full, {c.name: c.type for c in info.columns})
    columns = [dataclasses.replace(c, role=full[c.name]) for c in info.columns]
    moved = info.roles.get("customer_id") != next(
        (c.name for c in columns if c.role == "customer_id"), None
    )
    with ws.reading() as cur:
        fresh = quality.quality_report(cur, name, columns, info.quality.get("unparseable", {}))
        if moved and kind in (None, info.kind):
            kind = quality.guess_kind(cur, name, columns, fresh)
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

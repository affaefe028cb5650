"""Column types of a loaded file: guessed from the values, written as SQL conversions.

A text file is read with every column as text. For each column we look at a sample of its
values and choose a type (integer, number, date, timestamp, or text), then build the SQL
expression that converts the text as the file is read. Values that do not convert become empty
and are counted in the quality report; nothing is silently invented.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ..workspace import quote_ident
from ..workspace.types import is_numeric

SAMPLE_ROWS = 20_000
MIN_SHARE = 0.98  # share of non-missing sample values that must convert for a type to be chosen
NA_TOKENS = ("na", "n/a", "nan", "null", "none", "-", "?", "#n/a", "nat")
_TIME_SUFFIXES = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%f", " %I:%M %p", " %I:%M:%S %p")
_ZONE = r":\d{2}(:\d{2}(\.\d+)?)?\s*(Z|[+-]\d{2}(:?\d{2})?|[A-Za-z][A-Za-z_/+-]+)$"  # Z, +02, UTC
FINITE = "CASE WHEN isfinite({col}) THEN {col} END"  # NaN and infinities become missing
_MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"
_MONTH_NAME_DATE = (  # 5 Jan 2024, 05-Jan-24, Jan 5 2024, January 5, 2024 (with a time or not)
    rf"(?i)(\d{{1,2}}[ -]{_MONTH}[ -]\d{{2,4}}|{_MONTH} \d{{1,2}},? \d{{4}})( .*)?"
)
# Writings with the month's name; each also reads the full name (%B) and a time after it.
_MONTH_NAME_FORMATS = ("%d-%b-%y", "%d %b %Y", "%d-%b-%Y", "%b %d %Y", "%b %d, %Y")


@dataclass(frozen=True)
class ColumnPlan:
    """How one column of the file (read as text) becomes a column of the loaded table."""

    name: str
    type: str  # DuckDB type of the loaded column
    expr: str  # SQL over the file's text columns that produces it
    date_format: str | None = None  # the format that was chosen, for dates read from text
    note: str | None = None  # something the user should know (shown as a warning)
    converted: bool = False  # text converted to another type: failures are counted
    post: str | None = None  # applied to the converted column, e.g. FINITE; "{col}" is it


def clean_text_sql(text: str) -> str:
    """Text as it is stored: without surrounding spaces, '' as NULL. Only values that start or
    end with a space are trimmed: trimming every value costs a sixth of a large load.

    >>> clean_text_sql("x").startswith("CASE WHEN x LIKE ' %' OR x LIKE '% '")
    True
    """
    return (
        f"CASE WHEN {text} LIKE ' %' OR {text} LIKE '% ' THEN nullif(trim({text}), '') "
        f"ELSE nullif({text}, '') END"
    )


def text_plan(name: str) -> ColumnPlan:
    """A column of the file kept as text."""
    return ColumnPlan(name, "VARCHAR", clean_text_sql(quote_ident(name)))


def value_sql(col: str) -> str:
    """The trimmed text of a text column, with empty strings and NA tokens as NULL."""
    q = quote_ident(col)
    tokens = ", ".join(f"'{t}'" for t in NA_TOKENS)
    # list_contains, not IN (...): DuckDB plans IN lists as joins, which explodes on wide files.
    return f"CASE WHEN list_contains([{tokens}, ''], lower(trim({q}))) THEN NULL ELSE trim({q}) END"


def _date_candidates(date_format: str | None) -> list[tuple[str, list[str]]]:
    """(label, strptime formats) to try, most specific first."""
    if date_format:
        return [
            (
                date_format,
                [date_format + s for s in _TIME_SUFFIXES if "%H" not in date_format]
                or [date_format],
            )
        ]
    out = []
    for sep in ("/", ".", "-"):
        for order in (("%d", "%m", "%Y"), ("%m", "%d", "%Y"), ("%Y", "%m", "%d")):
            base = sep.join(order)
            if base == "%Y-%m-%d":
                continue  # ISO: handled by a cast, which also reads time zones
            out.append((base, [base + s for s in _TIME_SUFFIXES]))
    return out


def reads_as_date_sql(text: str) -> str:
    """SQL that is true when ``text`` is a date or timestamp in a writing a load recognises
    (ISO 8601, YYYYMMDD, day- or month-first with / . or -), e.g. to keep dates out of the
    values that look like phone numbers.

    >>> reads_as_date_sql("v").startswith("(CASE WHEN regexp_full_match(v, ")
    True
    """
    formats = [f for _, fmts in _date_candidates(None) for f in fmts] + ["%Y%m%d"]
    # CASE, not AND: DuckDB evaluates both sides of an AND inside an aggregate's FILTER, and
    # trying every format on every value made the quality report of a load 4x slower.
    return (
        rf"(CASE WHEN regexp_full_match({text}, '\d{{1,4}}[./-]\d{{1,2}}[./-]\d{{1,4}}([ T].*)?"
        rf"|(19|20)\d{{6}}') THEN try_cast({text} AS TIMESTAMP) IS NOT NULL "
        f"OR try_strptime({text}, {_fmt_list(formats)}) IS NOT NULL ELSE false END)"
    )


def _fmt_list(formats: list[str]) -> str:
    return "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in formats) + "]"


def plan_columns(
    cur: duckdb.DuckDBPyConnection,
    sample: str,
    *,
    decimal_comma: bool = False,
    date_format: str | None = None,
) -> list[ColumnPlan]:
    """Choose a type and conversion for every column of a source, from its sample."""
    described = cur.execute(f"DESCRIBE {quote_ident(sample)}").fetchall()
    plans = []
    for name, dtype, *_ in described:
        if dtype == "VARCHAR":
            plans.append(_plan_text(cur, sample, name, decimal_comma, date_format))
        else:
            plans.append(_plan_typed(name, dtype))
    return plans


def _plan_typed(name: str, dtype: str) -> ColumnPlan:
    """Columns that arrived typed (Parquet, JSON): keep the type where it is a plain one."""
    q = quote_ident(name)
    if dtype in ("DOUBLE", "FLOAT", "REAL"):
        return ColumnPlan(name, "DOUBLE", f"{q}::DOUBLE", post=FINITE)
    if dtype in ("UBIGINT", "HUGEINT", "UHUGEINT"):  # may exceed 64-bit integers
        return ColumnPlan(name, "DOUBLE", f"{q}::DOUBLE")
    if is_numeric(dtype):
        return ColumnPlan(
            name,
            "DOUBLE" if dtype.startswith("DECIMAL") else "BIGINT",
            f"{q}::{'DOUBLE' if dtype.startswith('DECIMAL') else 'BIGINT'}",
        )
    if dtype == "DATE":
        return ColumnPlan(name, "DATE", q)
    if dtype.startswith("TIMESTAMP"):
        return ColumnPlan(name, "TIMESTAMP", f"{q}::TIMESTAMP")
    if dtype == "BOOLEAN":
        return ColumnPlan(name, "BOOLEAN", q)
    return ColumnPlan(name, "VARCHAR", clean_text_sql(f"{q}::VARCHAR"))


def _stats(cur, sample: str, v: str, checks: dict[str, str]) -> dict[str, int]:
    select = ", ".join(f"{sql} AS {key}" for key, sql in checks.items())
    row = cur.execute(f"SELECT {select} FROM (SELECT {v} AS v FROM {quote_ident(sample)})")
    return dict(zip(checks, row.fetchall()[0], strict=True))


# What a text column's sample is counted for: whole numbers, decimals, dates of each writing.
_TEXT_STATS = {
    "n": "count(v)",
    "int": r"count(*) FILTER (WHERE regexp_full_match(v, '[+-]?\d+') "
    "AND try_cast(v AS BIGINT) IS NOT NULL)",
    "intlike": r"count(*) FILTER (WHERE regexp_full_match(v, '[+-]?\d+'))",
    "zeros": r"count(*) FILTER (WHERE regexp_full_match(v, '[+-]?0\d+'))",
    "num": "count(try_cast(v AS DOUBLE))",
    "comma": r"count(*) FILTER (WHERE regexp_full_match(v, '[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?'))",
    "has_comma": "count(*) FILTER (WHERE contains(v, ','))",
    "ymd8": r"count(*) FILTER (WHERE regexp_full_match(v, '(19|20)\d{6}'))",
    "iso": r"count(*) FILTER (WHERE regexp_full_match(v, '\d{4}-\d{2}-\d{2}([T ].*)?'))",
    "datelike": r"count(*) FILTER (WHERE regexp_full_match(v, '\d{1,4}[./-]\d{1,2}[./-]\d{1,4}( .*)?'))",
    "has_time": "count(*) FILTER (WHERE contains(v, ':'))",
    "monthname": f"count(*) FILTER (WHERE regexp_full_match(v, '{_MONTH_NAME_DATE}'))",
}


def _plan_text(
    cur: duckdb.DuckDBPyConnection,
    sample: str,
    name: str,
    decimal_comma: bool,
    date_format: str | None,
) -> ColumnPlan:
    v = value_sql(name)
    stats = _stats(cur, sample, v, _TEXT_STATS)
    if stats["n"] == 0:
        return text_plan(name)
    t = f"trim({quote_ident(name)})"  # conversions read the trimmed text once (wide files)
    column = (cur, sample, name, v, t, stats)
    return (
        (date_format and _plan_given_date(*column, date_format))
        or _plan_number(*column, decimal_comma)
        or _plan_iso(*column)
        or _plan_datelike(*column)
        or _plan_month_names(*column)
        or text_plan(name)
    )


def _enough(count: int, n: int) -> bool:
    return count >= MIN_SHARE * n


def _plan_given_date(cur, sample, name, v, t, stats, date_format: str) -> ColumnPlan | None:
    """Dates in the user's format, when enough of the sample reads with it."""
    fmts = _date_candidates(date_format)[0][1]
    count = _stats(cur, sample, v, {"d": f"count(try_strptime(v, {_fmt_list(fmts)}))"})["d"]
    if _enough(count, stats["n"]):
        return _date_plan(name, t, fmts, date_format, stats["has_time"] > 0, None)
    return None


def _plan_number(cur, sample, name, v, t, stats, decimal_comma: bool) -> ColumnPlan | None:
    """Whole numbers, decimals (or YYYYMMDD dates); text for codes whose digits all matter."""
    n = stats["n"]
    if stats["zeros"] > 0 and stats["intlike"] == n:
        return text_plan(name)  # zero-padded codes: the zeros are part of the value
    if _enough(stats["ymd8"], n) and stats["intlike"] == n:
        ok = _stats(cur, sample, v, {"d": "count(try_strptime(v, '%Y%m%d'))"})["d"]
        if _enough(ok, n):
            return _date_plan(name, t, ["%Y%m%d"], "%Y%m%d", False, None)
    if _enough(stats["int"], n):
        return ColumnPlan(name, "BIGINT", f"try_cast({t} AS BIGINT)", converted=True)
    if stats["intlike"] == n:
        return text_plan(name)  # whole numbers beyond 64 bits (long codes): keep every digit
    if _enough(stats["num"], n):
        return ColumnPlan(name, "DOUBLE", f"try_cast({t} AS DOUBLE)", post=FINITE, converted=True)
    if decimal_comma and _enough(stats["comma"], n) and stats["has_comma"] > 0:
        expr = f"try_cast(replace(replace({t}, '.', ''), ',', '.') AS DOUBLE)"
        return ColumnPlan(
            name,
            "DOUBLE",
            expr,
            converted=True,
            note=f"Column {name!r} read with a decimal comma (1.234,5 = 1234.5).",
        )
    return None


def _plan_iso(cur, sample, name, v, t, stats) -> ColumnPlan | None:
    """ISO 8601 dates or timestamps, moved to UTC when the sample shows a time zone."""
    if not _enough(stats["iso"], stats["n"]):
        return None
    iso = _stats(
        cur,
        sample,
        v,
        {
            "d": "count(try_cast(v AS TIMESTAMPTZ))",
            "zone": rf"count(*) FILTER (WHERE regexp_matches(v, '{_ZONE}'))",
        },
    )
    if not _enough(iso["d"], stats["n"]):
        return None
    target = "TIMESTAMP" if stats["has_time"] else "DATE"
    # A time zone is read (and the time moved to UTC) when the sample shows one; the
    # plain cast, twice as fast, would drop it.
    via = "TIMESTAMPTZ" if iso["zone"] else "TIMESTAMP"
    return ColumnPlan(
        name,
        target,
        f"try_cast({t} AS {via})::{target}",
        date_format="ISO 8601",
        converted=True,
    )


def _plan_datelike(cur, sample, name, v, t, stats) -> ColumnPlan | None:
    """Dates written day-first or month-first (or other writings of a date)."""
    if not _enough(stats["datelike"], stats["n"]):
        return None
    return _plan_candidates(cur, sample, name, v, t, stats, _date_candidates(None))


def _plan_month_names(cur, sample, name, v, t, stats) -> ColumnPlan | None:
    """Dates written with the month's name (5 Jan 2024, Jan 5, 2024): no day/month ambiguity."""
    if not _enough(stats["monthname"], stats["n"]):
        return None
    candidates = [
        (label, [f + s for f in (label, label.replace("%b", "%B")) for s in _TIME_SUFFIXES])
        for label in _MONTH_NAME_FORMATS
    ]
    return _plan_candidates(cur, sample, name, v, t, stats, candidates)


def _plan_candidates(cur, sample, name, v, t, stats, candidates) -> ColumnPlan | None:
    """The first writing of ``candidates`` ((label, formats), ...) that enough values read with."""
    counts = _stats(
        cur,
        sample,
        v,
        {f"d{i}": f"count(try_strptime(v, {_fmt_list(f)}))" for i, (_, f) in enumerate(candidates)},
    )
    return _plan_dates(name, t, candidates, counts, stats["has_time"], stats["n"])


def _plan_dates(name, q_v, candidates, stats, has_time, n) -> ColumnPlan | None:
    """Dates written day-first or month-first: decided from the values, ambiguity reported."""
    fits = [
        (label, fmts)
        for i, (label, fmts) in enumerate(candidates)
        if stats[f"d{i}"] >= MIN_SHARE * n
    ]
    if not fits:
        return None
    label, fmts = fits[0]
    note = None
    day_first = [f for f in fits if f[0].startswith("%d")]
    month_first = [f for f in fits if f[0].startswith("%m")]
    if day_first and month_first:
        sep = label[2]
        # Both readings work (every day <= 12): follow the separator's usual convention.
        label, fmts = (month_first if sep == "/" else day_first)[0]
        note = (
            f"Dates in column {name!r} read as {label} but could also be "
            f"{(day_first if sep == '/' else month_first)[0][0]} (no day above 12). "
            "If that is wrong, load again with the other date format."
        )
    return _date_plan(name, q_v, fmts, label, has_time > 0, note)


def _date_plan(name, q_v, fmts, label, has_time, note) -> ColumnPlan:
    target = "TIMESTAMP" if has_time else "DATE"
    return ColumnPlan(
        name,
        target,
        f"try_strptime({q_v}, {_fmt_list(fmts)})::{target}",
        date_format=label,
        note=note,
        converted=True,
    )


def as_text_id(plan: ColumnPlan, whole_floats: bool) -> ColumnPlan:
    """Identifiers and personal fields keep their text: '00001' stays, '17850.0' becomes '17850'."""
    if plan.type == "VARCHAR" and not whole_floats:
        return plan
    q = quote_ident(plan.name)
    if plan.type in ("DOUBLE", "BIGINT") and not plan.converted:  # typed source
        whole = f"try_cast({q} AS HUGEINT)"
        expr = f"CASE WHEN {whole} = {q} THEN {whole}::VARCHAR ELSE {q}::VARCHAR END"
        return ColumnPlan(plan.name, "VARCHAR", expr)
    expr = clean_text_sql(q)
    if whole_floats:
        expr = rf"regexp_replace({expr}, '^([+-]?\d+)\.0+$', '\1')"
    return ColumnPlan(plan.name, "VARCHAR", expr)


def load_sql(plans: list[ColumnPlan], source: str) -> tuple[str, dict[str, str]]:
    """The SELECT that loads a source (a FROM item), and the flag columns it adds.

    Conversions run inside, post-steps outside, so each column's text is read once (a wide
    file's SQL stays linear in its columns). For each converted column the SELECT also writes a
    flag column holding the text wherever the conversion gave nothing: :func:`failures_sql`
    counts those that were real values (not blanks or NA tokens), which gives the conversion
    failures without reading the file twice; the caller then drops the flags. Returns
    ``(sql, {flag column: column})``.

    (The NA test runs on the few flagged values afterwards, not in the load: a constant list in
    the load's expressions also throws off DuckDB's progress estimate.)
    """
    taken = {p.name.lower() for p in plans}
    failed: dict[str, ColumnPlan] = {}
    for i, p in enumerate(p for p in plans if p.converted):
        flag, n = f"__failed_{i}", 2
        while flag in taken:
            flag, n = f"__failed_{i}_{n}", n + 1
        taken.add(flag)
        failed[flag] = p
    inner = [f"{p.expr} AS {quote_ident(p.name)}" for p in plans]
    inner += [f"trim({quote_ident(p.name)}) AS {quote_ident(f)}" for f, p in failed.items()]
    final = {
        p.name: p.post.format(col=quote_ident(p.name)) if p.post else quote_ident(p.name)
        for p in plans
    }
    outer = [f"{final[p.name]} AS {quote_ident(p.name)}" for p in plans]
    outer += [  # the conversion itself failed (NaN and infinities, emptied after it, did not)
        f"CASE WHEN {quote_ident(p.name)} IS NULL THEN {quote_ident(f)} END AS {quote_ident(f)}"
        for f, p in failed.items()
    ]
    sql = f"SELECT {', '.join(outer)} FROM (SELECT {', '.join(inner)} FROM {source})"
    return sql, {f: p.name for f, p in failed.items()}


def failures_sql(flag: str) -> str:
    """Counts a flag column's real values (a value that did not convert), for :func:`load_sql`."""
    tokens = ", ".join(f"'{t}'" for t in NA_TOKENS)
    return f"count(*) FILTER (WHERE NOT list_contains([{tokens}, ''], lower({quote_ident(flag)})))"

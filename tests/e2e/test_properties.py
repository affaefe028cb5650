"""Property-based tests (hypothesis): ingest of random tables, parameter rules, SQL quoting."""

from __future__ import annotations

import csv
import io
import math
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pytest
from corpus import catalog
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from segmentation.errors import InvalidParameterError, SegmentationError
from segmentation.ingest.load import ingest_file
from segmentation.segment.registry import REGISTRY, validate_params
from segmentation.workspace import open_workspace, quote_ident

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
NA_TOKENS = {"na", "n/a", "nan", "null", "none", "-", "?", "#n/a", "nat"}
SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)

# -- random tables --------------------------------------------------------------------------------
# Column names: any printable text, quotes, delimiters, spaces and non-ASCII included; no line
# breaks (a header name with a newline is a known bug, tests/test_hostile.py), no control
# characters (many of them make a file binary), no surrounding spaces (they are trimmed), and
# never a number or NA token alone (a header like "0" above numbers is truly ambiguous).
NAME_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc", "Zl", "Zp"),
    blacklist_characters="\ufeff",
)


def _plain_name(name: str) -> bool:
    """A header cell that cannot be read as a value: it has a letter and is no number or NA."""
    try:
        float(name)
    except ValueError:
        return any(c.isalpha() for c in name) and name.lower() not in NA_TOKENS
    return False


names = st.text(NAME_CHARS, min_size=1, max_size=12).map(str.strip).filter(_plain_name)
# Text cells start and end with a letter, so they never read as numbers, dates or NA tokens;
# in between: delimiters, quotes, line breaks, spaces, anything printable.
TEXT_CHARS = st.one_of(
    st.characters(blacklist_categories=("Cs", "Cc")), st.sampled_from(",;|\t\"'\n\r ")
)
texts = st.builds(
    lambda a, mid, b: a + mid + b,
    st.sampled_from("abcXYZé"),
    st.text(TEXT_CHARS, max_size=10),
    st.sampled_from("kmwQ"),
)
# Up to 18 digits: longer integers are a known bug (tests/test_hostile.py, 19-digit ids).
ints = st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1)
floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
KINDS = {"int": ints, "float": floats, "text": texts, "date": dates}


@st.composite
def tables(draw, unique_names: bool = True):
    n_cols = draw(st.integers(1, 5))
    if unique_names:
        header = draw(st.lists(names, min_size=n_cols, max_size=n_cols, unique_by=str.lower))
    else:
        header = draw(st.lists(names, min_size=n_cols, max_size=n_cols))
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=n_cols, max_size=n_cols))
    n_rows = draw(st.integers(1, 8))
    rows = [[draw(KINDS[k]) for k in kinds] for _ in range(n_rows)]
    delimiter = draw(st.sampled_from(sorted(DELIMITERS)))
    return header, kinds, rows, delimiter


def write_csv(path: Path, header, rows, delimiter: str) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([[_cell(v) for v in row] for row in rows])
    path.write_text(buf.getvalue(), encoding="utf-8")


def _cell(value) -> str:
    if isinstance(value, float):
        return repr(value)  # nan, inf, -inf, 1e+300
    return str(value)


def _load(folder: Path, header, rows, delimiter: str, *, explicit: bool):
    """Ingest into a fresh workspace with an earlier good table; (ws, info or the error)."""
    ws = open_workspace(folder / "ws.duckdb")
    (folder / "keep.csv").write_text("customer_id,amount\nk1,1\nk2,2\n")
    ingest_file(ws, folder / "keep.csv")
    path = folder / "random.csv"
    write_csv(path, header, rows, delimiter)
    before = catalog(ws)
    try:
        info = ingest_file(ws, path, delimiter=DELIMITERS[delimiter] if explicit else None)
    except SegmentationError as err:  # anything else fails the test
        assert "random.csv" in str(err), str(err)
        assert catalog(ws) == before
        return ws, err
    assert [t.name for t in ws.tables()] == ["keep", info.name]
    assert ws.query("SELECT count(*) FROM keep") == [(2,)]
    return ws, info


def _column(ws, table: str, name: str) -> list:
    return [
        r[0]
        for r in ws.query(f"SELECT {quote_ident(name)} FROM {quote_ident(table)} ORDER BY rowid")
    ]


@SETTINGS
@given(tables())
def test_random_tables_load_with_their_rows_columns_and_values(table):
    header, kinds, rows, delimiter = table
    with tempfile.TemporaryDirectory() as folder:
        ws, info = _load(Path(folder), header, rows, delimiter, explicit=True)
        try:
            if isinstance(info, SegmentationError):
                return
            assert info.rows == len(rows)
            assert [c.name for c in info.columns] == header
            for i, (name, kind) in enumerate(zip(header, kinds, strict=True)):
                got = _column(ws, info.name, name)
                written = [row[i] for row in rows]
                if kind == "int":
                    assert [None if g is None else int(str(g)) for g in got] == written
                elif kind == "text":
                    assert got == [_expected_text(w) for w in written]
                elif kind == "date":
                    assert (info.column(name).type, got) == ("DATE", written)
                elif kind == "float" and info.column(name).type == "DOUBLE":
                    for g, w in zip(got, written, strict=True):
                        if math.isfinite(w):
                            assert g == pytest.approx(w, rel=1e-12, abs=0)
                        else:
                            assert g is None
        finally:
            ws.close()


def _expected_text(written: str) -> str | None:
    """Text as stored: trimmed of spaces; empty and NA tokens become missing."""
    text = written.strip(" ")
    return None if text == "" or text.lower() in NA_TOKENS else text


@SETTINGS
@given(tables(unique_names=False))
def test_random_tables_with_a_sniffed_delimiter_load_or_are_refused_cleanly(table):
    header, _kinds, rows, delimiter = table
    with tempfile.TemporaryDirectory() as folder:
        ws, info = _load(Path(folder), header, rows, delimiter, explicit=False)
        try:
            if not isinstance(info, SegmentationError):
                assert 1 <= info.rows <= len(rows) + 1
                lowered = [c.name.lower() for c in info.columns]
                assert len(lowered) == len(set(lowered))  # names are made unique
        finally:
            ws.close()


# -- parameter validation ---------------------------------------------------------------------------
PARAMS = [(a.name, p) for a in REGISTRY.values() for p in a.params]
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**18, max_value=10**400),
    st.integers(max_value=-1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            " ",
            "none",
            "auto",
            "NULL",
            "nan",
            "inf",
            "-inf",
            "1e400",
            "7",
            " 7 ",
            "7.0",
            "7.5",
            "-3",
            "0x10",
            "1_000",
            "true",
            "k-means++",
            "random",
            "full",
            "diag",
            "tied",
            "spherical",
            "FULL",
            " full ",
        ]
    ),  # fmt: skip
    st.builds(str, st.integers(-100, 100)),
    st.sampled_from([np.int64(7), np.float64("nan"), np.float32(3.0), np.bool_(True)]),
    st.sampled_from([Decimal("7"), Decimal("NaN"), Decimal("1e400"), Decimal("sNaN")]),
    st.sampled_from([[7], {"k": 7}, b"7", (7,), date(2024, 1, 1), 3 + 0j]),
)


def _in_rule(param, value, n_samples: int, n_distinct: int | None) -> bool:
    if value is None:
        return param.default is None
    if param.kind == "choice":
        return value in param.choices
    if param.kind == "bool":
        return isinstance(value, bool)
    if param.kind == "int" and (isinstance(value, bool) or not isinstance(value, int)):
        return False
    if param.kind == "float" and not (isinstance(value, float) and math.isfinite(value)):
        return False
    return param.low <= value <= param.high


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    st.sampled_from(PARAMS),
    odd_values,
    st.integers(3, 10**7),
    st.one_of(st.none(), st.integers(1, 10**7)),
)
def test_every_declared_parameter_is_checked_by_its_rule(algo_param, value, n_samples, n_distinct):
    algorithm, param = algo_param
    try:
        checked = validate_params(
            algorithm, {param.name: value}, n_samples=n_samples, n_distinct=n_distinct
        )
    except InvalidParameterError as err:
        message = str(err)
        named = [p.name for p in REGISTRY[algorithm].params if repr(p.name) in message]
        assert named, message
        if repr(param.name) not in message:  # the defaults of the others break a data rule
            with pytest.raises(InvalidParameterError):
                validate_params(algorithm, {}, n_samples=n_samples, n_distinct=n_distinct)
        return
    assert set(checked) == {p.name for p in REGISTRY[algorithm].params}
    got = checked[param.name]
    assert _in_rule(param, got, n_samples, n_distinct), (value, got)
    k_param = REGISTRY[algorithm].k_param
    if k_param is not None:
        assert checked[k_param] <= min(n_samples - 1, n_distinct or n_samples)
    for name in ("min_cluster_size", "min_samples"):
        if checked.get(name) is not None:
            assert checked[name] <= n_samples


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(REGISTRY)), st.text(min_size=1, max_size=20), odd_values)
def test_unknown_parameters_are_named(algorithm, name, value):
    assume(name not in {p.name for p in REGISTRY[algorithm].params})
    with pytest.raises(InvalidParameterError) as err:
        validate_params(algorithm, {name: value})
    assert repr(name) in str(err.value)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=20), st.none(), st.integers(), st.booleans()))
def test_unknown_algorithms_are_refused_naming_the_parameter(algorithm):
    assume(algorithm not in REGISTRY)
    with pytest.raises(InvalidParameterError, match="'algorithm' parameter"):
        validate_params(algorithm, {})


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.sampled_from(sorted(REGISTRY)), st.integers(-5, 2))
def test_too_few_customers_are_refused(algorithm, n_samples):
    with pytest.raises(InvalidParameterError, match="at least 3 customers"):
        validate_params(algorithm, {}, n_samples=n_samples)


# -- SQL identifiers ---------------------------------------------------------------------------------
@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    st.text(
        st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        min_size=1,
        max_size=40,
    )
)
def test_quote_ident_round_trips_any_name_through_duckdb(name):
    assume(name.lower() != "other")
    con = duckdb.connect(":memory:")
    try:
        q = quote_ident(name)
        con.execute(f"CREATE TABLE {q} ({q} INTEGER, other INTEGER)")
        con.execute(f"INSERT INTO {q} VALUES (42, 1)")
        assert con.execute(f"SELECT {q} FROM {q}").fetchall() == [(42,)]
        assert [d[0] for d in con.execute(f"SELECT {q} AS {q} FROM {q}").description] == [name]
        assert con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
            [name],
        ).fetchall() == [(name,), ("other",)]
    finally:
        con.close()


@pytest.mark.parametrize("bad", ["", "a\x00b", None, 7])
def test_quote_ident_refuses_what_cannot_be_a_name(bad):
    with pytest.raises(InvalidParameterError):
        quote_ident(bad)

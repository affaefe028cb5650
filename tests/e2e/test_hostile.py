"""Malformed and hostile files, made by the tests: each loads sensibly or is refused cleanly.

Every case runs against a workspace that already holds a good table. A load must give the rows,
types and text that make sense; a refusal must be a SegmentationError that names the file, says
what to do, and leaves the workspace exactly as it was. Never another exception, never a hang.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import random
import re
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from corpus import ELF, PDF, PNG, catalog

from segmentation.errors import SegmentationError
from segmentation.ingest.load import ingest_file, ingest_upload
from segmentation.workspace import TableInfo, Workspace, open_workspace

SEGMENT = Path(sys.executable).with_name("segment")
GOOD = "customer_id,amount\nk1,10\nk2,20\nk3,30\n"
# A refusal says what to do: one of these words or an option to use.
ADVICE = re.compile(
    r"\b(Check|Export|Load|Open|Put|Choose|Split|Give|Save|Convert|Use|Try|retry|again)\b|--\w+"
)


# -- building files ---------------------------------------------------------------------------
def _xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as writer:
        for sheet, frame in frames.items():
            frame.to_excel(writer, sheet_name=sheet, index=False)
    return buf.getvalue()


def _parquet(table: pa.Table) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _rows(n: int) -> pd.DataFrame:
    return pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "amount": range(n)})


def _sqlite() -> bytes:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite"
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t (customer_id TEXT, amount REAL)")
        con.execute("INSERT INTO t VALUES ('a', 1)")
        con.commit()
        con.close()
        return path.read_bytes()


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("orders.csv", GOOD)
    return buf.getvalue()


def _junk(n: int = 6000, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(n)


def _gzip_cut() -> bytes:
    whole = gzip.compress(
        ("customer_id,amount\n" + "".join(f"c{i},{i}\n" for i in range(5000))).encode()
    )
    return whole[: len(whole) // 2]


def _deep_json(depth: int) -> bytes:
    value: object = 1
    for _ in range(depth):
        value = {"k": value}
    return json.dumps([{"id": 1, "v": value}, {"id": 2, "v": value}]).encode()


FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3"]
SQL_NAMES = ['"; DROP TABLE x; --', "' OR 1=1 --", "name\") TO '/tmp/x.csv' (--"]


def _csv_text(header: list[str], rows: list[list[object]], delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue().encode()


# -- checks on loaded tables ----------------------------------------------------------------------
def values(ws: Workspace, table: str, column: str) -> list:
    quoted = '"' + column.replace('"', '""') + '"'
    return [r[0] for r in ws.query(f'SELECT {quoted} FROM "{table}" ORDER BY rowid')]


def types(info: TableInfo) -> dict[str, str]:
    return {c.name: c.type for c in info.columns}


@dataclass(frozen=True)
class Case:
    """One hostile file: its name, its bytes, and what must happen."""

    name: str
    content: bytes | Callable[[], bytes]
    refused: str | None = None  # a regex the refusal must match; None: it must load
    rows: int | None = None  # rows a load must give
    check: Callable[[Workspace, TableInfo], None] | None = None
    options: dict = field(default_factory=dict)
    either: bool = False  # a refusal or a load are both fine (the load is still checked)


def _check_cut_quote(ws, info):
    ids = values(ws, info.name, "id")
    assert ids[:200] == [str(i) for i in range(200)]
    assert values(ws, info.name, "note")[:200] == [f"ok {i}" for i in range(200)]
    assert any("malformed" in w or "quote" in w for w in info.warnings), info.warnings


def _check_mixed(ws, info):
    assert info.options["encoding"] == "cp1252"
    assert values(ws, info.name, "city")[1] == "Köln"


def _check_ragged(ws, info):
    assert [c.name for c in info.columns] == ["a", "b", "c"]
    assert any("malformed line(s) were skipped" in w for w in info.warnings)


def _check_nan_inf(ws, info):
    assert types(info) == {"id": "VARCHAR", "x": "DOUBLE", "y": "DOUBLE"}
    assert values(ws, info.name, "x") == [1.5, None, None, None, 2.5]
    assert values(ws, info.name, "y") == [None, None, None, 2.0, 3.0]


def _check_formulas(ws, info):
    assert types(info)["note"] == "VARCHAR"
    assert values(ws, info.name, "note") == FORMULAS


def _check_sql_names(ws, info):
    assert [c.name for c in info.columns] == SQL_NAMES
    assert values(ws, info.name, SQL_NAMES[0]) == [1, 4]


def _check_odd_names(ws, info):
    names = [c.name for c in info.columns]
    assert names[:2] == ["column_1", "column_2"]  # empty and whitespace-only
    assert names[2] == "n" * 300
    assert names[3:] == ["a\x01b", "tab\tname"]
    assert values(ws, info.name, "n" * 300)[:2] == [3, 8]


def _check_case_dups(ws, info):
    assert [c.name for c in info.columns] == ["Amount", "amount_2", "AMOUNT_3"]
    assert values(ws, info.name, "AMOUNT_3") == [3, 6]
    assert sum("appears twice" in w for w in info.warnings) == 2


def _check_distinct_names(ws, info):
    names = [c.name.lower() for c in info.columns]
    assert len(names) == len(set(names)) == 2
    assert sorted(values(ws, info.name, info.columns[1].name)) in ([2, 4], [3, 4])


def _check_names(expected: list[str], table: str):
    def check(ws, info):
        assert info.name == table
        assert [c.name for c in info.columns] == expected

    return check


def _check_header_repeat(ws, info):
    assert types(info)["amount"] == "BIGINT"
    assert info.quality["unparseable"] == {"amount": 1}


def _check_one_cell(ws, info):
    assert [c.name for c in info.columns] == ["x"]
    assert values(ws, info.name, "x") == [1]


def _check_arrays(ws, info):
    assert len(info.columns) == 1
    assert [str(v).replace(" ", "") for v in values(ws, info.name, info.columns[0].name)] == [
        "[1,2]",
        "[3,4]",
    ]


def _check_keys(ws, info):
    assert [c.name for c in info.columns] == ["a", "b", "c"]
    assert values(ws, info.name, "a") == [1, None, 3]
    assert values(ws, info.name, "c") == [None, None, "x"]


def _check_years(first: date, second: date, future: int):
    def check(ws, info):
        assert types(info)["order_date"] == "DATE"
        assert values(ws, info.name, "order_date") == [first, second]
        assert info.quality["future_dates"] == future

    return check


def _check_fake_ymd(ws, info):
    assert types(info)["customer_id"] == "VARCHAR"
    assert values(ws, info.name, "customer_id") == ["20231399", "20231231", "20230230"]
    assert types(info)["account_no"] == "BIGINT"
    assert values(ws, info.name, "account_no") == [20231301, 20231302, 20231303]


def _check_19_digits(ws, info):
    assert (types(info)["customer_id"], info.roles.get("customer_id")) == ("VARCHAR", "customer_id")
    assert values(ws, info.name, "customer_id") == [
        "1234567890123456789",
        "1000000000000000000",
        "5",
    ]
    assert types(info)["n"] == "BIGINT"
    assert values(ws, info.name, "n") == [2**63 - 1, -(2**63), 3]


def _check_quoted(ws, info):
    assert values(ws, info.name, "note") == ["a, b\nc", 'x "q", y']
    assert values(ws, info.name, "amount") == [2, 3]


def _check_eu(ws, info):
    assert values(ws, info.name, "betrag") == [1234.5, 7.25, 10.0]


def _check_trailing_tabs(ws, info):
    assert [c.name for c in info.columns][:2] == ["id", "amount"]
    assert values(ws, info.name, "amount") == [2, 4]


def _check_same_rows(ws, info):
    assert info.quality["duplicate_rows"] == 99_999
    assert info.kind == "transactions"


def _check_parquet_types(ws, info):
    assert types(info)["d"] == "DATE"
    assert values(ws, info.name, "d") == [date(9999, 12, 31), date(1, 1, 1)]
    assert values(ws, info.name, "id") == ["a", "b"]


def _check_parquet_nan(ws, info):
    assert values(ws, info.name, "x") == [1.5, None, None, None]


def _check_uint64(ws, info):
    assert len(values(ws, info.name, "big")) == 2


def _check_late_nul(ws, info):
    assert values(ws, info.name, "customer_id")[-1] == "c10"


def _check_json_bom(ws, info):
    assert [c.name for c in info.columns] == ["a"]


def _check_newline_name(ws, info):
    assert [c.name for c in info.columns] == ["id", "multi\nline"]


def _check_utf16(ws, info):
    assert values(ws, info.name, "city") == ["Zürich", "Köln"]


ODD_HEADER = ",   ," + "n" * 300 + ',"a\x01b","tab\tname"\n'
ODD_ROWS = "".join(f"{i},{i + 1},{i + 3},{i + 4},{i + 5}\n" for i in range(0, 200, 5))
RAGGED = "a,b,c\n" + "".join(",".join(["x"] * (1 + i % 7)) + "\n" for i in range(500))

CASES = [
    # truncated
    pytest.param(
        Case(
            "cut_quote.csv",
            lambda: (
                "id,note\n"
                + "".join(f"{i},ok {i}\n" for i in range(200))
                + '200,"unfinished quoted fi'
            ).encode(),
            check=_check_cut_quote,
        ),
        id="csv_cut_mid_quoted_field",
    ),
    pytest.param(
        Case(
            "cut.xlsx", lambda: (x := _xlsx({"s": _rows(300)}))[: len(x) // 2], "not a valid Excel"
        ),
        id="xlsx_truncated",
    ),
    pytest.param(
        Case(
            "cut.parquet", lambda: (x := _parquet(pa.table(_rows(300))))[: len(x) // 2], "Parquet"
        ),
        id="parquet_truncated",
    ),
    pytest.param(
        Case("cut.csv.gz", _gzip_cut, "gzip archive is damaged"),
        id="gzip_truncated",
    ),
    pytest.param(
        Case("empty.csv.gz", lambda: gzip.compress(b""), "only blank lines"), id="gzip_empty"
    ),
    # binary junk and wrong extensions
    pytest.param(Case("junk.csv", _junk, "binary data"), id="junk_csv"),
    pytest.param(Case("junk.json", _junk, "binary data"), id="junk_json"),
    pytest.param(Case("junk.xlsx", _junk, "not a valid Excel"), id="junk_xlsx"),
    pytest.param(Case("junk.parquet", _junk, "not a valid Parquet"), id="junk_parquet"),
    pytest.param(Case("image.xlsx", lambda: PNG, "PNG image"), id="png_as_xlsx"),
    pytest.param(Case("image.parquet", lambda: PNG, "PNG image"), id="png_as_parquet"),
    pytest.param(Case("image.json", lambda: PNG, "PNG image, not a JSON"), id="png_as_json"),
    pytest.param(Case("archive.json", _zip, "ZIP archive"), id="zip_as_json"),
    pytest.param(Case("archive.parquet", _zip, "not a valid Parquet"), id="zip_as_parquet"),
    pytest.param(Case("report.xlsx", lambda: PDF, "PDF document"), id="pdf_as_xlsx"),
    pytest.param(Case("report.json", lambda: PDF, "PDF document"), id="pdf_as_json"),
    pytest.param(Case("db.csv", _sqlite, "SQLite database"), id="sqlite_as_csv"),
    pytest.param(Case("db.xlsx", _sqlite, "not a valid Excel"), id="sqlite_as_xlsx"),
    pytest.param(Case("prog.csv", lambda: ELF, "a program"), id="elf_as_csv"),
    pytest.param(Case("prog.json", lambda: ELF, "a program"), id="elf_as_json"),
    pytest.param(
        Case("data.csv", lambda: _parquet(pa.table(_rows(10))), "Parquet file, not a"),
        id="parquet_as_csv",
    ),
    pytest.param(Case("book.csv", lambda: _xlsx({"s": _rows(5)}), "ZIP archive"), id="xlsx_as_csv"),
    pytest.param(Case("plain.csv.gz", GOOD.encode(), "not a valid"), id="plain_text_as_gz"),
    pytest.param(Case("orders.json", GOOD.encode(), "not a valid Json"), id="csv_as_json"),
    pytest.param(
        Case("picture.csv.gz", lambda: gzip.compress(PNG * 4), "binary data"),
        id="png_inside_gzip",
    ),
    pytest.param(
        Case(
            "late_nul.csv",
            lambda: (
                ("customer_id,amount\n" + "".join(f"c{i},{i}\n" for i in range(8000))).encode()
                + b"c9,\x00\x00\x00\n"
                + b"c10,5\n"
            ),
            rows=8002,
            check=_check_late_nul,
        ),
        id="nul_bytes_after_the_first_64kb",
    ),
    # encodings
    pytest.param(
        Case(
            "latin.csv",
            lambda: "id,city\n1,Zürich\n2,Besançon €\n".encode("cp1252"),
            r"not valid utf-8.*--encoding",
            options={"encoding": "utf-8"},
        ),
        id="cp1252_read_as_utf8",
    ),
    pytest.param(
        Case("u16.csv", lambda: "id,city\n1,Zürich\n2,Köln\n".encode("utf-16-le"), "binary data"),
        id="utf16_without_bom_detected",
    ),
    pytest.param(
        Case(
            "u16.csv",
            lambda: "id,city\n1,Zürich\n2,Köln\n".encode("utf-16-le"),
            rows=2,
            check=_check_utf16,
            options={"encoding": "utf-16"},
        ),
        id="utf16_without_bom_with_encoding_option",
    ),
    pytest.param(
        Case(
            "u16odd.csv",
            lambda: "id,city\n1,Zürich\n2,Köln\n".encode("utf-16")[:-1],
            "not valid utf-16",
        ),
        id="utf16_cut_mid_character",
    ),
    pytest.param(
        Case(
            "mixed.csv",
            lambda: "id,city\n1,Zürich\n".encode() + "2,Köln\n".encode("cp1252"),
            rows=2,
            check=_check_mixed,
        ),
        id="mixed_utf8_and_cp1252",
    ),
    # ragged, wide and odd values
    pytest.param(Case("ragged.csv", RAGGED.encode(), rows=72, check=_check_ragged), id="ragged"),
    pytest.param(
        Case(
            "nan_inf.csv",
            b"id,x,y\n1,1.5,nan\n2,NaN,Infinity\n3,inf,-inf\n4,-Infinity,2\n5,2.5,3\n",
            rows=5,
            check=_check_nan_inf,
        ),
        id="nan_and_infinities",
    ),
    pytest.param(
        Case(
            "formulas.csv",
            lambda: _csv_text(["id", "note"], [[i, f] for i, f in enumerate(FORMULAS)]),
            rows=4,
            check=_check_formulas,
        ),
        id="formula_injection_csv",
    ),
    pytest.param(
        Case(
            "formulas.jsonl",
            lambda: "\n".join(
                json.dumps({"id": i, "note": f}) for i, f in enumerate(FORMULAS)
            ).encode(),
            rows=4,
            check=_check_formulas,
        ),
        id="formula_injection_jsonl",
    ),
    pytest.param(
        Case(
            "formulas.parquet",
            lambda: _parquet(pa.table({"id": list(range(4)), "note": FORMULAS})),
            rows=4,
            check=_check_formulas,
        ),
        id="formula_injection_parquet",
    ),
    # column names
    pytest.param(
        Case(
            "sqlnames.csv",
            lambda: _csv_text(SQL_NAMES, [[1, 2, 3], [4, 5, 6]]),
            rows=2,
            check=_check_sql_names,
        ),
        id="sql_in_column_names_csv",
    ),
    pytest.param(
        Case(
            "sqlnames.parquet",
            lambda: _parquet(pa.table({n: [1 + i, 4 + i] for i, n in enumerate(SQL_NAMES)})),
            rows=2,
            check=_check_sql_names,
        ),
        id="sql_in_column_names_parquet",
    ),
    pytest.param(
        Case(
            "sqlnames.json",
            lambda: json.dumps(
                [{n: r + i for i, n in enumerate(SQL_NAMES)} for r in (1, 4)]
            ).encode(),
            rows=2,
            check=_check_sql_names,
        ),
        id="sql_in_column_names_json",
    ),
    pytest.param(
        Case("odd_names.csv", (ODD_HEADER + ODD_ROWS).encode(), rows=40, check=_check_odd_names),
        id="empty_blank_long_and_control_column_names",
    ),
    pytest.param(
        Case("nul_name.csv", b'id,"a\x00b"\n1,2\n3,4\n', "binary data"),
        id="nul_in_column_name",
    ),
    pytest.param(
        Case(
            "newline_name.csv",
            b'id,"multi\nline"\n1,2\n3,4\n',
            rows=2,
            check=_check_newline_name,
        ),
        id="newline_in_column_name",
    ),
    pytest.param(
        Case("case.csv", b"Amount,amount,AMOUNT\n1,2,3\n4,5,6\n", rows=2, check=_check_case_dups),
        id="names_differing_by_case_csv",
    ),
    pytest.param(
        Case(
            "case.parquet",
            lambda: _parquet(pa.table({"Amount": [1, 2], "amount": [3, 4]})),
            rows=2,
            check=_check_distinct_names,
        ),
        id="names_differing_by_case_parquet",
    ),
    pytest.param(
        Case(
            "case.json",
            lambda: json.dumps([{"a": 1, "A": 2}, {"a": 3, "A": 4}]).encode(),
            rows=2,
            check=_check_distinct_names,
        ),
        id="names_differing_by_case_json",
    ),
    pytest.param(
        Case(
            "Kundenübersicht 2024.csv",
            "Kundennummer,Größe,Straße\n1,2,x\n3,4,y\n".encode(),
            rows=2,
            check=_check_names(["Kundennummer", "Größe", "Straße"], "kundenubersicht_2024"),
        ),
        id="german_file_name",
    ),
    pytest.param(
        Case(
            "客户.csv",
            "客户编号,金额\n1,2\n3,4\n".encode(),
            rows=2,
            check=_check_names(["客户编号", "金额"], "table"),
        ),
        id="chinese_file_name",
    ),
    pytest.param(
        Case(
            "emoji_😀.csv",
            "id,😀\n1,2\n3,4\n".encode(),
            rows=2,
            check=_check_names(["id", "😀"], "emoji"),
        ),
        id="emoji_file_name",
    ),
    # BOMs, headers, tiny files
    pytest.param(Case("bom.csv", codecs.BOM_UTF8, "only blank lines"), id="only_a_bom"),
    pytest.param(
        Case("bom_header.csv", (codecs.BOM_UTF8 + b"customer_id,amount\r\n"), "header but no data"),
        id="only_a_header_with_bom",
    ),
    pytest.param(
        Case(
            "repeat.csv",
            lambda: (
                "customer_id,amount\n"
                + "".join(f"c{i},{i}\n" for i in range(100))
                + "customer_id,amount\n"
                + "".join(f"d{i},{i}\n" for i in range(100))
            ).encode(),
            rows=201,
            check=_check_header_repeat,
        ),
        id="header_repeated_as_a_row",
    ),
    pytest.param(Case("one.csv", b"x\n1\n", rows=1, check=_check_one_cell), id="one_cell"),
    pytest.param(
        Case("login.csv", b"<!DOCTYPE html><html><body>Please sign in</body></html>\n", "no data"),
        id="html_page_saved_as_csv",
    ),
    # JSON shapes
    pytest.param(Case("scalar.json", b"42", rows=1, either=True), id="json_scalar"),
    pytest.param(
        Case("arrays.json", b"[[1,2],[3,4]]", rows=2, check=_check_arrays),
        id="json_array_of_arrays",
    ),
    pytest.param(
        Case(
            "keys.json",
            lambda: json.dumps([{"a": 1}, {"b": 2}, {"a": 3, "c": "x"}]).encode(),
            rows=3,
            check=_check_keys,
        ),
        id="json_inconsistent_keys",
    ),
    pytest.param(
        Case("broken.ndjson", b'{"a": 1}\n{"a": 2\n{"a": 3}\n', "not a valid Json"),
        id="ndjson_one_broken_line",
    ),
    pytest.param(
        Case("deep.json", lambda: _deep_json(500), "not a valid Json"), id="json_deeply_nested"
    ),
    pytest.param(Case("empty_list.json", b"[]", "no data rows"), id="json_empty_list"),
    pytest.param(
        Case(
            "bom.json",
            lambda: codecs.BOM_UTF8 + json.dumps([{"a": 1}, {"a": 2}]).encode(),
            rows=2,
            check=_check_json_bom,
        ),
        id="json_with_utf8_bom",
    ),
    # Excel and Parquet shapes
    pytest.param(
        Case(
            "two_sheets.xlsx",
            lambda: _xlsx({"empty": pd.DataFrame(), "data": _rows(20)}),
            "first sheet 'empty' has no data rows",
        ),
        id="xlsx_first_sheet_empty",
    ),
    pytest.param(
        Case(
            "types.parquet",
            lambda: _parquet(
                pa.table(
                    {
                        "id": ["a", "b"],
                        "s": [{"k": 1}, {"k": 2}],
                        "l": [[1, 2], []],
                        "b": [b"\x00\x01", b"z"],
                        "t": pa.array([1, 2], pa.time32("s")),
                        "d": pa.array([date(9999, 12, 31), date(1, 1, 1)], pa.date32()),
                    }
                )
            ),
            rows=2,
            check=_check_parquet_types,
        ),
        id="parquet_nested_binary_time_extreme_dates",
    ),
    pytest.param(
        Case(
            "naninf.parquet",
            lambda: _parquet(pa.table({"x": [1.5, float("nan"), float("inf"), float("-inf")]})),
            rows=4,
            check=_check_parquet_nan,
        ),
        id="parquet_nan_and_infinities",
    ),
    pytest.param(
        Case(
            "uint64.parquet",
            lambda: _parquet(
                pa.table({"big": pa.array([2**64 - 1, 1], pa.uint64()), "id": ["a", "b"]})
            ),
            rows=2,
            check=_check_uint64,
        ),
        id="parquet_uint64_above_int64",
    ),
    pytest.param(
        Case(
            "empty.parquet",
            lambda: _parquet(pa.table({"id": pa.array([], pa.string())})),
            r"^(?!.*delimiter).*no data rows",
        ),
        id="parquet_without_rows",
    ),
    # dates, ids, numbers
    pytest.param(
        Case(
            "y9999.csv",
            b"customer_id,order_date\na,9999-01-01\nb,9999-12-31\n",
            rows=2,
            check=_check_years(date(9999, 1, 1), date(9999, 12, 31), 2),
        ),
        id="dates_in_year_9999",
    ),
    pytest.param(
        Case(
            "y0001.csv",
            b"customer_id,order_date\na,0001-01-01\nb,0001-12-31\n",
            rows=2,
            check=_check_years(date(1, 1, 1), date(1, 12, 31), 0),
        ),
        id="dates_in_year_0001",
    ),
    pytest.param(
        Case(
            "ids.csv",
            lambda: (
                b"customer_id,account_no\n20231399,20231301\n20231231,20231302\n20230230,20231303\n"
            ),
            rows=3,
            check=_check_fake_ymd,
        ),
        id="eight_digit_ids_that_look_like_dates",
    ),
    pytest.param(
        Case(
            "big_ids.csv",
            b"customer_id,n\n1234567890123456789,9223372036854775807\n"
            b"1000000000000000000,-9223372036854775808\n5,3\n",
            rows=3,
            check=_check_19_digits,
        ),
        id="nineteen_digit_ids_and_int64_extremes",
    ),
    pytest.param(
        Case(
            "quoted.csv",
            b'id,note,amount\n1,"a, b\nc",2\n2,"x ""q"", y",3\n',
            rows=2,
            check=_check_quoted,
        ),
        id="delimiters_and_newlines_inside_quotes",
    ),
    pytest.param(
        Case("eu.csv", b"kunde;betrag\n1;1.234,50\n2;7,25\n3;10\n", rows=3, check=_check_eu),
        id="semicolon_decimal_commas_thousand_dots",
    ),
    pytest.param(
        Case(
            "trailing.tsv",
            b"id\tamount\t\r\n1\t2\t\r\n3\t4\t\r\n",
            rows=2,
            check=_check_trailing_tabs,
        ),
        id="tsv_trailing_tabs_crlf",
    ),
    pytest.param(Case("cr.csv", b"customer_id,amount\ra,1\rb,2\r", rows=2), id="old_mac_line_ends"),
    pytest.param(
        Case(
            "same.csv",
            lambda: b"customer_id,amount\n" + b"a,1\n" * 100_000,
            rows=100_000,
            check=_check_same_rows,
        ),
        id="100k_identical_rows",
    ),
]


# -- running a case -------------------------------------------------------------------------------
@pytest.fixture
def ws(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    (tmp_path / "keep.csv").write_text(GOOD)
    ingest_file(ws, tmp_path / "keep.csv")
    yield ws
    ws.close()


def assert_clean_refusal(err: SegmentationError, shown: str, pattern: str | None) -> None:
    message = str(err)
    assert shown in message, message
    assert ADVICE.search(message), f"the message does not say what to do: {message}"
    if pattern:
        assert re.search(pattern, message, re.S), message


def check_case(ws: Workspace, folder: Path, case: Case) -> None:
    path = folder / case.name
    path.write_bytes(case.content() if callable(case.content) else case.content)
    before = catalog(ws)
    try:
        info = ingest_file(ws, path, **case.options)
    except SegmentationError as err:
        assert case.refused is not None or case.either, f"refused: {err}"
        assert_clean_refusal(err, case.name, case.refused)
        assert catalog(ws) == before
        return
    assert case.refused is None, f"loaded, but should be refused ({case.refused})"
    listed, real, _counts = catalog(ws)
    assert listed[0] == before[0][0] and ws.query("SELECT count(*) FROM keep") == [(3,)]
    assert [t[0] for t in listed] == ["keep", info.name]
    assert set(real) == {"keep", info.name}
    assert ws.query(f'SELECT count(*) FROM "{info.name}"') == [(info.rows,)]
    if case.rows is not None:
        assert info.rows == case.rows
    if case.check is not None:
        case.check(ws, info)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", CASES)
def test_hostile_file_loads_or_is_refused_cleanly(ws, tmp_path, case):
    check_case(ws, tmp_path, case)


def test_the_corpus_has_at_least_40_cases():
    assert len(CASES) >= 40


# -- cases with their own test ----------------------------------------------------------------------
@pytest.mark.timeout(60)
def test_sql_in_column_names_writes_no_file_and_keeps_the_names(ws, tmp_path):
    target = tmp_path / "x.csv"
    attached = tmp_path / "evil.db"
    names = [
        *SQL_NAMES,
        f"name\") TO '{target}' (FORMAT csv); --",
        f"a\" FROM read_csv('{tmp_path / 'keep.csv'}'); --",
        f"b\"; ATTACH '{attached}' AS e; --",
        "c' || (SELECT 1) || '",
    ]
    tmp_x_existed = Path("/tmp/x.csv").exists()
    before = sorted(p.name for p in tmp_path.iterdir())
    path = tmp_path / "names.csv"
    path.write_bytes(_csv_text(names, [list(range(len(names))), list(range(10, 10 + len(names)))]))
    info = ingest_file(ws, path)
    assert [c.name for c in info.columns] == names
    for i, name in enumerate(names):
        assert values(ws, info.name, name) == [i, 10 + i]
    assert not target.exists() and not attached.exists()
    assert Path("/tmp/x.csv").exists() == tmp_x_existed
    after = sorted(p.name for p in tmp_path.iterdir())
    assert set(after) - set(before) == {"names.csv"}
    assert {t.name for t in ws.tables()} == {"keep", "names"}
    assert ws.query("SELECT count(*) FROM duckdb_databases() WHERE NOT internal") == [(1,)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("name", "table"),
    [
        ("Kundenübersicht 2024.csv", "kundenubersicht_2024"),
        ("客户.csv", "table"),
        ("emoji_😀.csv", "emoji"),
    ],
)
def test_uploads_with_non_ascii_names_keep_the_name(ws, name, table):
    info = ingest_upload(ws, "Kunde,Größe\n1,2\n3,4\n".encode(), name)
    assert (info.name, info.source_file, info.rows) == (table, name, 2)
    assert [c.name for c in info.columns] == ["Kunde", "Größe"]


@pytest.mark.timeout(60)
def test_a_5_mb_field_loads_or_is_refused_as_too_long(ws, tmp_path):
    path = tmp_path / "long_field.csv"
    path.write_bytes(b"id,note\n1," + b"x" * 5_000_000 + b"\n2,short\n")
    before = catalog(ws)
    try:
        info = ingest_file(ws, path)
    except SegmentationError as err:
        assert catalog(ws) == before
        assert "long_field.csv" in str(err)
        assert re.search(r"(too long|line.*(size|MB|bytes|characters))", str(err), re.I), str(err)
        assert "delimiter" not in str(err)
        return
    assert info.rows == 2
    assert [len(v) for v in values(ws, info.name, "note")] == [5_000_000, 5]


@pytest.mark.timeout(60)
def test_a_50_mb_line_without_newline_is_refused_cleanly(ws, tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_bytes(b"lorem ipsum " * (50 * 2**20 // 12))
    before = catalog(ws)
    started = time.monotonic()
    with pytest.raises(SegmentationError) as err:
        ingest_file(ws, path)
    assert time.monotonic() - started < 50
    assert_clean_refusal(err.value, "one_line.csv", None)
    assert catalog(ws) == before


_WIDE_CHILD = """
import json, sys
from segmentation.ingest.load import ingest_file
from segmentation.workspace import open_workspace
from segmentation.errors import SegmentationError
ws = open_workspace(sys.argv[1])
try:
    info = ingest_file(ws, sys.argv[2])
    print(json.dumps({"rows": info.rows, "columns": len(info.columns)}))
except SegmentationError as err:
    print(json.dumps({"refused": str(err)}))
"""


def _run_guarded(args: list[str], seconds: float, max_rss_gb: float) -> tuple[str, str]:
    """Run a child; kill it past ``seconds`` or ``max_rss_gb`` of memory; returns (how, output)."""
    child = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    status = Path(f"/proc/{child.pid}/status")
    deadline = time.monotonic() + seconds
    how = "done"
    while child.poll() is None:
        if time.monotonic() > deadline:
            how = f"still running after {seconds:.0f} s"
        else:
            try:
                rss = next(
                    int(line.split()[1])
                    for line in status.read_text().splitlines()
                    if line.startswith("VmRSS")
                )
            except (OSError, StopIteration):
                rss = 0
            if rss > max_rss_gb * 2**20:
                how = f"over {max_rss_gb} GB of memory"
        if how != "done":
            child.kill()
            break
        time.sleep(0.1)
    out, _ = child.communicate()
    return how, out


@pytest.mark.timeout(90)
def test_1200_columns_load(tmp_path):
    header = ",".join(f"c{i}" for i in range(1200))
    body = "".join(",".join(str(r * i) for i in range(1200)) + "\n" for r in range(50))
    path = tmp_path / "wide.csv"
    path.write_text(header + "\n" + body)
    ws_path = tmp_path / "wide.duckdb"
    how, out = _run_guarded(
        [sys.executable, "-c", _WIDE_CHILD, str(ws_path), str(path)], seconds=50, max_rss_gb=4
    )
    assert how == "done", out[-2000:]
    assert json.loads(out.strip().splitlines()[-1]) == {"rows": 50, "columns": 1200}
    ws = open_workspace(ws_path)
    try:
        assert ws.query('SELECT count(*), sum("c1199") FROM wide') == [(50, 1199 * sum(range(50)))]
    finally:
        ws.close()


# -- the same refusals through the command line ---------------------------------------------------
CLI_CASES = [
    ("report.csv", PDF, [], "PDF document"),
    ("cut.parquet", lambda: (x := _parquet(pa.table(_rows(300))))[: len(x) // 2], [], "Parquet"),
    (
        "latin.csv",
        "id,city\n1,Zürich\n".encode("cp1252"),
        ["--encoding", "utf-8"],
        "not valid utf-8",
    ),
    ("broken.ndjson", b'{"a": 1}\n{"a": 2\n', [], "not a valid Json"),
    (
        "two_sheets.xlsx",
        lambda: _xlsx({"empty": pd.DataFrame(), "data": _rows(5)}),
        [],
        "first sheet",
    ),
    ("junk.json", _junk, [], "binary data"),
]


@pytest.mark.timeout(120)
def test_refusals_through_the_cli_exit_1_without_traceback(tmp_path):
    ws_path = tmp_path / "cli.duckdb"
    good = tmp_path / "keep.csv"
    good.write_text(GOOD)
    ws = open_workspace(ws_path)
    ingest_file(ws, good)
    before = catalog(ws)
    ws.close()
    for name, content, options, message in CLI_CASES:
        path = tmp_path / name
        path.write_bytes(content() if callable(content) else content)
        result = subprocess.run(
            [str(SEGMENT), "--workspace", str(ws_path), "ingest", str(path), *options],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 1, (name, result.stderr)
        assert name in result.stderr and message in result.stderr, (name, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout
        assert "Unexpected error" not in result.stderr
        assert result.stdout == ""
    ws = open_workspace(ws_path)
    try:
        assert catalog(ws) == before
    finally:
        ws.close()

"""Formats, encodings, dates, names and bad input of segmentation.ingest."""

import io
import json
import os

import duckdb
import pandas as pd
import pytest
from corpus import BAD_FILES

from segmentation.errors import IngestError, InvalidParameterError, NameClashError
from segmentation.ingest import load as ingest
from segmentation.ingest.load import ingest_file, ingest_upload, unique_names, update_roles
from segmentation.workspace.connection import open_workspace

TRANSACTIONS = (
    "order_id,customer_id,order_date,amount\n"
    "A1,00001,2024-01-05,10.5\nA2,00001,2024-02-01,20\nA3,00002,2024-02-03,5\n"
)


@pytest.fixture
def ws(tmp_path):
    return open_workspace(tmp_path / "ws.duckdb")


def write(tmp_path, name, content, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_bytes(content.encode(encoding))
    return path


def catalog(ws):
    """What a user could see change: the listed tables and every table's row count."""
    listed = [(t.name, t.rows, t.kind) for t in ws.tables()]
    real = ws.query(
        "SELECT table_name, estimated_size FROM duckdb_tables() "
        "WHERE schema_name = 'main' ORDER BY 1"
    )
    counts = [ws.query(f'SELECT count(*) FROM "{name}"')[0][0] for name, _ in real]
    return listed, [name for name, _ in real], counts


def values(ws, table, column):
    return [r[0] for r in ws.query(f'SELECT "{column}" FROM "{table}"')]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("comma.csv", TRANSACTIONS),
        ("semi.csv", TRANSACTIONS.replace(",", ";")),
        ("tabs.tsv", TRANSACTIONS.replace(",", "\t")),
        ("pipes.txt", TRANSACTIONS.replace(",", "|")),
        ("crlf.csv", TRANSACTIONS.replace("\n", "\r\n")),
        (
            "aligned.txt",
            "".join(
                f"  {a:<6} {b:<8} {c:<12} {d:>6}\n"
                for a, b, c, d in (row.split(",") for row in TRANSACTIONS.splitlines())
            ),
        ),
    ],
)
def test_delimiters_are_detected(ws, tmp_path, name, text):
    info = ingest_file(ws, write(tmp_path, name, text))
    assert info.rows == 3
    assert [c.name for c in info.columns] == ["order_id", "customer_id", "order_date", "amount"]
    assert values(ws, info.name, "customer_id") == ["00001", "00001", "00002"]
    assert info.column("order_date").type == "DATE"
    assert values(ws, info.name, "amount") == [10.5, 20.0, 5.0]
    assert info.kind == "transactions"


def test_utf8_bom_and_cp1252_are_read(ws, tmp_path):
    text = "customer_id,city,amount\n1,Zürich,3\n2,Besançon €,4\n"
    bom = ingest_file(ws, write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + text.encode()))
    assert bom.columns[0].name == "customer_id"
    win = ingest_file(ws, write(tmp_path, "win.csv", text, encoding="cp1252"))
    assert win.options["encoding"] == "cp1252"
    assert values(ws, win.name, "city") == ["Zürich", "Besançon €"]
    utf16 = ingest_file(ws, write(tmp_path, "u16.csv", text, encoding="utf-16"))
    assert values(ws, utf16.name, "city") == ["Zürich", "Besançon €"]


def test_semicolon_files_read_decimal_commas(ws, tmp_path):
    info = ingest_file(ws, write(tmp_path, "eu.csv", "kunde;betrag\n1;1.234,50\n2;7,25\n3;10\n"))
    assert info.column("betrag").type == "DOUBLE"
    assert values(ws, info.name, "betrag") == [1234.5, 7.25, 10.0]
    assert any("decimal comma" in w for w in info.warnings)


@pytest.mark.parametrize(
    ("written", "fmt", "expected"),
    [
        (["2024-01-31", "2024-02-01"], "ISO 8601", ["2024-01-31", "2024-02-01"]),
        (["20240131", "20240201"], "%Y%m%d", ["2024-01-31", "2024-02-01"]),
        (["31-01-2024", "01-02-2024"], "%d-%m-%Y", ["2024-01-31", "2024-02-01"]),
        (["31.01.2024", "01.02.2024"], "%d.%m.%Y", ["2024-01-31", "2024-02-01"]),
        (["1/31/2024", "2/1/2024"], "%m/%d/%Y", ["2024-01-31", "2024-02-01"]),
        (["31/1/2024", "1/2/2024"], "%d/%m/%Y", ["2024-01-31", "2024-02-01"]),
    ],
)
def test_date_formats_are_detected_from_values(ws, tmp_path, written, fmt, expected):
    text = "customer_id,day\n" + "".join(f"c{i},{d}\n" for i, d in enumerate(written))
    info = ingest_file(ws, write(tmp_path, "dates.csv", text))
    assert info.column("day").type == "DATE"
    assert info.options["date_formats"]["day"] == fmt
    assert [str(d) for d in values(ws, info.name, "day")] == expected


def test_ambiguous_dates_are_flagged_and_can_be_overridden(ws, tmp_path):
    path = write(tmp_path, "amb.csv", "customer_id,day\na,03/04/2024\nb,05/06/2024\n")
    info = ingest_file(ws, path)
    assert info.options["date_formats"]["day"] == "%m/%d/%Y"
    assert any("could also be %d/%m/%Y" in w for w in info.warnings)
    again = ingest_file(ws, path, table="amb_eu", date_format="%d/%m/%Y")
    assert [str(d) for d in values(ws, again.name, "day")] == ["2024-04-03", "2024-06-05"]


def test_timestamps_with_time_and_time_zone(ws, tmp_path):
    text = "customer_id,ts\na,2024-01-05 23:30:00\nb,2024-01-05T23:30:00+02:00\n"
    info = ingest_file(ws, write(tmp_path, "tz.csv", text))
    assert info.column("ts").type == "TIMESTAMP"
    assert [str(v) for v in values(ws, info.name, "ts")] == [
        "2024-01-05 23:30:00",
        "2024-01-05 21:30:00",
    ]


def test_float_ids_become_whole_numbers_and_zero_padding_stays(ws, tmp_path):
    text = "CustomerID,zip,amount\n17850.0,01234,1\n13047.0,99501,2\n,00501,3\n"
    info = ingest_file(ws, write(tmp_path, "ids.csv", text))
    assert values(ws, info.name, "CustomerID") == ["17850", "13047", None]
    assert values(ws, info.name, "zip") == ["01234", "99501", "00501"]
    assert info.quality["rows_without_customer_id"] == 1


def test_duplicate_column_names_are_made_unique_with_a_warning(ws, tmp_path):
    info = ingest_file(ws, write(tmp_path, "dup.csv", "id,amount,Amount,\n1,2,3,4\n2,5,6,7\n"))
    assert [c.name for c in info.columns] == ["id", "amount", "Amount_2", "column_4"]
    assert any("'Amount' appears twice" in w for w in info.warnings)
    assert unique_names(["a", "a", "a"])[0] == ["a", "a_2", "a_3"]


def test_column_names_with_symbols_quotes_and_sql_are_kept(ws, tmp_path):
    header = '"Annual Income (k$)","say ""hi""","x; DROP TABLE t; --","Größe 数"'
    info = ingest_file(ws, write(tmp_path, "names.csv", header + "\n1,2,3,4\n5,6,7,8\n"))
    assert [c.name for c in info.columns] == [
        "Annual Income (k$)",
        'say "hi"',
        "x; DROP TABLE t; --",
        "Größe 数",
    ]
    assert values(ws, info.name, 'say "hi"'.replace('"', '""')) == [2, 6]


def test_malformed_rows_are_skipped_and_counted(ws, tmp_path):
    text = "customer_id,amount,day\na,1,2024-01-01\nb,2\nc,3,2024-01-03,extra\nd,x7,2024-01-04\n"
    info = ingest_file(ws, write(tmp_path, "ragged.csv", text))
    assert info.rows == 2
    assert any("2 malformed line(s) were skipped" in w for w in info.warnings)


def test_bad_values_are_left_empty_and_counted(ws, tmp_path):
    rows = "".join(f"c{i},{i}.5,2024-01-{i % 28 + 1:02d}\n" for i in range(200))
    text = "customer_id,amount,day\n" + rows + "z,oops,not a date\n"
    info = ingest_file(ws, write(tmp_path, "badvals.csv", text))
    assert info.rows == 201
    assert info.column("amount").type == "DOUBLE"
    assert info.quality["unparseable"] == {"amount": 1, "day": 1}
    assert info.quality["unparseable_dates"] == 1
    assert any(
        "1 value(s) in column 'amount' could not be read as a number" in w for w in info.warnings
    )


def test_nan_and_infinity_become_missing(ws, tmp_path):
    info = ingest_file(ws, write(tmp_path, "inf.csv", "id,x\n1,1.5\n2,inf\n3,NaN\n4,-Infinity\n"))
    assert values(ws, info.name, "x") == [1.5, None, None, None]


def test_quality_report_counts_what_matters(ws, tmp_path):
    text = (
        "customer_id,order_date,amount,const\n"
        "a,2024-01-01,10,k\na,2024-01-01,10,k\n,2024-01-02,-5,k\nb,2999-01-01,7,k\n"
        + "".join(f"c{i},2024-02-01,{8 + i % 3},k\n" for i in range(40))
        + "d,2024-03-01,9000,k\n"
    )
    q = ingest_file(ws, write(tmp_path, "q.csv", text)).quality
    assert q["rows"] == 45
    assert q["duplicate_rows"] == 1
    assert q["rows_without_customer_id"] == 1
    assert q["negative_amounts"] == 1
    assert q["future_dates"] == 1
    assert q["constant_columns"] == ["const"]
    assert {c["name"]: c["outliers"] for c in q["per_column"]}["amount"] >= 1
    assert {c["name"]: c["missing"] for c in q["per_column"]}["customer_id"] == 1


def test_excel_parquet_json_and_jsonl_load(ws, tmp_path):
    frame = pd.DataFrame(
        {
            "customer_id": ["007", "008", "007"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [1.5, 2.0, 3.25],
        }
    )
    xlsx = tmp_path / "book.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        frame.to_excel(writer, sheet_name="orders", index=False)
        frame.head(1).to_excel(writer, sheet_name="other", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    (tmp_path / "f.json").write_text(frame.to_json(orient="records", date_format="iso"))
    (tmp_path / "f.jsonl").write_text(
        frame.to_json(orient="records", lines=True, date_format="iso")
    )
    for name in ("book.xlsx", "f.parquet", "f.json", "f.jsonl"):
        info = ingest_file(ws, tmp_path / name, table=name.replace(".", "_"))
        assert info.rows == 3, name
        assert values(ws, info.name, "customer_id") == ["007", "008", "007"], name
        assert values(ws, info.name, "amount") == [1.5, 2.0, 3.25], name
        assert info.column("order_date").type in ("DATE", "TIMESTAMP"), name
        assert info.kind == "transactions", name
    assert any("first sheet ('orders')" in w for w in ws.table("book_xlsx").warnings)


def test_upload_bytes_load_under_the_users_file_name(ws):
    info = ingest_upload(ws, io.BytesIO(TRANSACTIONS.encode()), "My Orders.csv")
    assert info.name == "my_orders"
    assert info.source_file == "My Orders.csv"
    assert len(info.source_sha256) == 64


def test_update_roles_saves_roles_and_kind_and_refuses_duplicates(ws, tmp_path):
    info = ingest_file(ws, write(tmp_path, "r.csv", TRANSACTIONS))
    changed = update_roles(
        ws, info.name, {"order_id": "attribute", "amount": "amount"}, kind="customers"
    )
    assert changed.kind == "customers"
    assert "order_id" not in changed.roles
    with pytest.raises(InvalidParameterError, match="given to two columns"):
        update_roles(ws, info.name, {"order_id": "customer_id"})
    with pytest.raises(InvalidParameterError, match="must be one of"):
        update_roles(ws, info.name, {"amount": "money"})
    assert ws.table(info.name).roles == changed.roles


# -- bad input: a clear message naming the file, and nothing changed ------------------------
@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_bad_files_are_refused_and_change_nothing(ws, tmp_path, name, content, message):
    ingest_file(ws, write(tmp_path, "keep.csv", TRANSACTIONS))
    before = catalog(ws)
    path = write(tmp_path, name, content)
    with pytest.raises(IngestError, match=message) as err:
        ingest_file(ws, path)
    assert name in str(err.value)
    assert catalog(ws) == before


def test_wrong_encoding_is_refused_with_advice(ws, tmp_path):
    path = write(tmp_path, "latin.csv", "id,city\n1,Zürich\n", encoding="cp1252")
    with pytest.raises(IngestError, match="not valid utf-8.*--encoding cp1252"):
        ingest_file(ws, path, encoding="utf-8")
    assert ws.tables() == []


def test_name_clash_keeps_the_existing_table_and_replace_swaps_it(ws, tmp_path):
    first = ingest_file(ws, write(tmp_path, "orders.csv", TRANSACTIONS))
    bigger = write(tmp_path, "orders2.csv", TRANSACTIONS + "A4,00003,2024-03-01,1\n")
    with pytest.raises(NameClashError, match="already exists"):
        ingest_file(ws, bigger, table="orders")
    assert ws.table("orders").rows == first.rows == 3
    assert ingest_file(ws, bigger, table="orders", replace=True).rows == 4
    assert ws.query("SELECT count(*) FROM orders") == [(4,)]
    assert [t.name for t in ws.tables()] == ["orders"]


def test_failed_replace_keeps_the_old_table(ws, tmp_path):
    ingest_file(ws, write(tmp_path, "orders.csv", TRANSACTIONS))
    before = catalog(ws)
    with pytest.raises(IngestError):
        ingest_file(ws, write(tmp_path, "x.csv", b"customer_id\n"), table="orders", replace=True)
    assert catalog(ws) == before


def test_an_upload_over_the_limit_is_refused_but_a_local_file_is_not(ws, tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_UPLOAD_MB", 0.0001)
    with pytest.raises(IngestError, match="big.csv.*over the .* MB limit"):
        ingest_upload(ws, (TRANSACTIONS * 20).encode(), "big.csv")
    assert ws.tables() == []
    # a file on this machine (the CLI) has no size limit
    assert ingest_file(ws, write(tmp_path, "big.csv", TRANSACTIONS)).rows == 3


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("delimiter", "#", "'delimiter' parameter must be one of"),
        ("encoding", "klingon", "'encoding' parameter must be one of"),
        ("date_format", "dd/mm/yyyy", "strptime format"),
    ],
)
def test_impossible_options_are_refused(ws, tmp_path, option, value, message):
    with pytest.raises(InvalidParameterError, match=message):
        ingest_file(ws, write(tmp_path, "o.csv", TRANSACTIONS), **{option: value})


def test_json_lines_with_nested_values_load_as_text(ws, tmp_path):
    lines = [
        json.dumps({"customer_id": "a", "tags": ["x", "y"], "amount": 1}),
        json.dumps({"customer_id": "b", "tags": [], "amount": 2}),
    ]
    info = ingest_file(ws, write(tmp_path, "n.jsonl", "\n".join(lines)))
    assert info.column("tags").type == "VARCHAR"


def test_time_zones_are_read_when_the_sample_shows_them_and_plain_times_stay(ws, tmp_path):
    plain = "".join(f"c{i},2024-03-{i % 28 + 1:02d} 10:00:00\n" for i in range(50))
    info = ingest_file(ws, write(tmp_path, "plain.csv", "customer_id,ts\n" + plain))
    assert {str(v)[11:] for v in values(ws, info.name, "ts")} == {"10:00:00"}
    zoned = "".join(f"c{i},2024-03-{i % 28 + 1:02d}T10:00:00-05:00\n" for i in range(50))
    info = ingest_file(ws, write(tmp_path, "zoned.csv", "customer_id,ts\n" + zoned))
    assert {str(v)[11:] for v in values(ws, info.name, "ts")} == {"15:00:00"}  # in UTC


def test_a_large_file_is_typed_from_a_sample_across_it_and_late_bad_values_are_counted(
    ws, tmp_path, monkeypatch
):
    # Files over SPREAD_SAMPLE_MB are sampled in runs of lines from across the file; lowered
    # here so that a 2 MB file takes that path.
    monkeypatch.setattr(ingest, "SPREAD_SAMPLE_MB", 1)
    n = 60_000
    lines = [f"O{i},C{i % 997:04d},2024-01-{i % 28 + 1:02d},{i % 50}.25\n" for i in range(n)]
    lines[n - 10] = "Obad,C0001,someday,lots\n"  # far past any head-of-file sample
    path = write(tmp_path, "large.csv", "order_id,customer_id,day,amount\n" + "".join(lines))
    assert path.stat().st_size > 2**20
    info = ingest_file(ws, path)
    assert info.rows == n
    assert [(c.name, c.type) for c in info.columns] == [
        ("order_id", "VARCHAR"),
        ("customer_id", "VARCHAR"),
        ("day", "DATE"),
        ("amount", "DOUBLE"),
    ]
    assert info.quality["unparseable"] == {"day": 1, "amount": 1}
    assert ws.query(f"SELECT count(*) FROM \"{info.name}\" WHERE customer_id = 'C0001'")[0][0] > 0
    # the flag columns used to count failures are gone
    assert [c[0] for c in ws.query(f'DESCRIBE "{info.name}"')] == [c.name for c in info.columns]


def test_spread_sample_keeps_the_header_and_draws_whole_lines_from_across_the_file(tmp_path):
    path = write(tmp_path, "n.csv", "n\n" + "".join(f"{i}\n" for i in range(100_000)))
    out = ingest._spread_sample(path, tmp_path / "s.txt", rows=2_000, chunks=20)
    got = out.read_text().splitlines()
    assert got[0] == "n" and len(got) == 2_000
    numbers = [int(x) for x in got[1:]]
    assert max(numbers) > 90_000 and min(numbers) == 0  # from the start to the end
    assert len({n // 5_000 for n in numbers}) == 20  # one run from every twentieth


def test_loads_report_reading_progress_and_leave_nothing_in_the_inbox(ws, tmp_path):
    rows = "".join(f"c{i % 300},{i},2024-01-{i % 28 + 1:02d}\n" for i in range(20_000))
    seen = []
    ingest_upload(
        ws,
        ("customer_id,amount,day\n" + rows).encode(),
        "orders.csv",
        progress=lambda f, m: seen.append((f, m)),
    )
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(m.startswith("Reading orders.csv: ") for _, m in seen)
    assert ws.inbox.is_dir() and list(ws.inbox.iterdir()) == []


def test_the_workspace_reads_only_its_inbox_and_removes_it_on_close(tmp_path):
    ws = open_workspace(tmp_path / "own.duckdb")
    inbox = ws.inbox
    assert oct(inbox.stat().st_mode & 0o777) == "0o700"
    (inbox / "in.csv").write_text("a\n1\n")
    (tmp_path / "out.csv").write_text("a\n1\n")
    assert ws.query("SELECT count(*) FROM read_csv(?)", [str(inbox / "in.csv")]) == [(1,)]
    sneaky = inbox / os.path.relpath(tmp_path / "out.csv", inbox)  # inbox/../../...
    for outside in (tmp_path / "out.csv", sneaky):
        with pytest.raises(duckdb.Error, match="disabled by configuration"):
            ws.query("SELECT count(*) FROM read_csv(?)", [str(outside)])
    ws.close()
    assert not inbox.exists()


def test_a_file_on_another_file_system_is_copied_into_the_inbox(ws, tmp_path, monkeypatch):
    # A hard link cannot cross file systems (EXDEV): the file is copied instead. The error is
    # raised here because tests cannot mount a second file system.
    def cross_device(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(ingest.os, "link", cross_device)
    path = write(tmp_path, "orders.csv", TRANSACTIONS)
    info = ingest_file(ws, path)
    assert info.rows == 3 and values(ws, info.name, "customer_id") == ["00001", "00001", "00002"]
    assert path.read_text() == TRANSACTIONS  # the user's file is untouched
    assert list(ws.inbox.iterdir()) == []


def test_the_hard_link_in_the_inbox_goes_and_the_users_file_stays(ws, tmp_path):
    path = write(tmp_path, "orders.csv", TRANSACTIONS)
    seen = []
    ingest_file(ws, path, progress=lambda f, m: seen.append(path.stat().st_nlink))
    assert max(seen) == 2  # linked into the inbox while loading, not copied
    assert path.stat().st_nlink == 1 and path.read_text() == TRANSACTIONS


def test_a_column_the_sample_misjudged_is_kept_as_text_with_a_warning(ws, tmp_path, monkeypatch):
    # Product codes that are numbers in the sampled runs of lines, and letters in 5% of the
    # file the sample missed: over the whole file the 98% rule fails, so the column stays text
    # (nothing is emptied); the few bad amounts are still only counted.
    monkeypatch.setattr(ingest, "SPREAD_SAMPLE_MB", 0.5)  # the file is 0.8 MB
    monkeypatch.setattr(ingest, "_SAMPLE_CHUNKS", 2)  # the start and the middle of the file
    n = 60_000
    codes = [str(100 + i % 40) for i in range(n)]  # a repeated attribute, not an identifier
    codes[n // 4 : n // 4 + 3_000] = [f"SKU-{i % 40}" for i in range(3_000)]  # a run not sampled
    amounts = [f"{i % 50}.5" for i in range(n)]
    amounts[n // 4 + 5_000] = "n/a?"
    rows = enumerate(zip(codes, amounts, strict=True))
    lines = "".join(f"C{i % 500},{c},{a}\n" for i, (c, a) in rows)
    path = write(tmp_path, "codes.csv", "customer_id,code,amount\n" + lines)
    info = ingest_file(ws, path)
    assert info.column("code").type == "VARCHAR"
    assert values(ws, info.name, "code")[n // 4] == "SKU-0"
    assert ws.query(f'SELECT count(code) FROM "{info.name}"') == [(n,)]
    assert (
        "Column 'code' looked like a number in a sample of the file, but 3,000 of its values "
        "are not: it was kept as text." in info.warnings
    ), info.warnings
    assert info.column("amount").type == "DOUBLE" and info.quality["unparseable"] == {"amount": 1}
    assert [c[0] for c in ws.query(f'DESCRIBE "{info.name}"')] == ["customer_id", "code", "amount"]

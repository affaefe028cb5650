"""Column types of segmentation.ingest.coltypes: numbers, dates, time zones, values that do not convert."""

import json

import pytest

from segmentation.ingest.load import ingest_file


def test_semicolon_files_read_decimal_commas(ws, tmp_path, write, values):
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
        (["31 Jan 2024", "1 February 2024"], "%d %b %Y", ["2024-01-31", "2024-02-01"]),
        (["31-JAN-24", "01-Feb-24"], "%d-%b-%y", ["2024-01-31", "2024-02-01"]),
        (["31-Jan-2024", "01-Feb-2024"], "%d-%b-%Y", ["2024-01-31", "2024-02-01"]),
        (["Jan 31 2024", "Feb 1 2024"], "%b %d %Y", ["2024-01-31", "2024-02-01"]),
        (['"January 31, 2024"', '"Feb 1, 2024"'], "%b %d, %Y", ["2024-01-31", "2024-02-01"]),
    ],
)
def test_date_formats_are_detected_from_values(
    ws,
    tmp_path,
    written,
    fmt,
    expected,
    write,
    values,
):
    text = "customer_id,day\n" + "".join(f"c{i},{d}\n" for i, d in enumerate(written))
    info = ingest_file(ws, write(tmp_path, "dates.csv", text))
    assert info.column("day").type == "DATE"
    assert info.options["date_formats"]["day"] == fmt
    assert [str(d) for d in values(ws, info.name, "day")] == expected


def test_ambiguous_dates_are_flagged_and_can_be_overridden(ws, tmp_path, write, values):
    path = write(tmp_path, "amb.csv", "customer_id,day\na,03/04/2024\nb,05/06/2024\n")
    info = ingest_file(ws, path)
    assert info.options["date_formats"]["day"] == "%m/%d/%Y"
    assert any("could also be %d/%m/%Y" in w for w in info.warnings)
    again = ingest_file(ws, path, table="amb_eu", date_format="%d/%m/%Y")
    assert [str(d) for d in values(ws, again.name, "day")] == ["2024-04-03", "2024-06-05"]


def test_timestamps_with_time_and_time_zone(ws, tmp_path, write, values):
    text = "customer_id,ts\na,2024-01-05 23:30:00\nb,2024-01-05T23:30:00+02:00\n"
    info = ingest_file(ws, write(tmp_path, "tz.csv", text))
    assert info.column("ts").type == "TIMESTAMP"
    assert [str(v) for v in values(ws, info.name, "ts")] == [
        "2024-01-05 23:30:00",
        "2024-01-05 21:30:00",
    ]


def test_float_ids_become_whole_numbers_and_zero_padding_stays(ws, tmp_path, write, values):
    text = "CustomerID,zip,amount\n17850.0,01234,1\n13047.0,99501,2\n,00501,3\n"
    info = ingest_file(ws, write(tmp_path, "ids.csv", text))
    assert values(ws, info.name, "CustomerID") == ["17850", "13047", None]
    assert values(ws, info.name, "zip") == ["01234", "99501", "00501"]
    assert info.quality["rows_without_customer_id"] == 1


def test_bad_values_are_left_empty_and_counted(ws, tmp_path, write):
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


def test_nan_and_infinity_become_missing(ws, tmp_path, write, values):
    info = ingest_file(ws, write(tmp_path, "inf.csv", "id,x\n1,1.5\n2,inf\n3,NaN\n4,-Infinity\n"))
    assert values(ws, info.name, "x") == [1.5, None, None, None]


def test_json_lines_with_nested_values_load_as_text(ws, tmp_path, write):
    lines = [
        json.dumps({"customer_id": "a", "tags": ["x", "y"], "amount": 1}),
        json.dumps({"customer_id": "b", "tags": [], "amount": 2}),
    ]
    info = ingest_file(ws, write(tmp_path, "n.jsonl", "\n".join(lines)))
    assert info.column("tags").type == "VARCHAR"


def test_time_zones_are_read_when_the_sample_shows_them_and_plain_times_stay(
    ws,
    tmp_path,
    write,
    values,
):
    plain = "".join(f"c{i},2024-03-{i % 28 + 1:02d} 10:00:00\n" for i in range(50))
    info = ingest_file(ws, write(tmp_path, "plain.csv", "customer_id,ts\n" + plain))
    assert {str(v)[11:] for v in values(ws, info.name, "ts")} == {"10:00:00"}
    zoned = "".join(f"c{i},2024-03-{i % 28 + 1:02d}T10:00:00-05:00\n" for i in range(50))
    info = ingest_file(ws, write(tmp_path, "zoned.csv", "customer_id,ts\n" + zoned))
    assert {str(v)[11:] for v in values(ws, info.name, "ts")} == {"15:00:00"}  # in UTC


@pytest.mark.parametrize(
    ("text", "is_date"),
    [
        ("2024-01-05", True), ("05/01/2024", True), ("2024.01.05", True), ("20240105", True),
        ("2024-01-05 10:00", True), ("13/13/2024", False), ("+44 20 7946 0958", False),
        ("555-123-4567", False), ("(555) 123-4567", False), ("06-12345678", False),
        ("0612345678", False), ("555.123.4567", False), ("12-34-5678", False),
    ],
)  # fmt: skip
def test_reads_as_date_tells_dates_from_phone_numbers(text, is_date):
    import duckdb

    from segmentation.ingest.coltypes import reads_as_date_sql

    sql = f"SELECT {reads_as_date_sql('v')} FROM (SELECT ?::VARCHAR AS v)"
    assert duckdb.connect().execute(sql, [text]).fetchall() == [(is_date,)]


def test_month_name_dates_with_a_time_are_timestamps(ws, tmp_path, write, values):
    text = "customer_id,ts\na,5 Jan 2024 10:30\nb,6 Jan 2024 23:05\n"
    info = ingest_file(ws, write(tmp_path, "ts.csv", text))
    assert info.column("ts").type == "TIMESTAMP"
    assert [str(v) for v in values(ws, info.name, "ts")] == [
        "2024-01-05 10:30:00",
        "2024-01-06 23:05:00",
    ]


def test_words_with_a_month_in_them_stay_text(ws, tmp_path, write):
    text = "customer_id,note\na,Mar 2024 promo\nb,June sale 2024\nc,may 12 2024 maybe\n"
    info = ingest_file(ws, write(tmp_path, "notes.csv", text))
    assert info.column("note").type == "VARCHAR"

"""Text files of segmentation.ingest.text: delimiters, encodings, header names, malformed lines, samples."""

import pytest

from segmentation.errors import IngestError
from segmentation.ingest import text as ingest_text
from segmentation.ingest.load import ingest_file
from segmentation.ingest.text import unique_names

TRANSACTIONS = (
    "order_id,customer_id,order_date,amount\n"
    "A1,00001,2024-01-05,10.5\nA2,00001,2024-02-01,20\nA3,00002,2024-02-03,5\n"
)


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
def test_delimiters_are_detected(ws, tmp_path, name, text, write, values):
    info = ingest_file(ws, write(tmp_path, name, text))
    assert info.rows == 3
    assert [c.name for c in info.columns] == ["order_id", "customer_id", "order_date", "amount"]
    assert values(ws, info.name, "customer_id") == ["00001", "00001", "00002"]
    assert info.column("order_date").type == "DATE"
    assert values(ws, info.name, "amount") == [10.5, 20.0, 5.0]
    assert info.kind == "transactions"


def test_utf8_bom_and_cp1252_are_read(ws, tmp_path, write, values):
    text = "customer_id,city,amount\n1,Zürich,3\n2,Besançon €,4\n"
    bom = ingest_file(ws, write(tmp_path, "bom.csv", b"\xef\xbb\xbf" + text.encode()))
    assert bom.columns[0].name == "customer_id"
    win = ingest_file(ws, write(tmp_path, "win.csv", text, encoding="cp1252"))
    assert win.options["encoding"] == "cp1252"
    assert values(ws, win.name, "city") == ["Zürich", "Besançon €"]
    utf16 = ingest_file(ws, write(tmp_path, "u16.csv", text, encoding="utf-16"))
    assert values(ws, utf16.name, "city") == ["Zürich", "Besançon €"]


def test_duplicate_column_names_are_made_unique_with_a_warning(ws, tmp_path, write):
    info = ingest_file(ws, write(tmp_path, "dup.csv", "id,amount,Amount,\n1,2,3,4\n2,5,6,7\n"))
    assert [c.name for c in info.columns] == ["id", "amount", "Amount_2", "column_4"]
    assert any("'Amount' appears twice" in w for w in info.warnings)
    assert unique_names(["a", "a", "a"])[0] == ["a", "a_2", "a_3"]


def test_column_names_with_symbols_quotes_and_sql_are_kept(ws, tmp_path, write, values):
    header = '"Annual Income (k$)","say ""hi""","x; DROP TABLE t; --","Größe 数"'
    info = ingest_file(ws, write(tmp_path, "names.csv", header + "\n1,2,3,4\n5,6,7,8\n"))
    assert [c.name for c in info.columns] == [
        "Annual Income (k$)",
        'say "hi"',
        "x; DROP TABLE t; --",
        "Größe 数",
    ]
    assert values(ws, info.name, 'say "hi"'.replace('"', '""')) == [2, 6]


def test_malformed_rows_are_skipped_and_counted(ws, tmp_path, write):
    text = "customer_id,amount,day\na,1,2024-01-01\nb,2\nc,3,2024-01-03,extra\nd,x7,2024-01-04\n"
    info = ingest_file(ws, write(tmp_path, "ragged.csv", text))
    assert info.rows == 2
    assert any("2 malformed line(s) were skipped" in w for w in info.warnings)


def test_wrong_encoding_is_refused_with_advice(ws, tmp_path, write):
    path = write(tmp_path, "latin.csv", "id,city\n1,Zürich\n", encoding="cp1252")
    with pytest.raises(IngestError, match="not valid utf-8.*--encoding cp1252"):
        ingest_file(ws, path, encoding="utf-8")
    assert ws.tables() == []


def test_a_large_file_is_typed_from_a_sample_across_it_and_late_bad_values_are_counted(
    ws,
    tmp_path,
    monkeypatch,
    write,
):
    # Files over SPREAD_SAMPLE_MB are sampled in runs of lines from across the file; lowered
    # here so that a 2 MB file takes that path.
    monkeypatch.setattr(ingest_text, "SPREAD_SAMPLE_MB", 1)
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


def test_spread_sample_keeps_the_header_and_draws_whole_lines_from_across_the_file(
    tmp_path,
    write,
):
    path = write(tmp_path, "n.csv", "n\n" + "".join(f"{i}\n" for i in range(100_000)))
    out = ingest_text._spread_sample(path, tmp_path / "s.txt", rows=2_000, chunks=20)
    got = out.read_text().splitlines()
    assert got[0] == "n" and len(got) == 2_000
    numbers = [int(x) for x in got[1:]]
    assert max(numbers) > 90_000 and min(numbers) == 0  # from the start to the end
    assert len({n // 5_000 for n in numbers}) == 20  # one run from every twentieth

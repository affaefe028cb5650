"""Broken and hostile files that ingest must refuse: (file name, bytes, part of the message).

Shared by the library, CLI and page tests so every face refuses the same files the same way.
"""

import io
import zipfile

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def _zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("data.csv", "customer_id,amount\n1,2\n")
    return buf.getvalue()


BAD_FILES = [
    ("empty.csv", b"", "is empty"),
    ("header_only.csv", b"customer_id,amount\n", "header but no data rows"),
    ("blank.csv", b"\n\n   \n\r\n", "only blank lines"),
    ("junk.csv", bytes(range(256)) * 20, "binary data"),
    ("picture.csv", PNG, "PNG image, not a"),
    ("archive.csv", _zip_bytes(), "ZIP archive"),
    ("fake.xlsx", b"customer_id,amount\n1,2\n", "not a valid Excel"),
    ("zip_not_excel.xlsx", _zip_bytes(), "not a valid Excel workbook"),
    ("broken.parquet", b"PAR1" + b"\x00" * 100, "not a valid Parquet"),
    ("broken.json", b'[{"customer_id": 1, "amount": ', "not a valid Json"),
    ("notes.docx", b"hello", "unsupported file type"),
]


# -- more files every face must refuse (appended; the entries above keep their messages) ------
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
SQLITE = b"SQLite format 3\x00" + bytes(range(256)) * 2
ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(300)


def _damaged_gzip() -> bytes:
    import gzip

    whole = gzip.compress(
        b"customer_id,amount\n" + b"".join(b"c%d,%d\n" % (i, i) for i in range(3000))
    )
    return whole[: len(whole) // 2]


BAD_FILES += [
    ("report.csv", PDF, "PDF document"),
    ("customers.json", SQLITE, "SQLite database"),
    ("program.parquet", ELF, "not a valid Parquet"),
    ("damaged.csv.gz", _damaged_gzip(), "gzip archive is damaged"),
    ("bom_only.csv", b"\xef\xbb\xbf", "only blank lines"),
]


def catalog(ws):
    """What a user could see change: the listed tables, the real tables and their row counts."""
    listed = [(t.name, t.rows, t.kind) for t in ws.tables()]
    real = [
        r[0]
        for r in ws.query(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' ORDER BY 1"
        )
    ]
    counts = [ws.query(f'SELECT count(*) FROM "{name}"')[0][0] for name in real]
    return listed, real, counts

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

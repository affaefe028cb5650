"""segmentation.ingest.files: files told by their bytes, the inbox, checksums."""

import pytest
from corpus import BAD_FILES

from segmentation.errors import IngestError
from segmentation.ingest import files as ingest_files
from segmentation.ingest.files import file_sha256
from segmentation.ingest.load import ingest_file

TRANSACTIONS = (
    "order_id,customer_id,order_date,amount\n"
    "A1,00001,2024-01-05,10.5\nA2,00001,2024-02-01,20\nA3,00002,2024-02-03,5\n"
)


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_bad_files_are_refused_and_change_nothing(
    ws,
    tmp_path,
    name,
    content,
    message,
    write,
    catalog,
):
    ingest_file(ws, write(tmp_path, "keep.csv", TRANSACTIONS))
    before = catalog(ws)
    path = write(tmp_path, name, content)
    with pytest.raises(IngestError, match=message) as err:
        ingest_file(ws, path)
    assert name in str(err.value)
    assert catalog(ws) == before


def test_a_file_on_another_file_system_is_copied_into_the_inbox(
    ws,
    tmp_path,
    monkeypatch,
    write,
    values,
):
    # A hard link cannot cross file systems (EXDEV): the file is copied instead. The error is
    # raised here because tests cannot mount a second file system.
    def cross_device(src, dst):
        raise OSError(18, "Invalid cross-device link")

    monkeypatch.setattr(ingest_files.os, "link", cross_device)
    path = write(tmp_path, "orders.csv", TRANSACTIONS)
    info = ingest_file(ws, path)
    assert info.rows == 3 and values(ws, info.name, "customer_id") == ["00001", "00001", "00002"]
    assert path.read_text() == TRANSACTIONS  # the user's file is untouched
    assert list(ws.inbox.iterdir()) == []


def test_the_hard_link_in_the_inbox_goes_and_the_users_file_stays(ws, tmp_path, write):
    path = write(tmp_path, "orders.csv", TRANSACTIONS)
    seen = []
    ingest_file(ws, path, progress=lambda f, m: seen.append(path.stat().st_nlink))
    assert max(seen) == 2  # linked into the inbox while loading, not copied
    assert path.stat().st_nlink == 1 and path.read_text() == TRANSACTIONS


def test_file_sha256_is_the_checksum_of_the_bytes(tmp_path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"id\n1\n")
    assert file_sha256(path) == "7cde7fb64fd82bd152710cf238e017b9ab46c0592483edc067ba4f6c75fac108"


def test_check_file_tells_a_file_by_its_bytes_not_its_name(tmp_path):
    fake = tmp_path / "orders.csv"
    fake.write_bytes(b"%PDF-1.4 not a table")
    with pytest.raises(IngestError, match="orders.csv: this is a PDF document"):
        ingest_files.check_file(fake, "orders.csv")
    (tmp_path / "real.csv").write_text("id,amount\n1,2\n")
    assert ingest_files.check_file(tmp_path / "real.csv", "real.csv") == "text"

"""Loading into the workspace with segmentation.ingest.load: uploads, names, roles, options, the
inbox, and a load that leaves the workspace as it was."""

import io
import os

import pytest

from segmentation.errors import IngestError, InvalidParameterError, NameClashError, QueryError
from segmentation.ingest import load
from segmentation.ingest import text as ingest_text
from segmentation.ingest.load import ingest_file, ingest_upload, update_roles
from segmentation.workspace import open_workspace

TRANSACTIONS = (
    "order_id,customer_id,order_date,amount\n"
    "A1,00001,2024-01-05,10.5\nA2,00001,2024-02-01,20\nA3,00002,2024-02-03,5\n"
)


def test_upload_bytes_load_under_the_users_file_name(ws):
    info = ingest_upload(ws, io.BytesIO(TRANSACTIONS.encode()), "My Orders.csv")
    assert info.name == "my_orders"
    assert info.source_file == "My Orders.csv"
    assert len(info.source_sha256) == 64


def test_update_roles_saves_roles_and_kind_and_refuses_duplicates(ws, tmp_path, write):
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


def test_name_clash_keeps_the_existing_table_and_replace_swaps_it(ws, tmp_path, write):
    first = ingest_file(ws, write(tmp_path, "orders.csv", TRANSACTIONS))
    bigger = write(tmp_path, "orders2.csv", TRANSACTIONS + "A4,00003,2024-03-01,1\n")
    with pytest.raises(NameClashError, match="already exists"):
        ingest_file(ws, bigger, table="orders")
    assert ws.table("orders").rows == first.rows == 3
    assert ingest_file(ws, bigger, table="orders", replace=True).rows == 4
    assert ws.query("SELECT count(*) FROM orders") == [(4,)]
    assert [t.name for t in ws.tables()] == ["orders"]


def test_failed_replace_keeps_the_old_table(ws, tmp_path, write, catalog):
    ingest_file(ws, write(tmp_path, "orders.csv", TRANSACTIONS))
    before = catalog(ws)
    with pytest.raises(IngestError):
        ingest_file(ws, write(tmp_path, "x.csv", b"customer_id\n"), table="orders", replace=True)
    assert catalog(ws) == before


def test_an_upload_over_the_limit_is_refused_but_a_local_file_is_not(
    ws,
    tmp_path,
    monkeypatch,
    write,
):
    monkeypatch.setattr(load, "MAX_UPLOAD_MB", 0.0001)
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
def test_impossible_options_are_refused(ws, tmp_path, option, value, message, write):
    with pytest.raises(InvalidParameterError, match=message):
        ingest_file(ws, write(tmp_path, "o.csv", TRANSACTIONS), **{option: value})


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
        with pytest.raises(QueryError, match="disabled by configuration"):
            ws.query("SELECT count(*) FROM read_csv(?)", [str(outside)])
    ws.close()
    assert not inbox.exists()


def test_a_column_the_sample_misjudged_is_kept_as_text_with_a_warning(
    ws,
    tmp_path,
    monkeypatch,
    write,
    values,
):
    # Product codes that are numbers in the sampled runs of lines, and letters in 5% of the
    # file the sample missed: over the whole file the 98% rule fails, so the column stays text
    # (nothing is emptied); the few bad amounts are still only counted.
    monkeypatch.setattr(ingest_text, "SPREAD_SAMPLE_MB", 0.5)  # the file is 0.8 MB
    monkeypatch.setattr(ingest_text, "_SAMPLE_CHUNKS", 2)  # the start and the middle of the file
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


def test_a_role_whose_type_does_not_fit_is_refused_with_a_message_and_changes_nothing(
    ws, tmp_path, write
):
    info = ingest_file(
        ws,
        write(
            tmp_path,
            "t.csv",
            "customer_id,order_date,amount,note,qty\n"
            "C1,2024-01-05,a lot,x,1\nC1,2024-02-01,some,y,2\nC2,2024-02-03,few,z,3\n",
        ),
    )
    assert info.roles.get("amount") is None  # a text column called amount gets no role
    before = ws.table(info.name)
    with pytest.raises(InvalidParameterError, match=r"'amount' holds text; choose a numeric"):
        update_roles(ws, info.name, {"amount": "amount"})
    with pytest.raises(InvalidParameterError, match=r"'note' holds text; choose a numeric"):
        update_roles(ws, info.name, {"qty": "attribute", "note": "quantity"})
    with pytest.raises(InvalidParameterError, match=r"'note' holds text; choose a numeric"):
        update_roles(ws, info.name, {"note": "unit_price"})
    with pytest.raises(InvalidParameterError, match=r"'qty' holds whole numbers; choose a date"):
        update_roles(ws, info.name, {"order_date": "attribute", "qty": "timestamp"})
    assert ws.table(info.name) == before

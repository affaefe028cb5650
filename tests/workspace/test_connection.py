import os
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from segmentation.errors import (
    InvalidParameterError,
    NameClashError,
    QueryError,
    TableNotFoundError,
    WorkspaceError,
    WorkspaceInUseError,
)
from segmentation.workspace import (
    check_table_name,
    open_workspace,
    quote_ident,
    safe_table_name,
)

HOSTILE_NAMES = [
    "plain",
    "Annual Income (k$)",
    'say "hi"',
    "a; DROP TABLE x; --",
    "x') TO '/tmp/evil.csv' (--",
    "Ümlaut café 数据",
    "select",
    " leading space",
]


def test_quote_ident_doubles_quotes():
    assert quote_ident('a"b') == '"a""b"'
    assert quote_ident("Annual Income (k$)") == '"Annual Income (k$)"'


@pytest.mark.parametrize("bad", ["", "a\x00b", None, 3])
def test_quote_ident_refuses_empty_nul_and_non_strings(bad):
    with pytest.raises(InvalidParameterError, match="SQL name"):
        quote_ident(bad)


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_quoted_names_round_trip_through_duckdb(name):
    con = duckdb.connect()
    con.execute(f"CREATE TABLE {quote_ident(name)} ({quote_ident(name)} INTEGER)")
    con.execute(f"INSERT INTO {quote_ident(name)} VALUES (7)")
    assert con.execute(f"SELECT {quote_ident(name)} FROM {quote_ident(name)}").fetchall() == [(7,)]
    assert con.execute("SELECT count(*) FROM duckdb_tables()").fetchall() == [(1,)]


def test_safe_table_name_makes_plain_names():
    assert safe_table_name("Online Retail (2011).csv") == "online_retail_2011"
    assert safe_table_name("2010-12-01.csv") == "t_2010_12_01"
    assert safe_table_name("Kunden-Übersicht.xlsx") == "kunden_ubersicht"
    assert safe_table_name("数据.csv") == "table"
    assert safe_table_name("x" * 200 + ".csv") == "x" * 63


@pytest.mark.parametrize("bad", ["1abc", "a b", "a-b", "", "_seg_x", "x" * 64])
def test_check_table_name_refuses_unsafe_names(bad):
    with pytest.raises(InvalidParameterError, match="name"):
        check_table_name(bad)


def test_open_creates_the_file_and_reuses_one_connection(tmp_path):
    path = tmp_path / "ws.duckdb"
    ws = open_workspace(path)
    assert path.exists()
    assert open_workspace(str(path)) is ws
    assert ws.tables() == []


def test_workspace_cannot_touch_files(tmp_path):
    (tmp_path / "secret.csv").write_text("a\n1\n")
    ws = open_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(QueryError, match="disabled by configuration"):
        ws.query("SELECT * FROM read_csv(?)", [str(tmp_path / "secret.csv")])
    with pytest.raises(QueryError, match="could not run a query"):
        ws.query("SET enable_external_access = true")


def test_transaction_rolls_back_on_error(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(RuntimeError), ws.transaction() as cur:
        cur.execute("CREATE TABLE half (x INTEGER)")
        raise RuntimeError("boom")
    assert ws.query("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'half'") == [(0,)]


def test_missing_table_error_lists_what_there_is(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with pytest.raises(TableNotFoundError, match="no table 'nope'.*none yet"):
        ws.table("nope")


def test_name_clash_is_refused_unless_replace(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with ws.transaction() as cur:
        cur.execute("CREATE TABLE orders (x INTEGER)")
    with pytest.raises(NameClashError, match="already exists.*--replace"):
        ws.check_new_name("orders")
    assert ws.check_new_name("orders", replace=True) == "orders"


def test_second_process_gets_a_clear_in_use_error(tmp_path):
    path = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(path)!r}); print('ok', flush=True); "
            "time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        with pytest.raises(WorkspaceInUseError, match="in use by another process"):
            open_workspace(path)
    finally:
        holder.kill()
        holder.wait()
    time.sleep(0.1)
    assert open_workspace(path).tables() == []


def test_an_inbox_left_by_a_killed_process_is_removed_when_a_workspace_opens(tmp_path):
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from segmentation.workspace.connection import open_workspace\n"
            "ws = open_workspace(sys.argv[1])\n"
            "(ws.inbox / 'left.csv').write_text('a\\n1\\n')\n"
            "print(ws.inbox, flush=True)\n"
            "os._exit(0)  # no clean-up, as after SIGKILL\n",
            str(tmp_path / "child.duckdb"),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    left = Path(child.stdout.strip())
    assert left.parent == tmp_path and (left / "left.csv").exists()  # beside the workspace
    ws = open_workspace(tmp_path / "ws.duckdb")
    assert not left.exists()
    assert ws.inbox.exists()  # its own is kept
    ws.close()


def test_duckdb_gets_a_deliberate_share_of_memory_and_it_can_be_set(tmp_path, monkeypatch):
    monkeypatch.delenv("SEGMENT_MEMORY_LIMIT", raising=False)
    ws = open_workspace(tmp_path / "a.duckdb")
    ram_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    shown = ws.query("SELECT current_setting('memory_limit')")[0][0]
    assert shown.endswith("GiB") and abs(float(shown.split()[0]) - 0.4 * ram_gib) < 0.2
    ws.close()
    monkeypatch.setenv("SEGMENT_MEMORY_LIMIT", "800MB")
    ws = open_workspace(tmp_path / "b.duckdb")
    assert ws.query("SELECT current_setting('memory_limit')") == [("762.9 MiB",)]
    ws.close()
    monkeypatch.setenv("SEGMENT_MEMORY_LIMIT", "lots")
    with pytest.raises(WorkspaceError, match="SEGMENT_MEMORY_LIMIT must be an amount"):
        open_workspace(tmp_path / "c.duckdb")


def test_a_damaged_catalog_is_a_query_error_not_a_driver_error(tmp_path):
    from segmentation.workspace import META

    ws = open_workspace(tmp_path / "ws.duckdb")
    with ws.transaction() as cur:
        cur.execute(f"ALTER TABLE {META}.tables RENAME TO tables_gone").fetchall()
    with pytest.raises(QueryError, match="missing or of another type"):
        ws.tables()
    with pytest.raises(QueryError, match="missing or of another type"), ws.reading() as cur:
        cur.execute("SELECT * FROM no_such_table").fetchall()
    ws.close()

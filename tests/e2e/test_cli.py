"""The `segment` command as a user types it: real processes, real files."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from corpus import BAD_FILES

SEGMENT = Path(sys.executable).with_name("segment")


def segment(*args, ws=None, env_ws=None):
    cmd = [str(SEGMENT)] + (["--workspace", str(ws)] if ws else []) + [str(a) for a in args]
    env = None
    if env_ws:
        import os

        env = dict(os.environ, SEGMENT_WORKSPACE=str(env_ws))
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


def ok_json(result):
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_help_lists_the_commands():
    result = segment("--help")
    assert result.returncode == 0
    for command in ("ingest", "tables", "demo", "sample", "--workspace", "--json"):
        assert command in result.stdout


def test_ingest_json_prints_one_object_with_the_promised_keys(tmp_path, shared_file):
    path = shared_file("mall_customers/Mall_Customers.csv")
    data = ok_json(segment("--json", "ingest", path, ws=tmp_path / "w.duckdb"))
    assert set(data) == {"table", "rows", "kind", "columns", "quality", "warnings"}
    assert (data["table"], data["rows"], data["kind"]) == ("mall_customers", 200, "customers")
    assert data["columns"][0] == {"name": "CustomerID", "type": "VARCHAR", "role": "customer_id"}
    assert data["quality"]["rows"] == 200


def test_ingest_options_reach_the_reader(tmp_path):
    path = tmp_path / "eu.txt"
    path.write_text("kunde;datum\n1;03/04/2024\n", encoding="cp1252")
    data = ok_json(
        segment(
            "--json",
            "ingest",
            path,
            "--table",
            "eu",
            "--delimiter",
            "semicolon",
            "--encoding",
            "cp1252",
            "--date-format",
            "%d/%m/%Y",
            ws=tmp_path / "w.duckdb",
        )
    )
    assert data["table"] == "eu"
    # "kunde" is German for customer: its ids are kept as text, as written
    assert [(c["type"], c["role"]) for c in data["columns"]] == [
        ("VARCHAR", "customer_id"),
        ("DATE", "timestamp"),
    ]


def test_tables_and_demo_use_the_environment_workspace(tmp_path):
    ws = tmp_path / "env.duckdb"
    assert ok_json(segment("--json", "tables", env_ws=ws)) == {"tables": []}
    loaded = ok_json(segment("--json", "demo", env_ws=ws))
    assert [t["name"] for t in loaded["loaded"]] == ["sample_transactions", "sample_customers"]
    again = ok_json(segment("--json", "demo", "--if-empty", env_ws=ws))
    assert again["loaded"] == []
    tables = ok_json(segment("--json", "tables", env_ws=ws))["tables"]
    assert [(t["name"], t["kind"]) for t in tables] == [
        ("sample_transactions", "transactions"),
        ("sample_customers", "customers"),
    ]
    assert tables[0]["rows"] > 10_000
    text = segment("tables", env_ws=ws).stdout
    assert "sample_transactions" in text and "transactions" in text


def test_errors_are_one_message_and_exit_1_without_traceback(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    result = segment("ingest", bad, ws=tmp_path / "w.duckdb")
    assert result.returncode == 1
    assert "bad.csv" in result.stderr and "PNG image" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    missing = segment("--json", "ingest", tmp_path / "nope.csv", ws=tmp_path / "w.duckdb")
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_usage_errors_exit_2():
    assert segment("frobnicate").returncode == 2
    assert segment("ingest").returncode == 2


def test_name_clash_then_replace(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,amount\na,1\nb,2\n")
    ws = tmp_path / "w.duckdb"
    ok_json(segment("--json", "ingest", path, ws=ws))
    clash = segment("ingest", path, ws=ws)
    assert clash.returncode == 1 and "already exists" in clash.stderr
    assert ok_json(segment("--json", "ingest", path, "--replace", ws=ws))["rows"] == 2


def test_rename_and_drop_tables(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,amount\na,1\nb,2\n")
    ws = tmp_path / "w.duckdb"
    ok_json(segment("--json", "ingest", path, ws=ws))
    ok_json(segment("--json", "rename-table", "orders", "orders_2024", ws=ws))
    assert [t["name"] for t in ok_json(segment("--json", "tables", ws=ws))["tables"]] == [
        "orders_2024"
    ]
    ok_json(segment("--json", "drop-table", "orders_2024", ws=ws))
    assert ok_json(segment("--json", "tables", ws=ws))["tables"] == []
    gone = segment("drop-table", "orders_2024", ws=ws)
    assert gone.returncode == 1 and "no table" in gone.stderr


def test_sample_writes_the_dataset(tmp_path):
    data = ok_json(
        segment("--json", "sample", "--customers", "50", "--seed", "3", "--out", tmp_path / "out")
    )
    assert set(data["files"]) == {"transactions", "customers", "truth"}
    assert all(Path(p).is_file() for p in data["files"].values())
    bad = segment("sample", "--customers", "3", "--out", tmp_path / "x")
    assert bad.returncode == 1 and "'customers' parameter" in bad.stderr


def test_workspace_in_use_is_a_clear_message(tmp_path):
    ws = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import duckdb, time; c = duckdb.connect({str(ws)!r}); "
            "print('ok', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ok"
        result = segment("tables", ws=ws)
    finally:
        holder.kill()
        holder.wait()
    assert result.returncode == 1
    assert "is in use by another process" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_bad_files_are_refused_with_exit_1_and_nothing_stored(tmp_path, name, content, message):
    ws = tmp_path / "w.duckdb"
    good = tmp_path / "orders.csv"
    good.write_text("customer_id,amount\na,1\nb,2\n")
    ok_json(segment("--json", "ingest", good, ws=ws))
    bad = tmp_path / name
    bad.write_bytes(content)
    result = segment("--json", "ingest", bad, ws=ws)
    assert result.returncode == 1
    assert name in result.stderr and message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    tables = ok_json(segment("--json", "tables", ws=ws))["tables"]
    assert [(t["name"], t["rows"]) for t in tables] == [("orders", 2)]


def test_features_json_and_role_overrides(tmp_path, shared_file):
    ws = tmp_path / "w.duckdb"
    ok_json(segment("--json", "ingest", shared_file("cdnow/CDNOW_master.txt"), ws=ws))
    data = ok_json(segment("--json", "features", "cdnow_master", ws=ws))
    assert {"table", "customers", "as_of", "features", "excluded"} <= set(data)
    assert (data["table"], data["customers"], data["as_of"]) == (
        "cdnow_master_features",
        23_570,
        "1998-07-01",
    )
    assert data["excluded"]["rows_without_customer"] == 0
    assert "recency_days" in data["features"] and "items_per_order" in data["features"]
    no_qty = ok_json(
        segment(
            "--json",
            "features",
            "cdnow_master",
            "--name",
            "f2",
            "--role",
            "quantity=",
            "--as-of",
            "1998-01-01",
            ws=ws,
        )
    )
    assert "items_per_order" not in no_qty["features"]
    assert no_qty["missing"]["items_per_order"] == "quantity"
    assert no_qty["as_of"] == "1998-01-01"
    bad = segment("features", "cdnow_master", "--name", "f3", "--role", "amount", ws=ws)
    assert bad.returncode == 1 and "ROLE=COLUMN" in bad.stderr
    late = segment("features", "cdnow_master", "--name", "f4", "--as-of", "31/12/1998", ws=ws)
    assert late.returncode == 1 and "as_of" in late.stderr


@pytest.fixture(scope="module")
def features_ws(tmp_path_factory):
    ws = tmp_path_factory.mktemp("cli") / "w.duckdb"
    ok_json(segment("--json", "demo", ws=ws))
    ok_json(segment("--json", "features", "sample_transactions", ws=ws))
    return ws


def test_run_json_has_the_promised_keys(features_ws):
    data = ok_json(
        segment(
            "--json",
            "run",
            "sample_transactions_features",
            "--algorithm",
            "kmeans",
            "--k",
            "5",
            "--seed",
            "3",
            ws=features_ws,
        )
    )
    assert {"run_id", "algorithm", "segments", "metrics", "recipe"} <= set(data)
    assert data["algorithm"] == "kmeans" and len(data["segments"]) == 5
    assert set(data["segments"][0]) == {"segment_id", "segment", "size"}
    assert sum(s["size"] for s in data["segments"]) == 3000
    assert data["recipe"]["algorithm"]["params"]["n_clusters"] == 5


def test_run_errors_name_the_parameter_and_store_nothing(features_ws):
    before = ok_json(segment("--json", "runs", ws=features_ws))["runs"]
    for args, message in [
        (["--k", "1"], "'n_clusters' parameter of kmeans must be an int in the range [2, 50]"),
        (["--k", "9999"], "n_clusters"),
        (["--algorithm", "hdbscan", "--param", "min_cluster_size=100000"], "min_cluster_size"),
        (["--features", "nope"], "'features' parameter"),
        (["--param", "n_init"], "KEY=VALUE"),
    ]:
        result = segment("run", "sample_transactions_features", *args, ws=features_ws)
        assert result.returncode == 1, args
        assert message in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr
    assert ok_json(segment("--json", "runs", ws=features_ws))["runs"] == before


def test_recipe_round_trip_and_export(features_ws, tmp_path):
    run = ok_json(
        segment("--json", "run", "sample_transactions_features", "--k", "4", ws=features_ws)
    )
    recipe_file = tmp_path / "r.toml"
    ok_json(segment("--json", "recipe", run["run_id"], "--out", recipe_file, ws=features_ws))
    assert "[algorithm.params]" in recipe_file.read_text()
    again = ok_json(segment("--json", "run", "--recipe", recipe_file, ws=features_ws))
    assert again["segments"] == run["segments"]
    out = tmp_path / "a.csv"
    exported = ok_json(
        segment(
            "--json", "export", again["run_id"], "--format", "csv", "--out", out, ws=features_ws
        )
    )
    assert exported["rows"] == 3000
    lines = out.read_text().splitlines()
    assert lines[0] == "customer_id,segment_id,segment" and len(lines) == 3001
    runs_list = ok_json(segment("--json", "runs", ws=features_ws))["runs"]
    assert run["run_id"] in [r["run_id"] for r in runs_list]


def test_sweep_recommends_a_k_with_a_reason(features_ws):
    data = ok_json(
        segment(
            "--json",
            "sweep",
            "sample_transactions_features",
            "--algorithm",
            "kmeans",
            "--k",
            "2-7",
            ws=features_ws,
        )
    )
    assert [r["k"] for r in data["results"]] == list(range(2, 8))
    assert data["recommended_k"] in range(2, 8) and data["reason"]
    assert data["silhouette_sample_size"] <= 10_000
    bad = segment("sweep", "sample_transactions_features", "--k", "two-7", ws=features_ws)
    assert bad.returncode == 1 and "--k" in bad.stderr

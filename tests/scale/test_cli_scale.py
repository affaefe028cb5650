"""`segment sql` as a user types it: a real process over a closed workspace file."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from helpers import ROOT, sample_run_workspace

from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """The sample workspace file (k-means r1, HDBSCAN r2), closed."""
    path = sample_run_workspace(tmp_path_factory.mktemp("scale_cli"))
    ws = open_workspace(path)
    runs.run_segmentation(ws, "feat", algorithm="hdbscan", params={"min_cluster_size": 40})
    ws.close()
    return path


def segment(*args: str) -> subprocess.CompletedProcess:
    code = "import sys; from segmentation.cli.main import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip


def test_segment_sql_prints_the_query_and_its_json(workspace):
    done = segment("--workspace", str(workspace), "--json", "sql", "r1", "--dialect", "duckdb")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert set(data) == {"run_id", "dialect", "sql"} and data["dialect"] == "duckdb"
    ws = open_workspace(workspace)
    try:
        got = ws.query_df(data["sql"]).set_index("customer_id")["segment_id"]
        stored = runs.assignments(ws, "r1").set_index("customer_id")["segment_id"]
    finally:
        ws.close()
    assert len(got) == 1500 and (got == stored.reindex(got.index)).all()


def test_segment_sql_prints_plain_sql_for_a_warehouse(workspace):
    done = segment("--workspace", str(workspace), "sql", "r1", "--dialect", "snowflake",
                   "--source", "SHOP.PUBLIC.ORDERS")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith('WITH "raw_lines" AS (')
    assert 'FROM "SHOP"."PUBLIC"."ORDERS"' in done.stdout


def test_segment_sql_refuses_hdbscan_in_one_line(workspace):
    done = segment("--workspace", str(workspace), "sql", "r2", "--dialect", "spark")
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("segment: error: HDBSCAN assigns new customers by a vote")


def test_segment_sql_refuses_an_unknown_dialect(workspace):
    done = segment("--workspace", str(workspace), "sql", "r1", "--dialect", "oracle")
    assert done.returncode == 1
    assert "'dialect' parameter must be one of 'duckdb', 'spark', 'bigquery'" in done.stderr

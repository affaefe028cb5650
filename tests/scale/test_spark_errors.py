"""What the Spark path refuses before Spark starts: clear messages, nothing written."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from helpers import ROOT, sample_run_workspace

from segmentation.errors import InvalidParameterError
from segmentation.scale.spark import SourceNotFoundError, check_source, source_format
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark_errors")
    return sample_run_workspace(folder), folder


def test_a_source_path_that_does_not_exist_is_refused_and_nothing_written(sample, tmp_path):
    from segmentation.scale.jobs import spark_features

    path, _ = sample
    ws = open_workspace(path)
    try:
        with pytest.raises(SourceNotFoundError, match="No file or folder matches.*nowhere"):
            spark_features(
                ws,
                str(tmp_path / "nowhere" / "*.parquet"),
                roles_from="tx",
                out=str(tmp_path / "o"),
            )
    finally:
        ws.close()
    assert not (tmp_path / "o").exists()


def test_a_roles_table_that_is_not_transactions_is_refused(sample, tmp_path):
    from segmentation.scale.jobs import spark_features

    path, folder = sample
    ws = open_workspace(path)
    try:
        with pytest.raises(InvalidParameterError, match="roles table 'feat' is of kind 'features'"):
            spark_features(ws, str(folder / "transactions.csv"), roles_from="feat", out="x")
    finally:
        ws.close()


def test_a_glob_that_matches_is_accepted_and_formats_follow_the_suffix(sample):
    _, folder = sample
    check_source(str(folder / "*.csv"))
    check_source("lake.orders")  # a catalog table: Spark says whether it exists
    assert source_format("s3a://bucket/orders/", None) == "parquet"
    assert source_format("orders.csv", None) == "csv"
    with pytest.raises(InvalidParameterError, match="'format' parameter must be one of"):
        source_format("orders.csv", "json")


def test_a_spark_that_cannot_start_without_java_says_so_and_writes_nothing(sample, tmp_path):
    pytest.importorskip("pyspark", reason="pyspark (the 'spark' extra) is not installed")
    path, folder = sample
    empty = tmp_path / "no-java"
    empty.mkdir()
    out = tmp_path / "features"
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from segmentation.cli.main import main; sys.exit(main())",
         "--workspace", str(path), "--json", "scale", "features", str(folder / "transactions.csv"),
         "--roles-from", "tx", "--out", str(out)],
        env={**os.environ, "JAVA_HOME": str(empty), "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 1 and done.stdout == ""
    message = done.stderr
    assert f"JAVA_HOME is {str(empty)!r}, which has no bin/java" in message
    assert "default-jre-headless" in message and "--remote sc://" in message
    assert "Traceback" not in message
    assert not out.exists()

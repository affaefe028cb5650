"""Parity on Apache Spark: the same features and the same segments as in the workspace.

One local Spark session (local[2]) serves every test here; it is stopped at the end. The tests
skip, saying why, where pyspark or Java is missing.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import (
    ONLINE_RETAIL,
    ONLINE_RETAIL_RUNS,
    online_retail_run_workspace,
    sample_run_workspace,
)

from segmentation.errors import InvalidParameterError
from segmentation.ingest.load import ingest_file
from segmentation.scale import run_sql
from segmentation.segment import runs
from segmentation.segment.fit import assign
from segmentation.segment.preprocess import PrepConfig, transform
from segmentation.workspace import open_workspace

pytestmark = [
    pytest.mark.spark,
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]
RTOL = 1e-6  # features agree to 1e-6 relative ...
ATOL = 1e-9  # ... or 1e-9 absolute: a sum that cancels is 0.0 in one engine, -5.5e-14 in the other


@pytest.fixture(scope="session")
def spark():
    """The one local Spark session of the test run."""
    pytest.importorskip("pyspark", reason="pyspark (the 'spark' extra) is not installed")
    from segmentation.scale.spark import java_problem, start_session

    problem = java_problem()
    if problem:
        pytest.skip(f"Spark needs Java 17 (apt-get install default-jre-headless): {problem}")
    session = start_session()
    yield session
    session.stop()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """The sample workspace (k-means r1, GMM r2, Ward r3, RFM r4, HDBSCAN r5, k-means on
    country r6) and its folder, with the lines as CSV."""
    folder = tmp_path_factory.mktemp("spark_sample")
    ws = open_workspace(sample_run_workspace(folder))
    runs.run_segmentation(ws, "feat", algorithm="gmm", params={"n_components": 4})
    runs.run_segmentation(ws, "feat", algorithm="ward", params={"n_clusters": 4})
    runs.run_segmentation(ws, "feat", algorithm="rfm")
    runs.run_segmentation(ws, "feat", algorithm="hdbscan", params={"min_cluster_size": 40})
    prep = PrepConfig(features=("recency_days", "monetary"), categorical=("country",))
    runs.run_segmentation(ws, "feat", params={"n_clusters": 3}, prep=prep)
    yield ws, folder
    ws.close()


@pytest.fixture(scope="module")
def online(tmp_path_factory):
    folder = tmp_path_factory.mktemp("spark_online")
    ws = open_workspace(online_retail_run_workspace(folder))
    yield ws, folder
    ws.close()


@pytest.fixture(scope="module")
def sample_features(spark, sample):
    from segmentation.scale.jobs import spark_features

    ws, folder = sample
    out = folder / "spark_features"
    result = spark_features(
        ws, str(folder / "transactions.csv"), roles_from="tx", out=str(out), spark=spark
    )
    return result, out


@pytest.fixture(scope="module")
def online_features(spark, online):
    from segmentation.scale.jobs import spark_features

    ws, folder = online
    out = folder / "spark_features"
    result = spark_features(ws, str(ONLINE_RETAIL), roles_from="online", out=str(out), spark=spark)
    return result, out


def _assert_same_features(workspace: pd.DataFrame, spark_out: Path) -> None:
    ours = workspace.set_index("customer_id").sort_index()
    theirs = pd.read_parquet(spark_out).set_index("customer_id").sort_index()
    assert list(theirs.columns) == list(ours.columns)
    assert theirs.index.equals(ours.index)
    for name in ours.columns:
        a, b = ours[name], theirs[name]
        if pd.api.types.is_numeric_dtype(a):
            assert np.allclose(
                b.astype(float), a.astype(float), rtol=RTOL, atol=ATOL, equal_nan=True
            )
        else:
            assert (a.isna() == b.isna()).all() and (a[a.notna()] == b[a.notna()]).all(), name


def _python_segments(ws, run_id: str) -> pd.Series:
    """The stored model's segment for each customer of the run's feature table (DuckDB)."""
    stored = runs.fitted(ws, run_id)
    table = runs.get_run(ws, run_id).table
    frame = runs.customer_frame(ws, table)
    X = frame if stored["pipeline"] is None else transform(stored["pipeline"], frame)
    return pd.Series(assign(stored["model"], X) + 1, index=frame["customer_id"])


def _spark_segments(spark, ws, run_id: str, features: Path, out: Path):
    from segmentation.scale.jobs import spark_assign

    result = spark_assign(ws, run_id, features=str(features), out=str(out), spark=spark)
    got = pd.read_parquet(out).set_index("customer_id")
    return result, got


def test_spark_features_equal_the_workspaces_on_the_sample(sample, sample_features):
    ws, _ = sample
    result, out = sample_features
    assert result.customers == 1500 and result.as_of.isoformat() == "2025-07-01"
    assert result.engine.startswith("spark ") and "share_toys" in result.features
    _assert_same_features(ws.query_df("SELECT * FROM feat"), out)


def test_spark_features_equal_the_workspaces_on_online_retail(online, online_features):
    ws, _ = online
    result, out = online_features
    assert result.customers == 4339 and result.as_of.isoformat() == "2011-12-10"
    _assert_same_features(ws.query_df("SELECT * FROM online_features"), out)


@pytest.mark.parametrize("run_id", ["r1", "r2", "r3", "r4", "r5", "r6"])
def test_spark_segments_equal_the_python_models_on_the_sample(
    spark, sample, sample_features, run_id
):
    ws, folder = sample
    result, got = _spark_segments(spark, ws, run_id, sample_features[1], folder / f"seg_{run_id}")
    expected = _python_segments(ws, run_id)
    assert result.method == ("mapInPandas" if run_id == "r5" else "sql")
    assert result.customers == len(got) == 1500
    assert (got["segment_id"].reindex(expected.index) == expected).all()
    names = {s.segment_id: s.name for s in runs.get_run(ws, run_id).segments}
    assert (got["segment"] == got["segment_id"].map(names)).all()
    assert sum(s["size"] for s in result.to_dict()["segments"]) == 1500


@pytest.mark.parametrize("run_id", sorted(ONLINE_RETAIL_RUNS))
def test_spark_segments_equal_the_python_models_on_online_retail(
    spark, online, online_features, run_id
):
    ws, folder = online
    result, got = _spark_segments(spark, ws, run_id, online_features[1], folder / f"seg_{run_id}")
    expected = _python_segments(ws, run_id)
    assert result.method == ("mapInPandas" if ONLINE_RETAIL_RUNS[run_id][0] == "hdbscan" else "sql")
    assert (got["segment_id"].reindex(expected.index) == expected).all()


def test_the_spark_dialect_query_runs_on_spark(spark, sample):
    ws, folder = sample
    lines = spark.read.parquet(str(_lines_as_parquet(ws, folder)))
    lines.createOrReplaceTempView("orders")
    got = spark.sql(run_sql(ws, "r4", "spark", source="orders")).toPandas()
    stored = runs.assignments(ws, "r4").set_index("customer_id")["segment_id"]
    assert (got.set_index("customer_id")["segment_id"] == stored.reindex(got["customer_id"])).all()
    spark.catalog.dropTempView("orders")


def test_a_source_of_another_shape_is_refused_and_nothing_written(spark, sample, tmp_path):
    from segmentation.scale.jobs import spark_features

    ws, folder = sample
    lines = pd.read_csv(folder / "transactions.csv").rename(columns={"order_date": "day"})
    lines.to_csv(tmp_path / "renamed.csv", index=False)
    with pytest.raises(InvalidParameterError, match="not of the shape of table 'tx'.*'order_date'"):
        spark_features(
            ws, str(tmp_path / "renamed.csv"), roles_from="tx", out=str(tmp_path / "o"), spark=spark
        )
    assert not (tmp_path / "o").exists()


def test_a_run_reading_features_spark_lacks_is_refused_and_nothing_written(spark, sample, tmp_path):
    from segmentation.scale.jobs import spark_assign, spark_features

    ws, folder = sample
    lines = pd.read_csv(folder / "transactions.csv").drop(columns=["country"])
    lines.to_csv(tmp_path / "no_country.csv", index=False)
    ingest_file(ws, tmp_path / "no_country.csv", table="tx_no_country")
    try:
        features = tmp_path / "features"
        spark_features(
            ws, str(tmp_path / "no_country.csv"), roles_from="tx_no_country",
            out=str(features), spark=spark,
        )  # fmt: skip
        with pytest.raises(InvalidParameterError, match="Run r6 reads the feature.*'country'"):
            spark_assign(ws, "r6", features=str(features), out=str(tmp_path / "seg"), spark=spark)
        assert not (tmp_path / "seg").exists()
    finally:
        ws.drop_table("tx_no_country")


def test_an_existing_output_is_refused(spark, sample, sample_features):
    from segmentation.scale.jobs import spark_assign

    ws, _ = sample
    with pytest.raises(InvalidParameterError, match="exists already"):
        spark_assign(ws, "r1", features=str(sample_features[1]), out=str(sample_features[1]))


def _lines_as_parquet(ws, folder: Path) -> Path:
    out = folder / "lines.parquet"
    if not out.exists():
        ws.query_df("SELECT * FROM tx").to_parquet(out)
    return out


def test_cleanup_leaves_no_partial_output(sample):
    _, folder = sample
    assert not [p for p in folder.iterdir() if ".partial-" in p.name]


def test_the_scale_commands_print_the_documented_json(spark, sample, tmp_path, capsys):
    """Parquet lines in, the issue's JSON out (the active session is used, not stopped)."""
    from segmentation.cli.main import main

    ws, folder = sample
    lines, features, segments = _lines_as_parquet(ws, folder), tmp_path / "f", tmp_path / "s"
    common = ["--workspace", str(ws.path), "--json", "scale"]
    assert (
        main([*common, "features", str(lines), "--roles-from", "tx", "--out", str(features)]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"source", "customers", "features", "as_of", "seconds", "engine"}
    assert data["customers"] == 1500 and data["as_of"] == "2025-07-01"
    _assert_same_features(ws.query_df("SELECT * FROM feat"), features)
    assert main([*common, "assign", "r5", "--features", str(features), "--out", str(segments)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"run_id", "customers", "segments", "seconds", "method"}
    assert data["method"] == "mapInPandas" and data["customers"] == 1500
    assert all(set(s) == {"segment_id", "segment", "size"} for s in data["segments"])
    assert spark.sql("SELECT 1").collect()[0][0] == 1  # the shared session still runs

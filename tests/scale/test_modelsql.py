"""A run's preparation and model compiled to SQL give, on DuckDB, the Python model's segments."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from helpers import ONLINE_RETAIL_RUNS, online_retail_run_workspace, sample_run_workspace

from segmentation.scale import NotCompilableError, compile_run, scoring_query
from segmentation.scale.dialects import column, number, render, text
from segmentation.scale.prepsql import prepared_columns
from segmentation.segment import runs
from segmentation.segment.fit import assign
from segmentation.segment.preprocess import PrepConfig, transform
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory):
    """The sample workspace (k-means r1) with more runs: each algorithm and covariance type,
    and preparations that use every compiled step."""
    path = sample_run_workspace(tmp_path_factory.mktemp("scale_sql"))
    ws = open_workspace(path)
    for covariance in ("full", "diag", "tied", "spherical"):
        params = {"n_components": 4, "covariance_type": covariance}
        runs.run_segmentation(ws, "feat", algorithm="gmm", params=params)  # r2..r5
    runs.run_segmentation(ws, "feat", algorithm="ward", params={"n_clusters": 4})  # r6
    runs.run_segmentation(ws, "feat", algorithm="rfm")  # r7
    wide = PrepConfig(
        features=("recency_days", "monetary", "days_between_orders", "share_toys"),
        categorical=("country",),
        log=("monetary",),
        clip=(0.02, 0.97),
        scaler="robust",
        missing_indicator=True,
        rare_share=0.1,
        weights={"monetary": 2.0, "country": 0.5},
    )
    runs.run_segmentation(ws, "feat", algorithm="kmeans", params={"n_clusters": 4}, prep=wide)
    minmax = PrepConfig(features=("frequency", "aov"), scaler="minmax", impute="mean")
    runs.run_segmentation(ws, "feat", algorithm="gmm", params={"n_components": 3}, prep=minmax)
    runs.run_segmentation(ws, "feat", algorithm="hdbscan", params={"min_cluster_size": 40})
    yield ws  # r8 wide k-means, r9 min-max GMM, r10 HDBSCAN
    ws.close()


@pytest.fixture(scope="module")
def online_ws(tmp_path_factory):
    path = online_retail_run_workspace(tmp_path_factory.mktemp("scale_online"))
    ws = open_workspace(path)
    yield ws
    ws.close()


def _python_segments(ws, run_id: str) -> tuple[np.ndarray, np.ndarray]:
    """Customer ids and the segment ids the stored Python model gives them."""
    compiled = compile_run(ws, run_id)
    frame = runs.customer_frame(ws, compiled.run.table)
    X = frame if compiled.pipeline is None else transform(compiled.pipeline, frame)
    return frame["customer_id"].to_numpy(), assign(compiled.model, X) + 1


def _sql_segments(ws, run_id: str, customers: np.ndarray) -> np.ndarray:
    compiled = compile_run(ws, run_id)
    sql = render(scoring_query(compiled, compiled.run.table), "duckdb")
    got = ws.query_df(sql).set_index("customer_id")["segment_id"]
    return got.reindex(customers).to_numpy()


@pytest.mark.parametrize("run_id", ["r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"])
def test_compiled_sql_gives_the_python_models_segments_on_the_sample(sample_ws, run_id):
    customers, expected = _python_segments(sample_ws, run_id)
    assert np.array_equal(_sql_segments(sample_ws, run_id, customers), expected)


@pytest.mark.parametrize("run_id", ["r1", "r2", "r3", "r4"])
def test_compiled_sql_gives_the_python_models_segments_on_online_retail(online_ws, run_id):
    assert ONLINE_RETAIL_RUNS[run_id][0] in ("kmeans", "gmm", "ward", "rfm")
    customers, expected = _python_segments(online_ws, run_id)
    assert len(customers) == 4339
    assert np.array_equal(_sql_segments(online_ws, run_id, customers), expected)


def test_compiled_preparation_gives_the_pipelines_matrix(sample_ws):
    compiled = compile_run(sample_ws, "r8")  # clip, log, robust, indicator, one-hot, weights
    columns = prepared_columns(compiled.pipeline)
    select = ", ".join(render(e, "duckdb") for _, e in columns)
    got = sample_ws.query_df(f"SELECT {select} FROM feat ORDER BY customer_id").to_numpy()
    frame = runs.customer_frame(sample_ws, "feat").sort_values("customer_id")
    expected = transform(compiled.pipeline, frame)
    assert got.shape == expected.shape
    assert np.allclose(got, expected, rtol=1e-12, atol=1e-12)
    names = [n for n, _ in columns]
    assert "country_other" in names and any(n.startswith("missingindicator") for n in names)


def test_stored_segments_match_the_compiled_kmeans_gmm_and_rfm_runs(sample_ws):
    for run_id in ("r1", "r2", "r7"):
        customers, _ = _python_segments(sample_ws, run_id)
        stored = runs.assignments(sample_ws, run_id).set_index("customer_id")["segment_id"]
        assert np.array_equal(_sql_segments(sample_ws, run_id, customers), stored[customers])


def test_an_hdbscan_run_is_refused_with_the_reason(sample_ws):
    compiled = compile_run(sample_ws, "r10")
    assert compiled.method == "mapInPandas"
    with pytest.raises(NotCompilableError, match="15 nearest sampled customers.*mapInPandas"):
        scoring_query(compiled, "feat")


def test_quantile_scaling_is_refused_with_the_reason(sample_ws):
    prep = PrepConfig(features=("recency_days", "frequency"), scaler="quantile")
    run = runs.run_segmentation(sample_ws, "feat", params={"n_clusters": 3}, prep=prep)
    try:
        with pytest.raises(NotCompilableError, match="QuantileTransformer.*standard, robust"):
            scoring_query(compile_run(sample_ws, run.run_id), "feat")
    finally:
        runs.delete_run(sample_ws, run.run_id)


def test_fitted_numbers_are_written_so_that_duckdb_reads_the_same_double():
    values = [0.1, 1 / 3, -2.5e-10, 123456.789012345, 5e-324, -0.0, 1e300]
    select = ", ".join(render(number(v), "duckdb") for v in values)
    con = duckdb.connect()
    assert list(con.execute(f"SELECT {select}").fetchone()) == values


def test_an_infinite_fitted_value_is_refused():
    with pytest.raises(ValueError, match="inf.*fit the run again"):
        number(float("inf"))


def test_user_text_stays_a_literal(tmp_path: Path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with ws.transaction() as cur:
        cur.execute(
            """CREATE TABLE t AS SELECT 'a''); DROP TABLE t; --' AS "we""ird", 1.0 AS x"""
        ).fetchall()
    name, value = column('we"ird'), text("a'); DROP TABLE t; --")
    sql = f"SELECT count(*) FROM t WHERE {render(name, 'duckdb')} = {render(value, 'duckdb')}"
    assert ws.query(sql)[0][0] == 1
    ws.close()

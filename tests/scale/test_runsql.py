"""`segment sql`: one self-contained query per dialect, from the order lines to the segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlglot
from helpers import sample_run_workspace

from segmentation.errors import InvalidParameterError
from segmentation.ingest.load import ingest_file
from segmentation.scale import DIALECTS, NotCompilableError, run_sql
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """The sample workspace: k-means r1, then GMM r2, Ward r3, RFM r4, HDBSCAN r5."""
    ws = open_workspace(sample_run_workspace(tmp_path_factory.mktemp("scale_query")))
    runs.run_segmentation(ws, "feat", algorithm="gmm", params={"n_components": 4})
    runs.run_segmentation(ws, "feat", algorithm="ward", params={"n_clusters": 4})
    runs.run_segmentation(ws, "feat", algorithm="rfm")
    runs.run_segmentation(ws, "feat", algorithm="hdbscan", params={"min_cluster_size": 40})
    yield ws
    ws.close()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialects_query_parses_in_that_dialect(ws, dialect):
    sql = run_sql(ws, "r1", dialect, source="shop.orders")
    parsed = sqlglot.parse(sql, read=dialect)
    assert len(parsed) == 1
    selected = [e.alias_or_name for e in parsed[0].expressions]
    assert selected[:3] == ["customer_id", "segment_id", "segment"]
    assert "recency_days" in selected and "share_toys" in selected
    assert "orders" in {t.name for t in parsed[0].find_all(sqlglot.exp.Table)}


@pytest.mark.parametrize("run_id", ["r1", "r2", "r4"])
def test_the_duckdb_query_gives_the_runs_assignments(ws, run_id):
    got = ws.query_df(run_sql(ws, run_id, "duckdb")).set_index("customer_id")
    stored = runs.assignments(ws, run_id).set_index("customer_id")
    assert len(got) == len(stored) == 1500
    assert (got["segment_id"] == stored["segment_id"].reindex(got.index)).all()
    assert (got["segment"] == stored["segment"].reindex(got.index)).all()


def test_the_duckdb_query_gives_the_feature_table(ws):
    got = ws.query_df(run_sql(ws, "r1", "duckdb")).set_index("customer_id")
    table = ws.query_df("SELECT * FROM feat").set_index("customer_id").reindex(got.index)
    for name in table.columns:
        if pd.api.types.is_numeric_dtype(table[name]):
            assert np.allclose(got[name], table[name], rtol=1e-9, equal_nan=True), name
        else:
            assert got[name].equals(table[name]), name


def test_ward_gives_the_nearest_centroid_of_its_segments(ws):
    """The stored Ward segments are the tree's; a new customer goes to the nearest centroid,
    and the query does exactly that: equal to the stored model's assignment, which agrees
    with the tree for almost every customer."""
    got = ws.query_df(run_sql(ws, "r3", "duckdb")).set_index("customer_id")["segment_id"]
    X, stored = runs.prepared_matrix(ws, "r3")
    model = runs.fitted(ws, "r3")["model"]
    frame = runs.customer_frame(ws, "feat")
    expected = pd.Series(model.predict(X) + 1, index=frame["customer_id"])
    assert (got.reindex(expected.index) == expected).all()
    assert (expected.to_numpy() == stored).mean() > 0.98


def test_a_renamed_segment_keeps_its_name_in_the_query(ws):
    runs.rename_segment(ws, "r1", 2, "Big spenders")
    got = ws.query_df(run_sql(ws, "r1", "duckdb"))
    assert set(got.loc[got["segment_id"] == 2, "segment"]) == {"Big spenders"}


def test_hdbscan_is_refused_with_the_reason(ws):
    with pytest.raises(NotCompilableError, match="HDBSCAN.*mapInPandas"):
        run_sql(ws, "r5", "bigquery")


def test_an_unknown_dialect_is_refused(ws):
    with pytest.raises(InvalidParameterError, match="'dialect' parameter must be one of"):
        run_sql(ws, "r1", "oracle")


def test_a_run_on_a_customer_table_is_refused(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    frame = pd.DataFrame({"customer_id": [f"c{i}" for i in range(30)], "spend": range(30)})
    frame.to_csv(tmp_path / "crm.csv", index=False)
    ingest_file(ws, tmp_path / "crm.csv", table="crm")
    run = runs.run_segmentation(ws, "crm", params={"n_clusters": 2}, features=["spend"])
    with pytest.raises(InvalidParameterError, match="not built from transactions"):
        run_sql(ws, run.run_id, "duckdb")
    ws.close()

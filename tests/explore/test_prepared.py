"""The prepared matrix a projection starts from: the run's own preparation, rows with their segments."""

import numpy as np
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.explore.prepared import prepared_features
from segmentation.segment import runs


@pytest.fixture(scope="module")
def ws(explore_ws):
    return explore_ws


@pytest.fixture(scope="module")
def run(explore_run):
    return explore_run


def test_prepared_features_are_the_runs_matrix_with_ids_and_segments(ws, run):
    prepared = prepared_features(ws, run.run_id)
    X, _ = runs.prepared_matrix(ws, run.run_id)
    assert prepared.X.shape == X.shape == (600, len(prepared.feature_names))
    assert prepared.feature_names == run.recipe["features"]["features"]
    assigned = runs.assignments(ws, run.run_id).set_index("customer_id")["segment_id"]
    assert (assigned.loc[list(prepared.customer_ids)].to_numpy() == prepared.segment_ids).all()
    assert np.isfinite(prepared.X).all()


def test_a_table_changed_since_the_run_is_refused(explore_workspace, tmp_path):
    ws = explore_workspace(tmp_path / "w.duckdb")
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    with ws.transaction() as cur:
        cur.execute("DELETE FROM feat WHERE customer_id IN (SELECT customer_id FROM feat LIMIT 5)")
    with pytest.raises(InvalidParameterError, match="no longer holds the 600 customers"):
        prepared_features(ws, run.run_id)
    ws.close()

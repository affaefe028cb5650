"""What profiles and rules read of a run: its table and id, its features, a seeded sample."""

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.profiles import rundata
from segmentation.segment import runs


@pytest.fixture(scope="module")
def ws(profiles_ws):
    return profiles_ws


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


def test_the_run_table_features_and_sample(ws, kmeans):
    run = runs.get_run(ws, kmeans.run_id)
    table, id_sql = rundata.run_table(ws, run)
    assert table == "feat" and id_sql == 'CAST(f."customer_id" AS VARCHAR)'
    assert rundata.run_features(run) == run.recipe["features"]["features"]
    assert rundata.profile_features(ws, run) == kmeans.features
    drawn = rundata.customer_sample(ws, run.run_id, ["monetary"], sample=200, seed=4)
    assert drawn.columns.tolist() == ["segment_id", "monetary"] and len(drawn) == 200
    again = rundata.customer_sample(ws, run.run_id, ["monetary"], sample=200, seed=4)
    assert drawn.equals(again)
    with pytest.raises(InvalidParameterError, match="'sample' parameter must be an int"):
        rundata.customer_sample(ws, run.run_id, ["monetary"], sample=True)

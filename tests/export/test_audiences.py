"""Saved audiences of segmentation.export.audiences: save, list, get, members, delete."""

import shutil

import pytest

from segmentation.errors import InvalidParameterError, NameClashError, TableNotFoundError
from segmentation.export import audiences
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture
def own_ws(built, tmp_path):
    """A copy of the sample workspace this test may change."""
    path = tmp_path / "own.duckdb"
    shutil.copy(built / "cli.duckdb", path)
    ws = open_workspace(path)
    yield ws
    ws.close()


def test_an_audience_is_saved_listed_read_and_deleted(own_ws):
    ids = runs.assignments(own_ws, "r1")["customer_id"].tolist()[:5]
    saved = audiences.save_audience(own_ws, "r1", "five", ids)
    assert saved.name == "five" and saved.run_id == "r1"
    assert "five" in [a.name for a in audiences.list_audiences(own_ws, "r1")]
    assert audiences.get_audience(own_ws, "five").name == "five"
    assert sorted(audiences.audience_members(own_ws, "five")["customer_id"]) == sorted(ids)
    with pytest.raises(NameClashError, match="'five' exists already"):
        audiences.save_audience(own_ws, "r1", "five", ids)
    audiences.delete_audience(own_ws, "five")
    with pytest.raises(TableNotFoundError, match="no audience 'five'"):
        audiences.get_audience(own_ws, "five")


def test_an_empty_audience_is_refused(own_ws):
    with pytest.raises(InvalidParameterError, match="The audience is empty"):
        audiences.save_audience(own_ws, "r1", "none", [])

"""Stored runs: a workspace written before the house move still opens, lists and re-assigns.

workspace_v0.duckdb is written by the flat layout's code (tests/data/make_workspace_v0.py run with
the package of commit 468a207: the ``workspace_v0`` fixture);
its run models are pickles that name ``segmentation.preprocess``, ``segmentation.algorithms`` and
``segmentation.rfm``. The audience, export and projection checks go through the public functions
of export/ and explore/ only.
"""

from __future__ import annotations

import json
import pickle
import shutil

import numpy as np
import pytest

from segmentation.explore.project import project
from segmentation.export.audiences import audience_members, list_audiences
from segmentation.export.log import list_exports
from segmentation.segment import recipe, runs
from segmentation.segment.result import NearestCentroidModel, RelabelledModel
from segmentation.segment.rfm import RfmModel
from segmentation.segment.store import ModelUnpickler, duplicate_name, load_model
from segmentation.segment.transformers import FrameCleaner
from segmentation.workspace import open_workspace

EXACT = ("rfm", "kmeans", "gmm")  # their models reproduce the fitted labels exactly


@pytest.fixture(scope="module")
def expected(workspace_v0) -> dict:
    """Each old run's algorithm and every customer's segment, as the old code stored them."""
    return json.loads((workspace_v0 / "workspace_v0.json").read_text())


@pytest.fixture
def old_ws(tmp_path, workspace_v0):
    """A copy of the old workspace (the original is never opened for writing)."""
    path = tmp_path / "workspace_v0.duckdb"
    shutil.copyfile(workspace_v0 / "workspace_v0.duckdb", path)
    ws = open_workspace(path)
    yield ws
    ws.close()


def test_the_old_workspace_lists_its_runs(old_ws, expected):
    listed = runs.list_runs(old_ws)
    assert [r.run_id for r in listed] == sorted(expected)
    assert [r.algorithm for r in listed] == ["rfm", "kmeans", "gmm", "ward", "hdbscan"]
    assert {r.run_id: r.algorithm for r in listed} == {
        k: v["algorithm"] for k, v in expected.items()
    }
    renamed = [
        (r.algorithm, s.segment_id)
        for r in listed
        for s in r.segments
        if s.name == "Renamed by hand"
    ]
    assert renamed == [("kmeans", 1)]


def test_the_old_assignments_are_exported_unchanged(old_ws, expected):
    for run_id, stored in expected.items():
        frame = runs.assignments(old_ws, run_id)
        got = dict(zip(frame["customer_id"], frame["segment_id"].astype(int).tolist(), strict=True))
        assert got == stored["assignments"], run_id


def test_old_models_load_as_the_classes_of_today(old_ws):
    models = {r.algorithm: runs.fitted(old_ws, r.run_id) for r in runs.list_runs(old_ws)}
    assert isinstance(models["rfm"]["model"], RfmModel) and models["rfm"]["pipeline"] is None
    assert isinstance(models["kmeans"]["model"], RelabelledModel)
    assert isinstance(models["ward"]["model"], NearestCentroidModel)
    assert isinstance(models["gmm"]["pipeline"].named_steps["clean"], FrameCleaner)
    assert models["ward"]["linkage"] is not None


def test_the_stored_model_reassigns_the_runs_own_customers(old_ws, expected):
    for run in runs.list_runs(old_ws):
        applied = recipe.apply_run(old_ws, run.run_id)
        assert applied.notes[-1] == "Segments assigned with the fitted model of the earlier run."
        frame = runs.assignments(old_ws, applied.run_id)
        got = dict(zip(frame["customer_id"], frame["segment_id"].astype(int).tolist(), strict=True))
        stored = expected[run.run_id]["assignments"]
        assert got.keys() == stored.keys()
        agree = np.mean([got[c] == s for c, s in stored.items()])
        if run.algorithm in EXACT:
            assert agree == 1.0, run.algorithm
        else:  # ward: nearest centroid, hdbscan: a 15-neighbour vote; border customers may move
            assert agree >= 0.95, (run.algorithm, agree)


def test_the_audience_the_export_and_the_cached_projection_are_there(old_ws):
    audiences = list_audiences(old_ws)
    assert [(a.name, a.run_id, a.size) for a in audiences] == [("picked", "r2", 25)]
    assert len(audience_members(old_ws, "picked")) == 25
    exports = list_exports(old_ws)
    assert [(e.export_id, e.run_id, e.rows, e.holdout_rows) for e in exports] == [
        ("e1", "r2", 360, 40)
    ]
    projection = project(old_ws, "r2", method="pca")
    assert projection.cached and len(projection.points) == 400


def test_the_unpickler_maps_old_and_moved_module_paths():
    assert ModelUnpickler.new_modules("segmentation.rfm") == ["segmentation.segment.rfm"]
    assert ModelUnpickler.new_modules("segmentation.projection") == ["segmentation.explore.project"]
    assert (
        ModelUnpickler.new_modules("segmentation.segment.algorithms")[0]
        == "segmentation.segment.result"
    )
    assert ModelUnpickler.new_modules("sklearn.cluster") == []
    blob = pickle.dumps({"model": NearestCentroidModel(np.zeros((2, 1)))}, protocol=0).replace(
        b"segmentation.segment.result", b"segmentation.algorithms"
    )
    assert isinstance(load_model(blob)["model"], NearestCentroidModel)


def test_duplicate_names_ignore_case_and_spaces():
    assert duplicate_name({1: "A", 2: "B"}) is None
    assert duplicate_name({3: " vips", 1: "VIPs ", 2: "x"}) == (1, 3)

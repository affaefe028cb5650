"""Every page in every state of the workspace: no exception, and guidance where it cannot act."""

from pathlib import Path

import pytest
from helpers import TRANSACTIONS, load, make_app

from segmentation.features.build import build_features
from segmentation.segment.runs import run_segmentation
from segmentation.workspace import open_workspace

STATES = ("empty", "table", "features", "run")
# The first state in which each page has what it needs.
NEEDS = {
    "home": "empty",
    "data": "empty",
    "features": "table",
    "segment": "features",
    "explore": "run",
    "profiles": "run",
    "export": "run",
    "results": "run",
}


@pytest.fixture(scope="module")
def workspaces(tmp_path_factory) -> dict[str, Path]:
    """One closed workspace file per state, copied by each test."""
    root = tmp_path_factory.mktemp("states")
    paths = {}
    for state in STATES:
        path = root / f"{state}.duckdb"
        if state != "empty":
            load(path, TRANSACTIONS)
        ws = open_workspace(path)
        if state in ("features", "run"):
            build_features(ws, "transactions", name="feat")
        if state == "run":
            run_segmentation(ws, "feat", params={"n_clusters": 4})
        ws.close()
        paths[state] = path
    return paths


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("page", list(NEEDS))
def test_page_renders_and_guides_in_every_state(monkeypatch, tmp_path, workspaces, page, state):
    path = tmp_path / "ws.duckdb"
    path.write_bytes(workspaces[state].read_bytes())
    at = make_app(monkeypatch, path).run()
    if page != "home":
        at = at.switch_page(f"pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    ready = STATES.index(state) >= STATES.index(NEEDS[page])
    if not ready:
        guidance = " ".join(i.value for i in at.info)
        assert guidance, f"{page} in state {state} says nothing about what to do"
        assert any(word in guidance for word in ("Data", "Features", "Segment", "Load", "Run"))
    else:
        assert at.title, f"{page} in state {state} shows nothing"

"""The Profiles page with AppTest, on real workspace files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import sample_run_workspace
from streamlit.testing.v1 import AppTest

from segmentation.segment import runs
from segmentation.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A closed workspace with features and one k-means run (k=5): copied by each test."""
    return sample_run_workspace(tmp_path_factory.mktemp("app_profiles"))


def profiles_page(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, workspace: Path) -> AppTest:
    monkeypatch.setenv("SEGMENT_WORKSPACE", str(workspace))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()
    return at.switch_page("pages/profiles.py").run()


def with_run(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    shutil.copy(template, path)
    return path


def texts(elements) -> str:
    return "\n".join(e.value for e in elements)


def test_without_a_run_the_page_says_where_to_make_one(monkeypatch, tmp_path, workspace_path):
    at = profiles_page(monkeypatch, tmp_path, workspace_path)
    assert not at.exception
    assert "Run a segmentation on the **Segment** page" in texts(at.info)


def test_a_run_shows_its_heatmap_names_and_profiles(monkeypatch, tmp_path, template):
    at = profiles_page(monkeypatch, tmp_path, with_run(template, tmp_path))
    assert not at.exception
    assert at.selectbox(key="profiles_run").value == "r1"
    head = [(m.label, m.value) for m in at.metric][:3]
    assert head[:2] == [("Segments", "5"), ("Customers", "1,500")]
    assert head[2][0] == "Rule fidelity" and int(head[2][1].rstrip("%")) >= 85
    keys = [c.key for c in at.get("plotly_chart")]
    assert {"profiles_heatmap", "profiles_shares", "profiles_radar", "profiles_dist"} <= set(keys)
    table = at.data_editor[0].value
    assert len(table) == 5 and not table["segment"].str.startswith("Segment ").any()
    names = [s.name for s in runs.get_run(open_workspace(tmp_path / "ws.duckdb"), "r1").segments]
    assert table["segment"].tolist() == names  # generated once, stored with the run
    assert "Suggested action" in texts(at.info)
    at.selectbox(key="profiles_dist_feature_r1").set_value("frequency").run()
    at.selectbox(key="profiles_cmp_b_r1").set_value(2).run()
    assert not at.exception


def edit_names(at: AppTest, edits: dict[int, str]) -> AppTest:
    at.session_state["profiles_names_r1_0"] = {
        "edited_rows": {row: {"segment": name} for row, name in edits.items()},
        "added_rows": [],
        "deleted_rows": [],
    }
    return at.button(key="profiles_save").click().run()


def test_renaming_in_the_editor_saves_the_names(monkeypatch, tmp_path, template):
    path = with_run(template, tmp_path)
    at = profiles_page(monkeypatch, tmp_path, path)
    at = edit_names(at, {0: "Sleepers", 3: "VIP club"})
    assert not at.exception and not at.error
    assert "Saved Sleepers and VIP club." in texts(at.success)
    run = runs.get_run(open_workspace(path), "r1")
    assert [run.segments[0].name, run.segments[3].name] == ["Sleepers", "VIP club"]
    assert at.data_editor[0].value["segment"].tolist()[0] == "Sleepers"
    segment_choices = at.selectbox(key="profiles_segment_r1")
    assert "VIP club" in segment_choices.options


def test_a_duplicate_name_shows_an_error_and_changes_nothing(monkeypatch, tmp_path, template):
    path = with_run(template, tmp_path)
    at = profiles_page(monkeypatch, tmp_path, path)
    before = [s.name for s in runs.get_run(open_workspace(path), "r1").segments]
    at = edit_names(at, {0: before[1].lower()})
    assert not at.exception
    assert "names must be unique within a run" in texts(at.error)
    assert [s.name for s in runs.get_run(open_workspace(path), "r1").segments] == before


def test_saving_unchanged_names_says_nothing_changed(monkeypatch, tmp_path, template):
    at = profiles_page(monkeypatch, tmp_path, with_run(template, tmp_path))
    at = edit_names(at, {})
    assert not at.exception and not at.success
    assert "No name changed" in texts(at.info)


def test_segment_descriptions_are_shown_in_full_as_text(monkeypatch, tmp_path, template):
    at = profiles_page(monkeypatch, tmp_path, with_run(template, tmp_path))
    assert not at.exception
    shown = texts(at.markdown)
    segments = runs.get_run(open_workspace(tmp_path / "ws.duckdb"), "r1").segments
    assert len(segments) == 5 and all(s.description for s in segments)
    for s in segments:  # not only in a table cell that a narrow window cuts
        assert f"- **{s.name}**: {s.description}" in shown

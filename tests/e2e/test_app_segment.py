"""The Segment page with runs on different tables, stability, the sweep's advice (AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_app, sample_run_workspace, texts

from segmentation.ingest.load import ingest_file
from segmentation.segment import runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The sample run workspace (feat, r1) plus a customer table of other customers, run r2."""
    folder = tmp_path_factory.mktemp("segment_page")
    path = sample_run_workspace(folder)
    other = folder / "members.csv"
    rows = [f"M{i:03d},{i % 7 * 10 + 5},{i % 5 + 1}" for i in range(60)]
    other.write_text("customer_id,spend,visits\n" + "\n".join(rows) + "\n")
    ws = open_workspace(path)
    ingest_file(ws, other, table="members")
    runs.run_segmentation(ws, "members", params={"n_clusters": 2})
    ws.close()
    return path


@pytest.fixture
def workspace(template: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "ws.duckdb"
    copy.write_bytes(template.read_bytes())
    return copy


def segment_page(monkeypatch, path: Path):
    at = make_app(monkeypatch, path).run()
    return at.switch_page("pages/segment.py").run()


def test_runs_on_tables_with_no_shared_customer_show_no_error_box(monkeypatch, workspace):
    at = segment_page(monkeypatch, workspace)
    assert not at.exception
    assert at.selectbox(key="seg_cmp_a").value == "r2"  # the newest run, on other customers
    assert "No other run shares customers with r2" in texts(at.caption)
    assert not at.error


def test_comparison_offers_only_runs_that_share_customers(monkeypatch, workspace):
    ws = open_workspace(workspace)
    runs.run_segmentation(ws, "feat", params={"n_clusters": 3})  # r3, on r1's customers
    ws.close()
    at = segment_page(monkeypatch, workspace)
    assert not at.exception
    assert at.selectbox(key="seg_cmp_a").value == "r3"
    assert at.selectbox(key="seg_cmp_b").options == ["r1"]
    assert "Adjusted Rand index" in texts(at.caption)


def test_runs_sharing_customers_are_listed_by_the_library(workspace):
    ws = open_workspace(workspace)
    runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    assert runs.comparable_runs(ws, "r3") == ["r1"]
    assert runs.comparable_runs(ws, "r2") == []


def test_the_stability_card_shows_the_score_once_computed(monkeypatch, workspace):
    at = segment_page(monkeypatch, workspace)
    at.selectbox(key="segment_run").set_value("r1").run()
    at.button(key="seg_stab").click().run()
    assert not at.exception
    cards = {m.label: m.value for m in at.metric}
    assert cards["Stability (ARI)"] != "—"


def test_the_recommended_k_is_applied_by_its_button(monkeypatch, workspace):
    at = segment_page(monkeypatch, workspace)
    at.selectbox(key="segment_table").set_value("feat").run()
    at.slider(key="seg_sweep_range").set_value((2, 6)).run()
    at.selectbox(key="seg_sweep_algo").set_value("gmm").run()
    at.button(key="seg_sweep").click().run()
    advice = texts(at.info)
    k = int(advice.split("Recommended: k=")[1].split()[0].strip(".:,"))
    assert at.button(key="seg_use_k").label == f"Use k={k}"
    at.button(key="seg_use_k").click().run()
    assert not at.exception
    assert at.selectbox(key="seg_algorithm").value == "gmm"
    assert at.number_input(key="seg_gmm_n_components").value == k


def test_parameters_are_labelled_in_words(monkeypatch, workspace):
    at = segment_page(monkeypatch, workspace)
    labels = [n.label for n in at.number_input] + [s.label for s in at.selectbox]
    assert {"Number of segments", "Restarts", "Start"} <= set(labels)
    assert not {"N clusters", "N init", "Init"} & set(labels)


def test_a_weak_structure_is_said(monkeypatch):
    import numpy as np

    from segmentation.segment.diagnostics import k_sweep

    X = np.random.default_rng(0).normal(size=(300, 4))  # no structure at all
    result = k_sweep(X, ks=range(2, 5))
    assert result.weak and result.best_silhouette < 0.25


def test_a_run_made_on_the_page_is_named_before_any_profile_is_seen(monkeypatch, workspace):
    at = segment_page(monkeypatch, workspace)
    at.selectbox(key="segment_table").set_value("feat").run()
    at.button(key="seg_run").click().run()
    assert not at.exception
    newest = runs.list_runs(open_workspace(workspace))[-1]
    names = [s.name for s in newest.segments]
    assert not any(n.startswith("Segment ") for n in names), names
    assert len(set(names)) == len(names)

"""The Results page with AppTest: a readout of a planted campaign and a migration, on real
workspace files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from helpers import campaign_workspace, make_app


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    return campaign_workspace(tmp_path_factory.mktemp("results_app"))


def results_page(monkeypatch, path: Path):
    at = make_app(monkeypatch, path).run()
    return at.switch_page("pages/results.py").run()


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_page_without_an_export_says_what_to_do(monkeypatch, tmp_path):
    at = results_page(monkeypatch, tmp_path / "empty.duckdb")
    assert not at.exception
    assert at.title[0].value == "Results"
    assert "export a list with a holdout on the Export page" in texts(at.info)


def test_readout_shows_verdicts_charts_and_downloads(monkeypatch, workspace):
    at = results_page(monkeypatch, workspace)
    assert not at.exception, at.exception
    assert at.selectbox(key="results_export").value == "e1"
    at.selectbox(key="results_outcomes").set_value("orders_after")
    at.button(key="results_go").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Split as planned"] == "yes"
    verdicts = texts(at.markdown)
    assert "the campaign worked here" in verdicts
    assert "All segments: revenue per customer" in verdicts
    table = at.dataframe[0].value
    assert set(table["metric"]) == {"conversion", "revenue_per_customer", "orders_per_customer"}
    assert len(at.get("plotly_chart")) >= 2
    assert len(at.get("download_button")) >= 2


def test_readout_with_an_empty_window_is_an_error(monkeypatch, workspace):
    at = results_page(monkeypatch, workspace)
    at.selectbox(key="results_outcomes").set_value("tx")
    at.button(key="results_go").click().run()
    assert not at.exception
    assert "has no line from" in texts(at.error)


def test_migration_tab_shows_the_matrix_and_a_download(monkeypatch, workspace):
    at = results_page(monkeypatch, workspace)
    at.date_input(key="results_as_of").set_value(date(2025, 7, 1))
    at.button(key="results_migrate").click().run()
    assert not at.exception and not at.error, (at.exception, at.error)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["New customers"].replace(",", "")) > 0
    assert metrics["Gone"] == "0"
    assert "The later segments are kept as run r2" in texts(at.caption)
    shares = at.dataframe[0].value
    assert shares.sum(axis=1).round(6).eq(1.0).all()

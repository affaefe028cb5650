"""The Predict page with AppTest, on real workspace files."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from helpers import make_app, sample_run_workspace, texts

from segmentation.predict import list_predictions
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The sample shop (1,500 customers) with features and a k-means run r1: copied per test."""
    return sample_run_workspace(tmp_path_factory.mktemp("app_predict"))


def predict_page(monkeypatch, template: Path, tmp_path: Path):
    path = tmp_path / "ws.duckdb"
    shutil.copy(template, path)
    at = make_app(monkeypatch, path).run()
    return at.switch_page("pages/predict.py").run(), path


def test_without_transactions_the_page_says_where_to_load_them(monkeypatch, workspace_path):
    at = make_app(monkeypatch, workspace_path).run().switch_page("pages/predict.py").run()
    assert not at.exception
    assert "Load a transactions file on the **Data** page first" in texts(at.info)


def test_predict_with_a_check_shows_captions_charts_and_segments(monkeypatch, template, tmp_path):
    at, path = predict_page(monkeypatch, template, tmp_path)
    assert "press **Predict**" in texts(at.info)
    at.checkbox(key="predict_check").check()
    at.date_input(key="predict_cutoff").set_value(date(2025, 3, 31))  # the sample ends 2025-06-30
    at = at.button[0].click().run()
    assert not at.exception and not at.error
    assert [p["prediction_id"] for p in list_predictions(open_workspace(path))] == ["p1"]
    assert "The model expected " in texts(at.markdown)
    keys = {c.key for c in at.get("plotly_chart")}
    assert {
        "predict_cum",
        "predict_byfreq",
        "predict_clv",
        "predict_map_alive",
        "predict_segments",
    } <= keys
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Customers"] == "1,200"  # those with an order by the calibration end
    assert at.selectbox(key="predict_run").value == "r1"
    assert at.get("download_button")


def test_a_prediction_joins_the_features_from_the_page(monkeypatch, template, tmp_path):
    at, path = predict_page(monkeypatch, template, tmp_path)
    at = at.button[0].click().run()
    assert not at.exception and not at.error
    at = at.button(key="predict_join").click().run()
    assert "Made feat_p1" in texts(at.success)
    assert open_workspace(path).table("feat_p1").kind == "features"


def test_a_refusal_is_shown_and_nothing_is_stored(monkeypatch, template, tmp_path):
    at, path = predict_page(monkeypatch, template, tmp_path)
    at.checkbox(key="predict_check").check()
    at.date_input(key="predict_cutoff").set_value(
        date(2025, 6, 30)
    )  # the last day: nothing left to check
    at = at.button[0].click().run()
    assert not at.exception
    assert "The calibration end must fall between" in texts(at.error)
    assert list_predictions(open_workspace(path)) == []


def test_profiles_show_each_segments_predicted_value(monkeypatch, template, tmp_path):
    at, path = predict_page(monkeypatch, template, tmp_path)
    at = at.switch_page("pages/profiles.py").run()
    assert "Make a prediction on the **Predict** page" in texts(at.info)
    at = at.switch_page("pages/predict.py").run()
    at = at.button[0].click().run()
    at = at.switch_page("pages/profiles.py").run()
    assert not at.exception and not at.error
    assert "profiles_predicted" in {c.key for c in at.get("plotly_chart")}
    assert at.selectbox(key="profiles_prediction").value == "p1"
    table = next(d.value for d in at.dataframe if "share_high_churn_risk" in d.value.columns)
    assert table["customers"].sum() > 0 and (table["clv_low"] <= table["clv"]).all()

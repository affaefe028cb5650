"""The published CDNOW figures: Fader, Hardie & Lee (2005) for BG/NBD, Fader & Hardie (2013)
for Gamma-Gamma, on the 1/10 sample (2,357 customers, weeks, calibration to 1997-09-30)."""

from __future__ import annotations

from datetime import date

import pytest

from segmentation.ingest.load import ingest_file
from segmentation.predict import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    customer_summary,
    predict_table,
)
from segmentation.workspace import open_workspace


def test_bgnbd_reproduces_the_published_cdnow_parameters(cdnow_xtT):
    model = BetaGeoModel().fit(*cdnow_xtT)
    assert len(cdnow_xtT[0]) == 2357
    got = {k: round(v, 3) for k, v in model.params_.items()}
    assert got == {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    assert round(model.log_likelihood_, 1) == -9582.4
    assert not model.boundary_


def test_gammagamma_reproduces_the_published_cdnow_parameters(cdnow):
    spend = GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"])
    assert spend.n_customers_ == 946
    assert round(spend.params_["p"], 2) == 6.25
    assert round(spend.params_["q"], 2) == 3.74
    assert round(spend.params_["gamma"], 2) == 15.44


@pytest.fixture(scope="module")
def cdnow_workspace(tmp_path_factory, shared_data_session):
    path = tmp_path_factory.mktemp("cdnow") / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, shared_data_session / "cdnow" / "CDNOW_sample.txt", table="cdnow")
    yield ws
    ws.close()


def test_the_workspace_summary_equals_the_published_one(cdnow_workspace, cdnow):
    summary = customer_summary(cdnow_workspace, "cdnow", calibration_end=date(1997, 9, 30))
    assert summary.customers == 2357 and summary.repeat_customers == 946
    by_day = cdnow.sort_values(["frequency", "recency", "T", "monetary_value"])
    ours = sorted(
        zip(
            summary.frequency,
            summary.recency / 7,
            summary.T / 7,
            summary.monetary_value,
            strict=True,
        )
    )
    for mine, theirs in zip(ours, by_day.itertuples(index=False), strict=True):
        assert mine == pytest.approx(tuple(theirs), rel=1e-12, abs=1e-12)


def test_predict_table_on_cdnow_prints_the_published_figures(cdnow_workspace):
    prediction = predict_table(
        cdnow_workspace, "cdnow", unit="week", calibration_end=date(1997, 9, 30), name="paper"
    )
    out = prediction.to_dict()
    assert list(out) == [
        "prediction_id", "table", "model", "unit", "observation_end", "customers",
        "repeat_customers", "params", "log_likelihood", "spend", "holdout", "warnings",
    ]  # fmt: skip
    assert out["observation_end"] == "1997-09-30"
    assert (out["customers"], out["repeat_customers"]) == (2357, 946)
    assert {k: round(v, 3) for k, v in out["params"].items()} == {
        "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426,
    }  # fmt: skip
    assert round(out["log_likelihood"], 1) == -9582.4
    assert round(out["spend"]["p"], 2) == 6.25 and out["spend"]["customers"] == 946
    assert out["holdout"]["start"] == "1997-10-01" and out["holdout"]["end"] == "1998-06-30"
    assert any("P(alive) = 1" in w and "MBG/NBD" in w for w in out["warnings"])


def test_paretonbd_on_cdnow_gives_the_figures_lifetimes_documents(cdnow_xtT):
    """lifetimes' documentation: alpha 10.58, beta 11.67, r 0.55, s 0.61 on the same data."""
    model = ParetoNBDModel().fit(*cdnow_xtT)
    assert {k: round(v, 2) for k, v in model.params_.items()} == {
        "r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67,
    }  # fmt: skip
    assert round(model.log_likelihood_) == -9595

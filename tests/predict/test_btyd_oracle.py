"""Per-customer predictions against lifetimes 0.11.3 (a test-only oracle) on CDNOW, to 1%."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from segmentation.predict import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    score_customers,
)

lifetimes = pytest.importorskip("lifetimes")

FITTERS = {
    "bgnbd": (BetaGeoModel, "BetaGeoFitter", ["r", "alpha", "a", "b"]),
    "mbgnbd": (ModifiedBetaGeoModel, "ModifiedBetaGeoFitter", ["r", "alpha", "a", "b"]),
    "paretonbd": (ParetoNBDModel, "ParetoNBDFitter", ["r", "alpha", "s", "beta"]),
}


def _fit_lifetimes(name, xtT):
    """lifetimes' fit; its Pareto/NBD starts Nelder-Mead (tol 1e-4) from np.random's global state.

    From an unlucky start it stopped 2% short of its own optimum (s 0.600, beta 11.46 in one CI run
    against the 0.606 / 11.67 it documents), so it gets a fixed seed, three starts and a tight
    tolerance; the global random state is put back afterwards.
    """
    fitter = getattr(lifetimes, name)()
    if name != "ParetoNBDFitter":
        return fitter.fit(*xtT)  # BG and MBG/NBD start from fixed values
    state = np.random.get_state()
    try:
        np.random.seed(0)
        return fitter.fit(*xtT, iterative_fitting=3, tol=1e-8)
    finally:
        np.random.set_state(state)


@pytest.mark.parametrize("name", list(FITTERS))
def test_parameters_and_customers_match_lifetimes(name, cdnow_xtT):
    ours_cls, theirs_name, keys = FITTERS[name]
    ours = ours_cls().fit(*cdnow_xtT)
    theirs = _fit_lifetimes(theirs_name, cdnow_xtT)
    assert [ours.params_[k] for k in keys] == pytest.approx(theirs.params_[keys].tolist(), rel=0.01)
    x, t_x, T = cdnow_xtT
    for t in (4.0, 39.0, 52.0):
        expected = theirs.conditional_expected_number_of_purchases_up_to_time(t, x, t_x, T)
        assert ours.expected_orders(t, x, t_x, T) == pytest.approx(np.asarray(expected), rel=0.01)
    alive = theirs.conditional_probability_alive(x, t_x, T)
    assert ours.p_alive(x, t_x, T) == pytest.approx(np.asarray(alive), rel=0.01)


def test_order_values_and_clv_match_lifetimes(cdnow, cdnow_xtT):
    ours = BetaGeoModel().fit(*cdnow_xtT)
    spend = GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"])
    bg = lifetimes.BetaGeoFitter().fit(*cdnow_xtT)
    repeat = cdnow[cdnow["frequency"] > 0]
    gg = lifetimes.GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
    value = gg.conditional_expected_average_profit(cdnow["frequency"], cdnow["monetary_value"])
    assert spend.expected_order_value(cdnow["frequency"], cdnow["monetary_value"]) == pytest.approx(
        value.to_numpy(), rel=0.01
    )
    # lifetimes: 12 steps of 4.345 weeks, each discounted at 1% per step. The same here: a
    # horizon of 12 x 4.345 weeks (12 monthly steps) at the annual rate that is 1% per step.
    horizon = 12 * 4.345
    step_years = horizon * 7 / 12 / 365.25
    rate = 1.01 ** (1 / step_years) - 1
    clv = gg.customer_lifetime_value(
        bg, cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"],
        time=12, discount_rate=0.01, freq="W",
    )  # fmt: skip
    scores = score_customers(
        ours, spend, cdnow.index.to_numpy(), *cdnow_xtT, cdnow["monetary_value"].to_numpy(),
        horizon=horizon, unit_days=7.0, rate=rate,
    )  # fmt: skip
    assert scores.table["clv"].to_numpy() == pytest.approx(clv.to_numpy(), rel=0.01)


def test_holdout_orders_are_the_distinct_days_after_the_calibration_end(cdnow_lines, tmp_path):
    """lifetimes' calibration_and_holdout_data fails under pandas 2 (it concatenates nothing),
    so the holdout is counted here with pandas: distinct purchase days after 1997-09-30."""
    from segmentation.ingest.load import ingest_file
    from segmentation.predict import customer_summary
    from segmentation.workspace import open_workspace

    later = cdnow_lines[cdnow_lines["date"] > "1997-09-30"]
    theirs = later.groupby("customer_id")["date"].nunique()
    theirs = theirs.reindex(cdnow_lines["customer_id"].unique(), fill_value=0)
    path = tmp_path / "cdnow.txt"
    frame = cdnow_lines.assign(date=cdnow_lines["date"].dt.strftime("%Y%m%d"))
    frame[["customer_id", "date", "value"]].to_csv(path, index=False)
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, path, table="cdnow")
    summary = customer_summary(ws, "cdnow", calibration_end=date(1997, 9, 30))
    ws.close()
    ours = pd.Series(summary.holdout_orders, index=summary.customer_id)
    assert ours.sum() == theirs.sum() == 1882
    assert (ours.sort_index().to_numpy() == theirs.sort_index().to_numpy()).all()
    assert sum(summary.holdout_days.values()) == ours.sum()

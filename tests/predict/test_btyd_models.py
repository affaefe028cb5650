"""The fitters: gradients, distinct-row weighting, the boundary, hard and refused inputs."""

from __future__ import annotations

import numpy as np
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.predict import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    NotEnoughDataError,
    ParetoNBDModel,
)
from segmentation.predict.fitting import LOG_BOUND, distinct_rows
from segmentation.predict.likelihoods import (
    bgnbd_loglik,
    gammagamma_loglik,
    mbgnbd_loglik,
    nbd_loglik,
)
from segmentation.predict.score import group_totals, score_customers
from segmentation.predict.simulate import simulate_bgnbd

BG = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


def _numeric(f, params, *data, step=1e-6):
    theta = np.log(params)
    cols = []
    for i in range(len(theta)):
        e = np.zeros_like(theta)
        e[i] = step
        cols.append((f(np.exp(theta + e), *data)[0] - f(np.exp(theta - e), *data)[0]) / (2 * step))
    return np.column_stack(cols)


@pytest.mark.parametrize(
    ("loglik", "params"),
    [
        (bgnbd_loglik, [0.3, 5.0, 0.7, 2.2]),
        (mbgnbd_loglik, [0.5, 6.0, 0.9, 1.6]),
        (nbd_loglik, [0.4, 12.0]),
    ],
)
def test_analytic_gradients_match_finite_differences(loglik, params):
    x, t_x, T = simulate_bgnbd(300, **BG, T=39.0, seed=3)
    _, grad = loglik(np.array(params), x, t_x, T)
    assert grad == pytest.approx(_numeric(loglik, np.array(params), x, t_x, T), rel=1e-5, abs=1e-7)


def test_gammagamma_gradient_matches_finite_differences():
    rng = np.random.default_rng(4)
    x = rng.integers(1, 20, 200).astype(float)
    m = rng.gamma(5.0, 8.0, 200)
    params = np.array([6.0, 3.7, 15.0])
    _, grad = gammagamma_loglik(params, x, m)
    assert grad == pytest.approx(_numeric(gammagamma_loglik, params, x, m), rel=1e-5, abs=1e-7)


def test_weights_give_the_same_fit_as_every_customer():
    x, t_x, T = simulate_bgnbd(2000, **BG, T=39.0, seed=5, step=1 / 7)
    every = BetaGeoModel().fit(x, t_x, T)
    keep = np.arange(0, 2000, 2)
    twice = BetaGeoModel().fit(x[keep], t_x[keep], T[keep], weights=np.full(1000, 2.0))
    assert twice.n_customers_ == 2000
    half = BetaGeoModel().fit(
        np.r_[x[keep], x[keep]], np.r_[t_x[keep], t_x[keep]], np.r_[T[keep], T[keep]]
    )
    assert twice.log_likelihood_ == pytest.approx(half.log_likelihood_, rel=1e-9)
    (ux, _, _), inverse, counts = distinct_rows(x, t_x, T)
    assert every.n_distinct_ == len(ux) < 2000 and counts.sum() == 2000 and len(inverse) == 2000
    assert LOG_BOUND == 15.0


def test_distinct_rows_are_the_rows_that_share_their_bytes_in_byte_order():
    """The definition it had as np.unique of each row's bytes: same rows, order, indices, counts
    (-0.0 and 0.0 are different rows, as their bytes are)."""
    rng = np.random.default_rng(3)
    values = np.array([0.0, -0.0, 1.5, -2.25, 3.0, 1e300, -1e-300, 52.0])
    for n, k in [(1, 1), (7, 2), (500, 3), (2000, 3)]:
        columns = [rng.choice(values, n) for _ in range(k)]
        stacked = np.ascontiguousarray(np.column_stack(columns))
        rows = stacked.view(np.dtype((np.void, 8 * k))).ravel()
        _, first, inverse, counts = np.unique(
            rows, return_index=True, return_inverse=True, return_counts=True
        )
        got, got_inverse, got_counts = distinct_rows(*columns)
        assert np.column_stack(got).tobytes() == stacked[first].tobytes()
        assert got_inverse.tolist() == inverse.ravel().tolist()
        assert got_counts.tolist() == counts.tolist()
    empty, inverse, counts = distinct_rows(np.zeros(0), np.zeros(0))
    assert [len(c) for c in empty] == [0, 0] and len(inverse) == len(counts) == 0


def test_a_fit_recovers_the_parameters_it_was_simulated_with():
    x, t_x, T = simulate_bgnbd(20000, **BG, T=52.0, seed=6)
    got = BetaGeoModel().fit(x, t_x, T).params_
    assert got["r"] == pytest.approx(BG["r"], rel=0.1)
    assert got["alpha"] == pytest.approx(BG["alpha"], rel=0.15)
    assert got["a"] / (got["a"] + got["b"]) == pytest.approx(0.8 / 3.3, rel=0.15)


@pytest.mark.parametrize("cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_no_drop_out_is_reported_as_the_nbd_limit(cls):
    x, t_x, T = simulate_bgnbd(1500, r=0.8, alpha=10.0, a=0.0, b=1.0, T=52.0, seed=7, step=1 / 7)
    model = cls().fit(x, t_x, T)
    assert model.boundary_ and model.active_model_ == "nbd"
    assert any("no sign of customers leaving" in w and "NBD" in w for w in model.warnings_)
    assert np.all(model.p_alive(x, t_x, T) == 1.0)
    assert model.expected_orders(10.0, x, t_x, T) == pytest.approx(
        (model.params_["r"] + x) * 10.0 / (model.params_["alpha"] + T)
    )
    assert model.params_[list(model.params_)[2]] == 0.0


def test_too_few_repeat_customers_are_refused():
    x = np.r_[np.ones(38), np.zeros(400)]
    T = np.full(438, 30.0)
    with pytest.raises(
        NotEnoughDataError, match="Only 38 customers ordered twice; at least 100 are needed"
    ):
        BetaGeoModel().fit(x, x * 10.0, T)


def test_too_few_customers_are_refused():
    x = np.ones(150)
    with pytest.raises(NotEnoughDataError, match="Only 150 customers; at least 200 are needed"):
        BetaGeoModel().fit(x, x * 5.0, np.full(150, 30.0))


def test_spend_model_refuses_too_few_positive_repeaters():
    x = np.r_[np.ones(120), np.zeros(100)]
    m = np.r_[np.zeros(40), np.full(80, 20.0), np.zeros(100)]
    with pytest.raises(
        NotEnoughDataError, match="Only 80 customers ordered twice with a positive value"
    ):
        GammaGammaModel().fit(x, m)


def test_zero_value_repeaters_are_left_out_of_the_spend_fit_and_still_valued():
    rng = np.random.default_rng(8)
    x = rng.integers(1, 10, 500).astype(float)
    m = rng.gamma(6.0, 4.0, 500)
    m[:30] = 0.0
    m[30:35] = -5.0  # returns worth more than the orders
    spend = GammaGammaModel().fit(x, m)
    assert spend.n_customers_ == 465
    assert any(
        w.startswith("35 repeat customers whose repeat orders average 0") for w in spend.warnings_
    )
    value = spend.expected_order_value(x, m)
    assert np.all(np.isfinite(value)) and np.all(value > 0)
    assert np.all(value[:35] < np.mean(value[35:]))


def test_one_order_customers_bgnbd_says_p_alive_one_and_mbgnbd_does_not():
    x, t_x, T = simulate_bgnbd(3000, r=0.2, alpha=8.0, a=1.0, b=2.0, T=52.0, seed=9, step=1 / 7)
    bg = BetaGeoModel().fit(x, t_x, T)
    assert np.all(bg.p_alive(x, t_x, T)[x == 0] == 1.0)
    assert any("P(alive) = 1" in w and "MBG/NBD" in w for w in bg.warnings_)
    mbg = ModifiedBetaGeoModel().fit(x, t_x, T)
    assert np.all(mbg.p_alive(x, t_x, T)[x == 0] < 1.0)


@pytest.mark.parametrize("cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel])
def test_huge_frequencies_give_finite_predictions(cls):
    x, t_x, T = simulate_bgnbd(1000, **BG, T=52.0, seed=10, step=1 / 7)
    x[:3], t_x[:3] = [5000.0, 20000.0, 100000.0], [52.0, 52.0, 52.0]
    model = cls().fit(x, t_x, T)
    orders = model.expected_orders(52.0, x, t_x, T)
    alive = model.p_alive(x, t_x, T)
    assert np.all(np.isfinite(orders)) and np.all(orders >= 0)
    assert np.all((alive >= 0) & (alive <= 1))
    assert orders[2] > orders[1] > orders[0] > 1000


def test_bad_summaries_are_refused():
    with pytest.raises(InvalidParameterError, match="1 customers have a recency above T"):
        BetaGeoModel().fit([1.0, 0.0], [5.0, 0.0], [4.0, 3.0])
    with pytest.raises(
        InvalidParameterError, match="'n_starts' parameter must be an int >= 1. Got 0"
    ):
        BetaGeoModel(n_starts=0).fit([1.0], [1.0], [2.0])


@pytest.fixture(scope="module")
def fitted():
    x, t_x, T = simulate_bgnbd(2000, **BG, T=39.0, seed=11, step=1 / 7)
    rng = np.random.default_rng(12)
    m = np.where(x > 0, rng.gamma(6.0, 4.0, len(x)), 0.0)
    return BetaGeoModel().fit(x, t_x, T), GammaGammaModel().fit(x, m), (x, t_x, T, m)


def test_discount_rate_zero_gives_orders_times_value(fitted):
    model, spend, (x, t_x, T, m) = fitted
    scores = score_customers(
        model, spend, np.arange(len(x)), x, t_x, T, m, horizon=52.0, unit_days=7.0, rate=0.0
    )
    table = scores.table
    assert table["clv"].to_numpy() == pytest.approx(
        (table["expected_orders"] * table["expected_order_value"]).to_numpy()
    )
    discounted = score_customers(
        model, spend, np.arange(len(x)), x, t_x, T, m, horizon=52.0, unit_days=7.0, rate=0.1
    )
    ratio = discounted.table["clv"] / table["clv"]
    assert ratio.between(1 / 1.1, 1.0).all()


def test_intervals_agree_with_parameter_draws(fitted):
    """The delta-method ranges against 1,500 draws of the parameters from the same inverse
    Hessian: per customer and for a group total, the 10th and 90th percentiles within 10%."""
    model, spend, (x, t_x, T, m) = fitted
    scores = score_customers(
        model, spend, np.arange(len(x)), x, t_x, T, m, horizon=52.0, unit_days=7.0, rate=0.0
    )
    rng = np.random.default_rng(13)
    log_o = np.log(model.active_params_)
    log_v = np.log(spend.active_params_)
    some = np.array([0, 1, 2, 5, 8, 13])
    draws_c, draws_t = [], []
    for _ in range(1500):
        po = np.exp(rng.multivariate_normal(log_o, model.cov_))
        pv = np.exp(rng.multivariate_normal(log_v, spend.cov_))
        clv = model.expected_orders(52.0, x, t_x, T, params=po) * spend.expected_order_value(
            x, m, params=pv
        )
        draws_c.append(clv[some])
        draws_t.append(clv.sum())
    low, high = np.percentile(draws_c, [10, 90], axis=0)
    assert scores.table["clv_low"].to_numpy()[some] == pytest.approx(low, rel=0.1)
    assert scores.table["clv_high"].to_numpy()[some] == pytest.approx(high, rel=0.1)
    total = group_totals(scores).iloc[0]
    assert total["clv_low"] == pytest.approx(np.percentile(draws_t, 10), rel=0.1)
    assert total["clv_high"] == pytest.approx(np.percentile(draws_t, 90), rel=0.1)
    assert total["clv_low"] < total["clv"] < total["clv_high"]


def test_churn_risk_follows_the_documented_thresholds(fitted):
    model, spend, (x, t_x, T, m) = fitted
    table = score_customers(
        model, spend, np.arange(len(x)), x, t_x, T, m, horizon=52.0, unit_days=7.0, rate=0.1
    ).table
    slow = (model.active_params_[1] + T) / (model.active_params_[0] + x) > 52.0
    expected = np.where(
        table["p_alive"] < 0.3, "high", np.where((table["p_alive"] < 0.7) | slow, "medium", "low")
    )
    assert (table["churn_risk"].to_numpy() == expected).all()
    assert set(table["churn_risk"]) == {"low", "medium", "high"}


def test_starts_on_a_sample_then_polished_reach_the_full_data_maximum(monkeypatch):
    """Above SAMPLE_ABOVE distinct rows the starts run on SAMPLE_CUSTOMERS sampled customers
    and the best is polished on every row: the same maximum as the starts on every row (here
    with the thresholds lowered, 2,000 rows and 1,000 customers, to keep the test quick)."""
    from segmentation.predict import fitting

    x, t_x, T = simulate_bgnbd(5000, **BG, T=np.linspace(30.0, 60.0, 5000), seed=14)
    full = BetaGeoModel().fit(x, t_x, T)
    monkeypatch.setattr(fitting, "SAMPLE_ABOVE", 2000)
    monkeypatch.setattr(fitting, "SAMPLE_CUSTOMERS", 1000)
    sampled = BetaGeoModel().fit(x, t_x, T)
    assert sampled.n_distinct_ > 2000
    assert sampled.log_likelihood_ == pytest.approx(full.log_likelihood_, abs=1e-4)
    assert list(sampled.params_.values()) == pytest.approx(list(full.params_.values()), rel=1e-4)

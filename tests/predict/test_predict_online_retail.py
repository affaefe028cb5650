"""Online Retail (UCI), a real shop's file with its quirks: every model gives finite, sane
predictions, including MBG/NBD whose drop-out shapes run off to infinity (a, b -> inf)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from segmentation.ingest.load import ingest_file
from segmentation.predict import predict_table
from segmentation.predict.expectations import FIXED_P_ABOVE, expected_orders
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def retail(tmp_path_factory, shared_data_session):
    ws = open_workspace(tmp_path_factory.mktemp("retail") / "ws.duckdb")
    ingest_file(
        ws, shared_data_session / "online_retail" / "online-retail-dataset.csv", table="retail"
    )
    yield ws
    ws.close()


@pytest.mark.parametrize("model", ["bgnbd", "mbgnbd", "paretonbd"])
def test_every_model_gives_finite_predictions_on_online_retail(retail, model):
    made = predict_table(
        retail, "retail", model=model, calibration_end=date(2011, 3, 31), save=False
    )
    out = made.to_dict()
    assert (out["customers"], out["repeat_customers"]) == (2134, 888)
    table = made.customers
    for column in (
        "p_alive",
        "expected_orders",
        "expected_order_value",
        "clv",
        "clv_low",
        "clv_high",
    ):
        assert np.isfinite(table[column]).all(), column
    assert out["holdout"]["predicted_orders"] == pytest.approx(
        out["holdout"]["actual_orders"], rel=0.3
    )
    assert any("average 0 or less" in w for w in out["warnings"])  # one such customer


def test_the_fixed_drop_out_limit_continues_the_series():
    x, t_x, T = (
        np.array([0.0, 3.0, 12.0]),
        np.array([0.0, 20.0, 30.0]),
        np.array([39.0, 39.0, 39.0]),
    )
    for model in ("bgnbd", "mbgnbd"):
        a = 0.005 * FIXED_P_ABOVE
        below = expected_orders(
            model, np.array([0.6, 6.0, a, FIXED_P_ABOVE - a - 1.0]), 52.0, x, t_x, T
        )
        above = expected_orders(
            model, np.array([0.6, 6.0, a, FIXED_P_ABOVE - a + 1.0]), 52.0, x, t_x, T
        )
        assert above == pytest.approx(below, rel=1e-3)

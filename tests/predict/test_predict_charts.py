"""The Predict page's figures: built from a real prediction, every axis labelled."""

from __future__ import annotations

from datetime import date

import pytest

from segmentation.charts import predict as charts
from segmentation.ingest.load import ingest_file
from segmentation.predict import frequency_recency_grid, group_totals, predict_table
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def made(tmp_path_factory, shop_csv):
    folder = tmp_path_factory.mktemp("charts")
    ws = open_workspace(folder / "ws.duckdb")
    ingest_file(ws, shop_csv(folder / "shop.csv", customers=400, seed=3), table="shop")
    yield predict_table(ws, "shop", calibration_end=date(2024, 3, 31), save=False)
    ws.close()


def _labelled(fig) -> None:
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_every_predict_chart_has_labelled_axes(made):
    grid = frequency_recency_grid(
        made.orders_model, T=float(made.customers["T"].max()), horizon=made.horizon
    )
    totals = made.customers.assign(segment=made.customers["frequency"].clip(upper=2))
    by = group_totals(made.scores, totals["segment"].to_numpy()).rename(
        columns={"group": "segment"}
    )
    figures = [
        charts.holdout_by_frequency(made.holdout.by_frequency),
        charts.holdout_cumulative(made.holdout.cumulative),
        charts.clv_distribution(made.customers["clv"].to_numpy()),
        charts.frequency_recency_map(grid, "p_alive"),
        charts.frequency_recency_map(grid, "expected_orders"),
        charts.segment_values(by),
    ]
    for fig in figures:
        _labelled(fig)
    assert list(figures[0].data[0].x) == made.holdout.by_frequency["repeat_orders"].tolist()
    assert figures[1].data[0].y[-1] == made.holdout.actual_orders

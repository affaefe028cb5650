"""Predictions from a workspace table: the summary SQL, validation, storing and reading back."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, NameClashError, TableNotFoundError
from segmentation.ingest.load import ingest_file
from segmentation.predict import NotEnoughDataError
from segmentation.predict.run import parse_day, predict_table, segment_totals
from segmentation.predict.store import (
    list_predictions,
    prediction_customers,
    read_prediction,
    write_customers,
)
from segmentation.predict.summary import customer_summary
from segmentation.predict.view import open_prediction
from segmentation.workspace import META, ColumnInfo, open_workspace


@pytest.fixture(scope="module")
def shop(tmp_path_factory, shop_csv):
    folder = tmp_path_factory.mktemp("shop")
    ws = open_workspace(folder / "ws.duckdb")
    ingest_file(ws, shop_csv(folder / "shop.csv", customers=600, seed=0), table="shop")
    yield ws
    ws.close()


def test_summary_counts_orders_by_invoice_and_leaves_returns_out(tmp_path):
    path = tmp_path / "tiny.csv"
    path.write_text(
        "InvoiceNo,InvoiceDate,CustomerID,Quantity,UnitPrice\n"
        "1,2024-01-01 09:00,A,2,5.00\n"  # order 1 of A: 10 + 3 = 13
        "1,2024-01-01 09:00,A,1,3.00\n"
        "2,2024-01-01 15:00,A,1,4.00\n"  # order 2, same day: 4
        "C3,2024-01-05 10:00,A,-1,4.00\n"  # a return under its own invoice: not an order
        "4,2024-01-11 10:00,A,2,10.00\n"  # order 3: 20
        "5,2024-01-03 10:00,B,1,7.50\n"  # B: one order
        "6,2024-01-21 10:00,,1,1.00\n"  # no customer: left out
        "7,2024-01-21 10:00,C,1,1.00\n"  # the last day
    )
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, path, table="tiny")
    summary = customer_summary(ws, "tiny")
    got = pd.DataFrame(
        {
            "frequency": summary.frequency,
            "recency": summary.recency,
            "T": summary.T,
            "monetary_value": summary.monetary_value,
        },
        index=summary.customer_id,
    )
    assert summary.observation_end == date(2024, 1, 21)
    assert got.loc["A"].tolist() == [2.0, 10.0, 20.0, 12.0]  # repeat orders 4 and 20
    assert got.loc["B"].tolist() == [0.0, 0.0, 18.0, 0.0]
    assert got.loc["C"].tolist() == [0.0, 0.0, 0.0, 0.0]
    held = customer_summary(ws, "tiny", calibration_end=date(2024, 1, 4))
    assert dict(zip(held.customer_id, held.holdout_orders, strict=True)) == {"A": 1.0, "B": 0.0}
    assert held.holdout_days == {0: 0, 1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 1}
    with pytest.raises(InvalidParameterError, match="calibration end must fall between"):
        customer_summary(ws, "tiny", calibration_end=date(2024, 1, 21))
    ws.close()


def test_a_prediction_is_stored_listed_and_read_back(shop):
    made = predict_table(
        shop, "shop", unit="week", calibration_end=date(2024, 3, 31), name="spring"
    )
    listed = list_predictions(shop)
    assert [p["name"] for p in listed][-1] == "spring"
    back = read_prediction(shop, "spring")
    assert back["summary"]["params"] == made.to_dict()["params"]
    assert back["recipe"]["calibration_end"] == "2024-03-31" and back["recipe"]["model"] == "bgnbd"
    customers = prediction_customers(shop, made.prediction_id)
    assert len(customers) == made.summary.customers
    ours = made.customers.set_index("customer_id").sort_index()
    assert customers.set_index("customer_id")["clv"].to_numpy() == pytest.approx(
        ours["clv"].to_numpy()
    )
    assert set(customers["churn_risk"]) <= {"low", "medium", "high"}
    assert (customers["clv_low"] <= customers["clv"]).all() and (
        customers["clv"] <= customers["clv_high"]
    ).all()


def test_validation_speaks_plainly(shop):
    made = predict_table(shop, "shop", calibration_end=date(2024, 3, 31), save=False)
    check = made.holdout
    assert check.captions[0].startswith("The model expected ")
    assert "repeat orders in the 12 weeks after 31 Mar 2024; there were " in check.captions[0]
    assert check.actual_orders == int(made.summary.holdout_orders.sum())
    assert check.by_frequency["repeat_orders"].tolist()[0] == "0"
    assert check.by_frequency["repeat_orders"].tolist()[-1] == "7+"
    assert check.cumulative["actual"].iloc[-1] == check.actual_orders
    assert check.cumulative["predicted"].iloc[-1] == pytest.approx(check.predicted_orders)
    assert check.mae_model < check.mae_naive


def test_a_refused_prediction_leaves_the_workspace_as_it_was(tmp_path, shop_csv):
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, shop_csv(tmp_path / "small.csv", customers=120, seed=1), table="small")
    with pytest.raises(NotEnoughDataError, match="Only 120 customers; at least 200 are needed"):
        predict_table(ws, "small")
    assert list_predictions(ws) == []
    assert ws.query(f"SELECT count(*) FROM {META}.prediction_customers")[0][0] == 0
    ws.close()


def test_a_name_clash_is_refused_and_the_first_prediction_kept(shop):
    predict_table(shop, "shop", name="twice")
    before = len(list_predictions(shop))
    with pytest.raises(NameClashError, match="A prediction named 'twice' is already"):
        predict_table(shop, "shop", name="twice")
    assert len(list_predictions(shop)) == before
    with pytest.raises(TableNotFoundError, match="There is no prediction 'nope'"):
        read_prediction(shop, "nope")


def test_bad_parameters_are_refused_with_the_rule(shop):
    with pytest.raises(
        InvalidParameterError, match="'model' parameter must be one of bgnbd, mbgnbd"
    ):
        predict_table(shop, "shop", model="lifetimes")
    with pytest.raises(
        InvalidParameterError, match="'unit' parameter must be one of day, week, month"
    ):
        predict_table(shop, "shop", unit="year")
    with pytest.raises(
        InvalidParameterError, match="'discount_rate' parameter must be an annual rate"
    ):
        predict_table(shop, "shop", discount_rate=-0.1)
    with pytest.raises(
        InvalidParameterError, match="'horizon' parameter must be a number of units"
    ):
        predict_table(shop, "shop", horizon=0)


def test_a_customers_table_is_refused(tmp_path):
    path = tmp_path / "people.csv"
    rows = "".join(f"c{i},2024-01-0{1 + i % 9},{i}\n" for i in range(30))
    path.write_text("customer_id,signed_up,spend\n" + rows)
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, path, table="people")
    assert ws.table("people").kind == "customers"
    with pytest.raises(InvalidParameterError, match="'people' is a customers table; a prediction"):
        predict_table(ws, "people")
    ws.close()


def test_segment_totals_add_up_with_intervals(shop):
    made = predict_table(shop, "shop", discount_rate=0.0, name="totals")
    customers = made.customers
    segments = pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "segment": np.where(customers["frequency"] > 2, "loyal", "other"),
        }
    )
    totals = segment_totals(shop, "totals", segments).set_index("segment")
    assert totals["customers"].sum() == len(customers)
    assert totals["clv"].sum() == pytest.approx(customers["clv"].sum())
    assert (totals["clv_low"] < totals["clv"]).all() and (totals["clv"] < totals["clv_high"]).all()
    high = (customers["churn_risk"] == "high").groupby(segments["segment"]).mean()
    assert totals["share_high_churn_risk"].to_numpy() == pytest.approx(high.sort_index().to_numpy())


def test_the_summary_sql_quotes_column_names(tmp_path):
    path = tmp_path / "odd.csv"
    lines = ['cust "id",when,"amount; drop table odd"']
    for c in range(5):
        for d in (1, 8, 15):
            lines.append(f"k{c},2024-01-{d + c:02d},{1 + d}")
    path.write_text("\n".join(lines) + "\n")
    ws = open_workspace(tmp_path / "ws.duckdb")
    info = ingest_file(ws, path, table="odd")
    roles = {'cust "id"': "customer_id", "when": "timestamp", "amount; drop table odd": "amount"}
    columns = [ColumnInfo(c.name, c.type, roles[c.name]) for c in ws.table("odd").columns]
    ws.update_table("odd", columns=columns)
    summary = customer_summary(ws, "odd")
    assert summary.customers == 5 and summary.frequency.tolist() == [2.0] * 5
    assert ws.query('SELECT count(*) FROM "odd"')[0][0] == 15
    del info
    ws.close()


def test_the_out_file_has_the_issue_columns_keyed_by_text_ids(shop, tmp_path):
    made = predict_table(shop, "shop", save=False)
    csv = write_customers(made.customers, tmp_path / "p.csv")
    back = pd.read_csv(csv, dtype={"customer_id": str})
    assert list(back.columns) == [
        "customer_id", "frequency", "recency", "T", "monetary_value", "p_alive",
        "expected_orders", "expected_order_value", "clv", "clv_low", "clv_high", "churn_risk",
    ]  # fmt: skip
    parquet = pd.read_parquet(write_customers(made.customers, tmp_path / "p.parquet"))
    assert parquet["customer_id"].map(type).eq(str).all() and len(parquet) == len(back)
    with pytest.raises(InvalidParameterError, match="must end in .csv or .parquet. Got 'p.xlsx'"):
        write_customers(made.customers, tmp_path / "p.xlsx")
    with pytest.raises(
        InvalidParameterError,
        match="'calibration_end' parameter must be a day written YYYY-MM-DD. Got '30/09/1997'",
    ):
        parse_day("30/09/1997")


def test_a_stored_prediction_opens_with_its_check_grid_and_top_customers(shop):
    made = predict_table(shop, "shop", calibration_end=date(2024, 3, 31), name="view")
    view = open_prediction(shop, "view")
    assert view.prediction_id == made.prediction_id
    assert (
        view.by_frequency()["repeat_orders"].tolist()
        == made.holdout.by_frequency["repeat_orders"].tolist()
    )
    assert view.cumulative()["actual"].iloc[-1] == made.holdout.actual_orders
    assert view.validation["captions"] == made.holdout.captions
    top = view.top_customers(5)
    assert len(top) == 5 and top["clv"].is_monotonic_decreasing
    assert top["clv"].iloc[0] == pytest.approx(made.customers["clv"].max())
    grid = view.grid()
    assert grid["p_alive"].between(0, 1).all() and (grid["expected_orders"] >= 0).all()
    assert set(view.parameters()["model"]) == {"orders", "order value"}
    assert sum(view.churn_counts().values()) == len(made.customers)
    assert view.csv().decode().splitlines()[0].startswith("customer_id,frequency,recency,T,")

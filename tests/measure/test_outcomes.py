"""The outcomes table: which tables qualify, the roles a readout needs, the window's days."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.ingest.load import ingest_file
from segmentation.measure.outcomes import Window, outcome_roles, outcome_tables
from segmentation.workspace import open_workspace


def test_window_end_is_the_last_day_included():
    w = Window(date(2025, 7, 1), 30)
    assert w.end == date(2025, 7, 30)
    assert w.bounds() == [date(2025, 7, 1), date(2025, 7, 31)]
    assert w.before() == [date(2025, 6, 1), date(2025, 7, 1)]


def test_only_tables_with_id_date_and_amount_are_offered(tmp_path):
    orders = tmp_path / "orders.csv"
    pd.DataFrame(
        {
            "order_id": ["A1", "A2", "A3"],
            "customer_id": ["C1", "C1", "C2"],
            "order_date": ["2025-07-01", "2025-07-02", "2025-07-03"],
            "amount": [10.5, 20.0, 7.25],
        }
    ).to_csv(orders, index=False)
    notes = tmp_path / "notes.csv"
    pd.DataFrame({"note": ["a", "b"], "score": [1.5, 2.5]}).to_csv(notes, index=False)
    ws = open_workspace(tmp_path / "ws.duckdb")
    try:
        ingest_file(ws, orders, table="orders")
        ingest_file(ws, notes, table="notes")
        assert outcome_tables(ws) == ["orders"]
        assert outcome_roles(ws.table("orders"))["timestamp"] == "order_date"
        with pytest.raises(
            InvalidParameterError, match="Table 'notes' has no column with the role"
        ):
            outcome_roles(ws.table("notes"))
    finally:
        ws.close()

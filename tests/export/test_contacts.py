"""Contact tables of segmentation.export.contacts: found by the customers they share with a run."""

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.export import contacts


def test_the_customer_table_of_the_run_gives_the_contact_fields(ws):
    info = contacts.find_contacts(ws, "r1")
    assert info is not None and info.name == "customers"
    assert "email" in contacts.contact_roles(info)
    choices = contacts.column_choices(ws, "r1")
    assert choices["contacts"] == "customers" and "monetary" in choices["numeric"]


def test_a_table_without_contact_roles_is_refused(ws):
    with pytest.raises(InvalidParameterError, match="cannot give contact fields"):
        contacts.find_contacts(ws, "r1", "transactions_features")


def test_a_transactions_table_gives_its_own_contacts_most_recent_first(tmp_path):
    from segmentation.export.plan import export_audience
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment import runs
    from segmentation.workspace import open_workspace

    lines = ["customer_id,order_date,amount,email,country"]
    for c in range(30):
        lines += [
            f"k{c},2024-01-{1 + c % 20:02d},{10 + c},old{c}@example.org,UK",
            f"k{c},2024-03-{1 + c % 20:02d},{20 + c},new{c}@example.org,US",
            f"k{c},2024-05-{1 + c % 20:02d},{5 + c},,",  # the latest order left them empty
        ]
    path = tmp_path / "orders.csv"
    path.write_text("\n".join(lines) + "\n")
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, path, table="orders")
    build_features(ws, "orders")
    run = runs.run_segmentation(ws, "orders_features", algorithm="rfm")
    assert contacts.find_contacts(ws, run.run_id).name == "orders"
    assert contacts.column_choices(ws, run.run_id)["contact_fields"] == ["email", "country"]
    out = export_audience(ws, run.run_id, tmp_path / "a.csv", columns=("email", "country"))
    frame = pd.read_csv(out.files[0].path, dtype=str)
    assert len(frame) == 30
    assert (frame["email"] == "new" + frame["customer_id"].str[1:] + "@example.org").all()
    assert (frame["country"] == "US").all()
    ws.close()

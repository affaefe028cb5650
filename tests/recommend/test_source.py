"""Where recommendations read from: the roles they need, purchases only, the description column."""

from __future__ import annotations

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.recommend import MissingRoleError, purchase_lines


def test_returns_and_lines_without_a_product_are_left_out(retail):
    lines = purchase_lines(retail, "r1")
    assert (lines.table, lines.run_id, lines.description_column) == ("retail", "r1", "Description")
    counts = retail.query(
        f"SELECT count(*), min(product) IS NOT NULL FROM ({lines.sql})", lines.params
    )
    kept = retail.query(
        "SELECT count(*) FROM retail WHERE CustomerID IS NOT NULL AND Quantity > 0 "
        "AND StockCode IS NOT NULL AND CAST(InvoiceDate AS DATE) < DATE '2011-12-10'"
    )[0][0]
    assert counts[0] == (kept, True)


def test_a_table_without_a_customer_id_role_says_which_role(make_shop, tmp_path):
    ws = make_shop(customers=60)
    path = tmp_path / "anon.csv"
    path.write_text("sku,when\na,2024-01-01\nb,2024-01-02\n")
    from segmentation.ingest.load import ingest_file

    ingest_file(ws, path, table="anon")
    with pytest.raises(MissingRoleError, match="no customer_id role .*customer_id and product"):
        purchase_lines(ws, "anon")
    with pytest.raises(InvalidParameterError, match="'nope' is neither a run nor a table"):
        purchase_lines(ws, "nope")

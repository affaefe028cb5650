"""Workbooks (segmentation.ingest.excel), and the other typed formats beside them."""

import pandas as pd

from segmentation.ingest.load import ingest_file


def test_excel_parquet_json_and_jsonl_load(ws, tmp_path, values):
    frame = pd.DataFrame(
        {
            "customer_id": ["007", "008", "007"],
            "order_date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03"]),
            "amount": [1.5, 2.0, 3.25],
        }
    )
    xlsx = tmp_path / "book.xlsx"
    with pd.ExcelWriter(xlsx) as writer:
        frame.to_excel(writer, sheet_name="orders", index=False)
        frame.head(1).to_excel(writer, sheet_name="other", index=False)
    frame.to_parquet(tmp_path / "f.parquet")
    (tmp_path / "f.json").write_text(frame.to_json(orient="records", date_format="iso"))
    (tmp_path / "f.jsonl").write_text(
        frame.to_json(orient="records", lines=True, date_format="iso")
    )
    for name in ("book.xlsx", "f.parquet", "f.json", "f.jsonl"):
        info = ingest_file(ws, tmp_path / name, table=name.replace(".", "_"))
        assert info.rows == 3, name
        assert values(ws, info.name, "customer_id") == ["007", "008", "007"], name
        assert values(ws, info.name, "amount") == [1.5, 2.0, 3.25], name
        assert info.column("order_date").type in ("DATE", "TIMESTAMP"), name
        assert info.kind == "transactions", name
    assert any("first sheet ('orders')" in w for w in ws.table("book_xlsx").warnings)

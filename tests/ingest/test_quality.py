"""The quality report of segmentation.ingest.quality."""

from segmentation.ingest.load import ingest_file


def test_quality_report_counts_what_matters(ws, tmp_path, write):
    text = (
        "customer_id,order_date,amount,const\n"
        "a,2024-01-01,10,k\na,2024-01-01,10,k\n,2024-01-02,-5,k\nb,2999-01-01,7,k\n"
        + "".join(f"c{i},2024-02-01,{8 + i % 3},k\n" for i in range(40))
        + "d,2024-03-01,9000,k\n"
    )
    q = ingest_file(ws, write(tmp_path, "q.csv", text)).quality
    assert q["rows"] == 45
    assert q["duplicate_rows"] == 1
    assert q["rows_without_customer_id"] == 1
    assert q["negative_amounts"] == 1
    assert q["future_dates"] == 1
    assert q["constant_columns"] == ["const"]
    assert {c["name"]: c["outliers"] for c in q["per_column"]}["amount"] >= 1
    assert {c["name"]: c["missing"] for c in q["per_column"]}["customer_id"] == 1

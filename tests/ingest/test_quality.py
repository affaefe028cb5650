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


def test_us_zip_codes_that_lost_their_leading_zero_are_flagged(ws, tmp_path, write):
    boston = "".join(f"b{i},United States,2{i % 9}34\n" for i in range(30))  # 02134 read as 2134
    rest = "".join(f"c{i},USA,9{i % 9}210\n" for i in range(60))
    sydney = "".join(f"s{i},AU,2{i % 9}00\n" for i in range(40))  # Australian postcodes: 4 digits
    text = "customer_id,country,zip\n" + boston + rest + sydney
    info = ingest_file(ws, write(tmp_path, "us.csv", text))
    assert {c.name: c.role for c in info.columns}["zip"] == "zip"
    (note,) = info.quality["notes"]
    assert note.startswith("Column 'zip': 30 of its 90 US zip codes have 4 digits")
    assert "leading zero was likely lost" in note and "pad the codes to 5 digits" in note
    # no country column: 4- beside 5-digit numbers read as US zip codes; 4 digits alone do not
    mixed = "customer_id,Postal Code\n" + "".join(
        f"m{i},{'2134' if i % 3 else '90210'}\n" for i in range(30)
    )
    notes = ingest_file(ws, write(tmp_path, "mixed.csv", mixed)).quality["notes"]
    assert len(notes) == 1 and notes[0].startswith("Column 'Postal Code': 20 of its 30 zip codes")
    only_four = "customer_id,postcode\n" + "".join(f"a{i},{2000 + i}\n" for i in range(30))
    assert ingest_file(ws, write(tmp_path, "au.csv", only_four)).quality["notes"] == []


def test_guess_kind_from_the_report_agrees_with_counting_every_id(ws, tmp_path, write):
    from segmentation.ingest.quality import guess_kind

    repeats = "".join(f"c{i % 50},2024-01-{1 + i % 28:02d},{i}\n" for i in range(600))
    unique = "".join(f"c{i},2024-01-{1 + i % 28:02d},{i}\n" for i in range(600))
    borderline = "".join(f"c{i if i % 16 else 0},2024-01-02,{i}\n" for i in range(600))  # 94%
    for name, body, kind in (
        ("tx.csv", repeats, "transactions"),
        ("crm.csv", unique, "customers"),
        ("near.csv", borderline, "transactions"),
    ):
        info = ingest_file(ws, write(tmp_path, name, "customer_id,day,amount\n" + body))
        with ws.reading() as cur:
            exact = guess_kind(cur, info.name, info.columns)
            quick = guess_kind(cur, info.name, info.columns, info.quality)
        assert info.kind == exact == quick == kind, name

"""Column roles of segmentation.ingest.roles: guessed on every file of ../shared/data (which
loads with its rows and ids intact), and checked when a user sets them."""

import pytest

from segmentation.errors import InvalidParameterError
from segmentation.ingest.load import ingest_file
from segmentation.ingest.roles import check_roles
from segmentation.workspace import open_workspace


@pytest.fixture
def ws(workspace_path):
    return open_workspace(workspace_path)


@pytest.fixture
def shared(shared_file):
    return shared_file


@pytest.mark.parametrize(
    ("rel", "rows", "kind"),
    [
        ("online_retail/online-retail-dataset.csv", 541_909, "transactions"),
        ("online_retail/by-day/2010-12-01.csv", 3_108, "transactions"),
        ("cdnow/CDNOW_master.txt", 69_659, "transactions"),
        ("cdnow/CDNOW_sample.txt", 6_919, "transactions"),
        ("customer_personality/marketing_campaign.csv", 2_240, "customers"),
        ("mall_customers/Mall_Customers.csv", 200, "customers"),
    ],
)
def test_shared_files_load_with_all_rows(ws, shared, rel, rows, kind):
    info = ingest_file(ws, shared(rel))
    assert info.rows == rows
    assert info.kind == kind
    assert ws.query(f'SELECT count(*) FROM "{info.name}"') == [(rows,)]
    assert "customer_id" in info.roles
    assert not [w for w in info.warnings if "skipped" in w]


def test_online_retail_keeps_customer_ids_as_users_know_them(ws, shared):
    info = ingest_file(ws, shared("online_retail/online-retail-dataset.csv"))
    assert info.roles == {
        "order_id": "InvoiceNo",
        "product": "StockCode",
        "quantity": "Quantity",
        "timestamp": "InvoiceDate",
        "unit_price": "UnitPrice",
        "customer_id": "CustomerID",
        "country": "Country",
    }
    assert info.column("CustomerID").type == "VARCHAR"
    ids = ws.query(
        'SELECT DISTINCT "CustomerID" FROM online_retail_dataset '
        "WHERE \"CustomerID\" IN ('17850', '17850.0', '12346')"
    )
    assert sorted(ids) == [("12346",), ("17850",)]
    assert info.quality["rows_without_customer_id"] == 135_080
    assert info.quality["negative_quantities"] == 10_624
    assert ws.query(
        'SELECT count(DISTINCT "InvoiceNo") FROM online_retail_dataset '
        "WHERE \"InvoiceNo\" LIKE 'C%'"
    ) == [(3_836,)]
    revenue = ws.query('SELECT round(sum("Quantity" * "UnitPrice"), 2) FROM online_retail_dataset')
    assert revenue == [(9_747_747.93,)]


def test_cdnow_whitespace_columns_and_zero_padded_ids(ws, shared):
    info = ingest_file(ws, shared("cdnow/CDNOW_master.txt"))
    assert [c.name for c in info.columns] == [
        "customer_id",
        "date",
        "number_of_cds",
        "dollar_value",
    ]
    assert info.options["delimiter"] == "whitespace"
    assert info.column("date").type == "DATE"
    assert info.options["date_formats"]["date"] == "%Y%m%d"
    first = ws.query("SELECT customer_id, date::VARCHAR, dollar_value FROM cdnow_master LIMIT 1")
    assert first == [("00001", "1997-01-01", 11.77)]
    assert ws.query("SELECT count(DISTINCT customer_id) FROM cdnow_master") == [(23_570,)]
    assert ws.query("SELECT count(*) FROM cdnow_master WHERE dollar_value = 0") == [(80,)]


def test_cdnow_sample_without_header_gets_roles_from_values(ws, shared):
    info = ingest_file(ws, shared("cdnow/CDNOW_sample.txt"))
    assert [c.name for c in info.columns] == [f"column_{i}" for i in range(1, 6)]
    assert info.roles["customer_id"] == "column_1"
    assert info.roles["timestamp"] == "column_3"
    assert info.roles["amount"] == "column_5"
    assert ws.query("SELECT column_1, column_2 FROM cdnow_sample LIMIT 1") == [("00004", "0001")]


def test_marketing_campaign_tabs_dates_and_constants(ws, shared):
    info = ingest_file(ws, shared("customer_personality/marketing_campaign.csv"))
    assert info.options["delimiter"] == "\t"
    assert info.roles["customer_id"] == "ID"
    assert info.column("Dt_Customer").type == "DATE"
    assert info.options["date_formats"]["Dt_Customer"] == "%d-%m-%Y"
    assert info.column("Income").type in ("BIGINT", "DOUBLE")
    income = next(c for c in info.quality["per_column"] if c["name"] == "Income")
    assert income["missing"] == 24
    assert set(info.quality["constant_columns"]) == {"Z_CostContact", "Z_Revenue"}
    assert "amount" not in info.roles  # Z_Revenue ends like "revenue" but is 11 for everyone


def test_mall_customers_names_with_symbols_and_padded_ids(ws, shared):
    info = ingest_file(ws, shared("mall_customers/Mall_Customers.csv"))
    names = [c.name for c in info.columns]
    assert names == ["CustomerID", "Genre", "Age", "Annual Income (k$)", "Spending Score (1-100)"]
    assert info.roles == {"customer_id": "CustomerID"}
    assert ws.query('SELECT "CustomerID", "Annual Income (k$)" FROM mall_customers LIMIT 1') == [
        ("0001", 15)
    ]


def test_check_roles_refuses_a_role_given_to_two_columns():
    assert check_roles({"id": "customer_id"}, ["id", "x"]) == {
        "id": "customer_id",
        "x": "attribute",
    }
    with pytest.raises(InvalidParameterError, match="given to two columns"):
        check_roles({"a": "customer_id", "b": "customer_id"}, ["a", "b"])


def _order_lines(id_header: str, customers: int = 40, lines: int = 200) -> str:
    rows = [f"{id_header},order_date,amount"]
    for i in range(lines):
        rows.append(
            f"M-{(i * 7) % customers:04d},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 50}.5"
        )
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    "header",
    [
        "Member ID",
        "member_no",
        "Client",
        "client_number",
        "account_id",
        "Shopper",
        "card_number",
        "Loyalty ID",
        "loyalty_card_no",
        "Kundennummer",
        "Kunde",
        "cliente",
        "id_cliente",
        "Klantnummer",
        "numero_client",
    ],
)
def test_customer_ids_under_everyday_names_make_a_transactions_table(ws, tmp_path, header):
    path = tmp_path / "orders.csv"
    path.write_text(_order_lines(header))
    info = ingest_file(ws, path)
    assert info.roles.get("customer_id") == header
    assert info.kind == "transactions"


def test_a_repeating_code_column_beside_a_date_is_the_customer_id(ws, tmp_path):
    path = tmp_path / "orders.csv"
    text = _order_lines("ref").replace("order_date,amount", "order_date,amount,channel")
    lines = text.splitlines()
    lines = [lines[0]] + [f"{line},{('web', 'shop')[i % 2]}" for i, line in enumerate(lines[1:])]
    path.write_text("\n".join(lines) + "\n")
    info = ingest_file(ws, path)
    assert info.roles.get("customer_id") == "ref"
    assert info.roles.get("timestamp") == "order_date"
    assert info.kind == "transactions"


def test_unique_codes_beside_a_date_are_not_taken_for_customer_ids(ws, tmp_path):
    path = tmp_path / "people.csv"
    rows = ["ref,joined,spend"] + [f"R{i:05d},2024-01-{1 + i % 28:02d},{i}" for i in range(100)]
    path.write_text("\n".join(rows) + "\n")
    info = ingest_file(ws, path)
    assert "customer_id" not in info.roles


def test_setting_the_customer_id_role_decides_the_kind_again(ws, tmp_path):
    from segmentation.ingest.load import update_roles

    path = tmp_path / "orders.csv"
    text = _order_lines("who", customers=40).replace("who,", "who,other,")
    lines = text.splitlines()
    lines = [lines[0]] + [line.replace(",", f",X{i:04d},", 1) for i, line in enumerate(lines[1:])]
    path.write_text("\n".join(lines) + "\n")
    info = ingest_file(ws, path)
    info = update_roles(ws, info.name, {"who": "attribute", "other": "customer_id"})
    assert info.kind == "customers"  # unique ids: one row per customer
    info = update_roles(ws, info.name, {"other": "attribute", "who": "customer_id"})
    assert info.kind == "transactions"  # ids repeat: order lines
    # the kind the page shows, passed back unchanged, is decided again too
    info = update_roles(ws, info.name, {"who": "attribute", "other": "customer_id"}, kind=info.kind)
    assert info.kind == "customers"
    # a kind the user chose stays, as long as the roles allow it
    info = update_roles(ws, info.name, {}, kind="transactions")
    assert info.kind == "transactions"


def test_a_text_column_named_for_a_numeric_role_loads_with_a_warning(ws, tmp_path):
    lines = "".join(
        f"c{i % 7},2024-01-{1 + i % 28:02d},${7 + i}.99,{i % 3 + 1}\n" for i in range(40)
    )
    path = tmp_path / "orders.csv"
    path.write_text("customer_id,order_date,amount,qty\n" + lines)
    info = ingest_file(ws, path)
    assert {c.name: (c.type, c.role) for c in info.columns}["amount"] == ("VARCHAR", "attribute")
    (warning,) = [w for w in info.warnings if "'amount'" in w]
    assert warning.startswith("Column 'amount' was read as text")
    assert "cannot be used as the amount role until it holds numbers" in warning
    assert not any(f"{7 + i}.99" in warning for i in range(40))  # no customer's value
    # a numeric amount, or the role on another column, says nothing
    path.write_text("customer_id,order_date,amount,price total\n" + lines.replace("$", ""))
    assert ingest_file(ws, path, table="plain").warnings == []
    path.write_text("customer_id,order_date,amount,total\nc1,2024-01-01,$5,5\nc1,2024-01-02,$6,6\n")
    other = ingest_file(ws, path, table="other")
    assert other.roles["amount"] == "total" and other.warnings == []


@pytest.mark.parametrize(
    "writing", ["{y}-{m:02d}-{d:02d}", "{d:02d}/{m:02d}/{y}", "{y}{m:02d}{d:02d}"]
)
def test_dates_kept_as_text_are_not_taken_for_phone_numbers(ws, tmp_path, writing):
    # One value in 41 is not a date, so the column stays text (98% must convert); its dates are
    # made of 8 digits and separators like a phone number, and must not become a personal field.
    rows = ["customer,signup,spend"]
    rows += [f"C{i:03d},{writing.format(y=2024, m=1 + i % 9, d=1 + i % 28)},{i}" for i in range(40)]
    path = tmp_path / "people.csv"
    path.write_text("\n".join([*rows, "C999,unknown,5"]) + "\n")
    info = ingest_file(ws, path)
    assert info.column("signup").type == "VARCHAR"
    assert info.column("signup").role == "attribute"


def test_phone_numbers_in_everyday_writings_are_still_found(ws, tmp_path):
    numbers = ["+44 20 7946 0{:03d}", "(555) 01{:02d}-4567", "555-01{:02d}-4567", "06-123{:05d}"]
    rows = ["customer,contact,spend"] + [
        f"C{i:03d},{numbers[i % 4].format(i)},{i}" for i in range(40)
    ]
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n")
    info = ingest_file(ws, path)
    assert info.roles.get("phone") == "contact"

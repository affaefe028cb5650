"""segmentation.features.build: reference figures on real data, a hand-computed example, edge cases."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, NameClashError, SegmentationError
from segmentation.features.build import FeatureResult, build_features
from segmentation.features.definitions import BEHAVIOURAL_FEATURES, FEATURE_HELP
from segmentation.ingest.load import ingest_file
from segmentation.workspace import open_workspace

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"

HEADER = "order_id,customer_id,order_date,product,category,quantity,unit_price,country\n"
# Hand-computed below. as_of = 2024-07-01 (the day after A's last purchase on 2024-06-30).
SHOP = HEADER + (
    "O1,A,2024-01-10 10:00,P1,Toys,2,10.00,United Kingdom\n"
    "O1,A,2024-01-10 10:00,P2,Books,1,5.00,United Kingdom\n"
    "O2,A,2024-04-15 09:00,P1,Toys,1,10.00,France\n"
    "R1,A,2024-04-20 12:00,P1,Toys,-1,10.00,Germany\n"
    "O3,A,2024-06-30 18:00,P3,Garden & Home,3,4.00,France\n"
    "O4,B,2024-03-01 08:00,P2,Books,4,5.00,Germany\n"
    "O4,B,2024-03-01 08:00,P4,Toys,1,30.00,Germany\n"
    "O5,C,2024-06-01 11:00,P3,Garden & Home,1,4.00,United Kingdom\n"
    "O6,C,2024-06-10 12:00,P5,,2,8.00,United Kingdom\n"
    "R2,D,2024-05-05 13:00,P1,Toys,-1,10.00,France\n"
    "O7,,2024-05-01 10:00,P1,Toys,1,10.00,France\n"
    "O8,A,,P1,Toys,1,10.00,France\n"
    "O9,A,2024-02-02 10:00,P1,Toys,,10.00,France\n"
)
EXPECTED = {
    "A": {
        "recency_days": 1,
        "frequency": 3,
        "monetary": 37.0,
        "gross_revenue": 47.0,
        "returns_value": 10.0,
        "return_rate": 10 / 47,
        "aov": 47 / 3,
        "tenure_days": 173,
        "days_between_orders": 86.0,
        "items_per_order": 7 / 3,
        "distinct_products": 3,
        "distinct_categories": 3,
        "share_toys": 30 / 47,
        "share_books": 5 / 47,
        "share_garden_home": 12 / 47,
        "country": "France",  # two lines in France, two in the UK: alphabetical
        "orders_last_90d": 2,
        "orders_prev_90d": 1,
        "frequency_repeat": 2,
        "recency_btyd": 172,
        "T": 172,
    },
    "B": {
        "recency_days": 122,
        "frequency": 1,
        "monetary": 50.0,
        "gross_revenue": 50.0,
        "returns_value": 0.0,
        "return_rate": 0.0,
        "aov": 50.0,
        "tenure_days": 122,
        "days_between_orders": None,
        "items_per_order": 5.0,
        "distinct_products": 2,
        "distinct_categories": 2,
        "share_toys": 0.6,
        "share_books": 0.4,
        "share_garden_home": 0.0,
        "country": "Germany",
        "orders_last_90d": 0,
        "orders_prev_90d": 1,
        "frequency_repeat": 0,
        "recency_btyd": 0,
        "T": 121,
    },
    "C": {
        "recency_days": 21,
        "frequency": 2,
        "monetary": 20.0,
        "gross_revenue": 20.0,
        "returns_value": 0.0,
        "return_rate": 0.0,
        "aov": 10.0,
        "tenure_days": 30,
        "days_between_orders": 9.0,
        "items_per_order": 1.5,
        "distinct_products": 2,
        "distinct_categories": 1,
        "share_toys": 0.0,
        "share_books": 0.0,
        "share_garden_home": 0.2,
        "country": "United Kingdom",
        "orders_last_90d": 2,
        "orders_prev_90d": 0,
        "frequency_repeat": 1,
        "recency_btyd": 9,
        "T": 29,
    },
}


@pytest.fixture
def ws(tmp_path):
    return open_workspace(tmp_path / "ws.duckdb")


def load(ws, tmp_path, name, text, **options):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return ingest_file(ws, path, **options)


def rows(ws, table):
    """The feature table as {customer_id: {column: value}}."""
    frame = ws.query_df(f'SELECT * FROM "{table}"')
    records = frame.astype(object).where(frame.notna(), None).to_dict("records")
    return {r.pop("customer_id"): r for r in records}


def catalog(ws):
    listed = sorted((t.name, t.kind, t.rows) for t in ws.tables())
    real = sorted(
        r[0] for r in ws.query("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
    )
    return listed, real


def assert_features(actual, expected):
    for column, value in expected.items():
        if isinstance(value, float):
            assert actual[column] == pytest.approx(value), column
        else:
            assert actual[column] == value, column


# -- reference figures on real data --------------------------------------------------------------
@pytest.fixture(scope="module")
def real_ws(tmp_path_factory):
    retail = SHARED / "online_retail" / "online-retail-dataset.csv"
    cdnow = SHARED / "cdnow" / "CDNOW_master.txt"
    if not (retail.is_file() and cdnow.is_file()):
        pytest.skip(f"the real datasets are not here: {SHARED} (../shared/data beside the repo)")
    ws = open_workspace(tmp_path_factory.mktemp("real") / "ws.duckdb")
    ingest_file(ws, retail, table="retail")
    ingest_file(ws, cdnow, table="cdnow")
    return ws


def test_online_retail_reference_figures(real_ws):
    result = build_features(real_ws, "retail")
    assert result.customers == 4_339
    assert result.as_of == date(2011, 12, 10)
    figures = {
        r[0]: r[1:]
        for r in real_ws.query(
            "SELECT customer_id, recency_days, frequency, round(monetary, 2) FROM retail_features "
            "WHERE customer_id IN ('12346', '12347', '14646')"
        )
    }
    assert figures == {
        "12347": (3, 7, 4310.00),
        "14646": (2, 74, 279489.02),
        "12346": (326, 1, 0.00),  # bought 74,215 units and returned them all
    }
    assert result.excluded["rows_without_customer"] == 135_080
    assert result.excluded["customers_without_purchases"] == 33
    assert result.missing == {"distinct_categories": "category", "share_<category>": "category"}


def test_cdnow_reference_figures(real_ws):
    result = build_features(real_ws, "cdnow")
    assert result.customers == 23_570
    assert result.as_of == date(1998, 7, 1)
    assert real_ws.query(
        "SELECT frequency, round(monetary, 2) FROM cdnow_features WHERE customer_id = '00002'"
    ) == [(1, 89.00)]  # two lines on one day, no order id: one order
    assert "items_per_order" in result.features
    assert result.missing["country"] == "country"


# -- a hand-computed example ---------------------------------------------------------------------
def test_every_feature_of_a_small_shop(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    result = build_features(ws, "shop")
    assert result.as_of == date(2024, 7, 1)
    assert result.customers == 3
    assert result.excluded == {
        "rows_without_customer": 1,
        "rows_without_date": 1,
        "rows_without_amount": 1,
        "rows_after_as_of": 0,
        "customers_without_purchases": 1,  # D only returned something
    }
    assert result.missing == {}
    assert result.features == [
        "recency_days",
        "frequency",
        "monetary",
        "gross_revenue",
        "returns_value",
        "return_rate",
        "aov",
        "tenure_days",
        "days_between_orders",
        "items_per_order",
        "distinct_products",
        "distinct_categories",
        "share_toys",
        "share_books",
        "share_garden_home",
        "country",
        "orders_last_90d",
        "orders_prev_90d",
        "frequency_repeat",
        "recency_btyd",
        "T",
    ]
    got = rows(ws, "shop_features")
    assert sorted(got) == ["A", "B", "C"]
    for customer, expected in EXPECTED.items():
        assert set(got[customer]) == set(expected)
        assert_features(got[customer], expected)


def test_feature_table_is_in_the_catalog(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    result = build_features(ws, "shop", name="shop_rfm")
    assert isinstance(result, FeatureResult)
    info = ws.table("shop_rfm")
    assert info.kind == "features"
    assert info.rows == 3
    assert info.roles == {"customer_id": "customer_id"}
    assert info.column("customer_id").type == "VARCHAR"
    assert info.column("frequency").type == "BIGINT"
    assert [c.name for c in info.columns][1:] == result.features
    assert info.options["source"] == "shop"
    assert info.options["as_of"] == "2024-07-01"
    assert info.options["roles"]["quantity"] == "quantity"
    assert info.options["excluded"] == result.excluded
    assert info.quality["missing_values"] == {"days_between_orders": 1}
    assert result.to_dict() == {
        "table": "shop_rfm",
        "customers": 3,
        "as_of": "2024-07-01",
        "features": result.features,
        "excluded": result.excluded,
        "missing": {},
        "source": "shop",
    }


def test_top_categories_limits_the_share_columns(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    result = build_features(ws, "shop", top_categories=2)
    assert [f for f in result.features if f.startswith("share_")] == ["share_toys", "share_books"]
    assert "distinct_categories" in result.features
    none = build_features(ws, "shop", name="no_shares", top_categories=0)
    assert not [f for f in none.features if f.startswith("share_")]


def test_missing_optional_roles_are_listed(ws, tmp_path):
    load(
        ws, tmp_path, "plain.csv", "customer_id,order_date,amount\nA,2024-01-01,5\nA,2024-01-09,7\n"
    )
    result = build_features(ws, "plain")
    assert result.missing == {
        "items_per_order": "quantity",
        "distinct_products": "product",
        "distinct_categories": "category",
        "share_<category>": "category",
        "country": "country",
    }
    assert result.features == [
        "recency_days",
        "frequency",
        "monetary",
        "gross_revenue",
        "returns_value",
        "return_rate",
        "aov",
        "tenure_days",
        "days_between_orders",
        "orders_last_90d",
        "orders_prev_90d",
        "frequency_repeat",
        "recency_btyd",
        "T",
    ]


def test_help_defines_every_fixed_feature(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    result = build_features(ws, "shop")
    fixed = [f for f in result.features if not f.startswith("share_")]
    assert set(fixed) | {"customer_id", "share_<category>"} == set(FEATURE_HELP)
    assert set(BEHAVIOURAL_FEATURES) <= set(result.features)


# -- edge cases: transactions --------------------------------------------------------------------
def test_several_orders_on_one_day_without_order_id_are_one_order(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "days.csv",
        "customer_id,order_date,amount\n"
        "X,2024-01-01 09:00,5\nX,2024-01-01 12:00,7\nX,2024-01-01 18:30,8\nX,2024-01-11 10:00,10\n"
        "Y,2024-01-05 10:00,1\n",
    )
    build_features(ws, "days")
    got = rows(ws, "days_features")
    assert got["X"]["frequency"] == 2
    assert got["X"]["aov"] == pytest.approx(15.0)
    assert got["X"]["days_between_orders"] == pytest.approx(10.0)


def test_distinct_products_count_purchases_only_and_zero_without_products(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "products.csv",
        "customer_id,order_date,product,amount\n"
        "A,2024-01-01,p1,5\nA,2024-01-02,p1,5\nA,2024-01-03,p2,5\nA,2024-01-04,p3,-5\n"
        "Z,2024-01-01,,7\nZ,2024-01-02,,8\n",
    )
    build_features(ws, "products")
    got = rows(ws, "products_features")
    assert got["A"]["distinct_products"] == 2  # p3 was only returned
    assert got["Z"]["distinct_products"] == 0 and got["Z"]["frequency"] == 2


def test_sums_of_money_carry_no_float_noise(ws, tmp_path):
    # 0.1 + 0.2 - 0.3 is 5.55e-17 in doubles; a customer who returned all they bought nets 0
    load(
        ws,
        tmp_path,
        "noise.csv",
        "customer_id,order_date,amount\n"
        "A,2024-01-01,0.1\nA,2024-01-02,0.2\nA,2024-01-03,-0.3\n"
        "B,2024-01-01,5086.93\nB,2024-01-02,0.005\n",
    )
    build_features(ws, "noise")
    got = rows(ws, "noise_features")
    assert got["A"]["monetary"] == 0.0 and got["A"]["returns_value"] == 0.3
    assert got["B"]["monetary"] == 5086.935 and got["B"]["gross_revenue"] == 5086.935


def test_amount_role_with_quantity_gives_items_per_order(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "cds.csv",
        "customer_id,order_date,quantity,amount\nA,2024-01-01,2,30\nA,2024-01-05,4,50\n",
    )
    result = build_features(ws, "cds")
    got = rows(ws, "cds_features")["A"]
    assert got["monetary"] == pytest.approx(80.0)
    assert got["items_per_order"] == pytest.approx(3.0)
    assert "items_per_order" not in result.missing


def test_no_amount_and_no_unit_price_is_a_clear_error(ws, tmp_path):
    load(
        ws, tmp_path, "qty.csv", "customer_id,order_date,quantity\nA,2024-01-01,2\nA,2024-01-05,4\n"
    )
    with pytest.raises(InvalidParameterError, match=r"'amount'.*--role unit_price=COLUMN"):
        build_features(ws, "qty")


def test_missing_required_role_says_how_to_set_it(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    with pytest.raises(SegmentationError, match=r"role 'timestamp'.*--role timestamp=COLUMN"):
        build_features(ws, "shop", roles={"timestamp": None})


def test_role_given_to_a_missing_column_is_refused(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    with pytest.raises(InvalidParameterError, match=r"'roles'.*'amount'.*'nope'.*does not have"):
        build_features(ws, "shop", roles={"amount": "nope"})
    with pytest.raises(InvalidParameterError, match=r"'roles' parameter .*Got 'revenue'"):
        build_features(ws, "shop", roles={"revenue": "unit_price"})


def test_role_of_the_wrong_type_is_refused(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    with pytest.raises(InvalidParameterError, match=r"'amount' needs a column of numbers.*country"):
        build_features(ws, "shop", roles={"amount": "country"})


def test_timestamps_with_time_zones_use_the_utc_day(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "tz.csv",
        "customer_id,order_date,amount\n"
        "A,2024-03-01T23:30:00-05:00,10\n"  # 2024-03-02 04:30 UTC
        "A,2024-02-01T12:00:00Z,5\n"
        "B,2024-03-01T01:00:00+02:00,10\n",  # 2024-02-29 23:00 UTC
    )
    result = build_features(ws, "tz")
    assert result.as_of == date(2024, 3, 3)
    got = rows(ws, "tz_features")
    assert got["A"]["recency_days"] == 1
    assert got["B"]["recency_days"] == 3


def test_future_dates_move_the_default_as_of(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "future.csv",
        "customer_id,order_date,amount\nA,2024-01-01,10\nA,2099-05-01,10\nB,2024-01-02,5\n",
    )
    result = build_features(ws, "future")
    assert result.as_of == date(2099, 5, 2)
    assert result.excluded["rows_after_as_of"] == 0


def test_as_of_earlier_than_some_purchases_leaves_them_out(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    result = build_features(ws, "shop", as_of="2024-04-16")
    assert result.as_of == date(2024, 4, 16)
    # Left out: A's return of 04-20 and order O3, C's two orders, D's return of 05-05 and the
    # row without a customer (counted as such, first).
    assert result.excluded["rows_after_as_of"] == 5
    assert result.excluded["customers_without_purchases"] == 0
    got = rows(ws, "shop_features")
    assert sorted(got) == ["A", "B"]
    assert got["A"]["frequency"] == 2
    assert got["A"]["recency_days"] == 1
    assert got["A"]["monetary"] == pytest.approx(35.0)
    assert got["A"]["T"] == 96


def test_as_of_accepts_a_date(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    assert build_features(ws, "shop", as_of=date(2024, 7, 1)).as_of == date(2024, 7, 1)


@pytest.mark.parametrize("bad", ["10/12/2011", "2011-13-01", "yesterday", "20111210", 20111210])
def test_bad_as_of_is_refused(ws, tmp_path, bad):
    load(ws, tmp_path, "shop.csv", SHOP)
    with pytest.raises(
        InvalidParameterError, match=r"'as_of' parameter must be a date .*YYYY-MM-DD"
    ):
        build_features(ws, "shop", as_of=bad)
    assert not ws.has_table("shop_features")


def test_as_of_before_every_purchase_changes_nothing(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    before = catalog(ws)
    with pytest.raises(InvalidParameterError, match=r"No customer is left.*'as_of'"):
        build_features(ws, "shop", as_of="2000-01-01")
    assert catalog(ws) == before


def test_numeric_customer_ids_become_text_as_users_know_them(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "ids.csv",
        "ref_num,legacy,order_date,amount\n"
        "17850.0,42,2024-01-01,10\n17850.0,42,2024-01-03,5\n12346.0,7,2024-01-02,1\n",
    )
    assert ws.table("ids").column("ref_num").type == "DOUBLE"
    build_features(ws, "ids", roles={"customer_id": "ref_num"})
    assert sorted(rows(ws, "ids_features")) == ["12346", "17850"]
    build_features(ws, "ids", name="legacy_features", roles={"customer_id": "legacy"})
    assert sorted(rows(ws, "legacy_features")) == ["42", "7"]


def test_name_clash_without_replace_leaves_the_old_table(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    build_features(ws, "shop", as_of="2024-04-16")
    before = catalog(ws)
    with pytest.raises(NameClashError, match=r"'shop_features' already exists.*replace"):
        build_features(ws, "shop")
    assert catalog(ws) == before
    assert ws.table("shop_features").options["as_of"] == "2024-04-16"
    result = build_features(ws, "shop", replace=True)
    assert ws.table("shop_features").options["as_of"] == "2024-07-01"
    assert ws.table("shop_features").rows == result.customers == 3


def test_features_cannot_replace_their_source(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    with pytest.raises(InvalidParameterError, match=r"'name' parameter must differ"):
        build_features(ws, "shop", name="shop", replace=True)
    assert ws.table("shop").kind == "transactions"


def test_a_feature_table_is_not_a_source(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    build_features(ws, "shop")
    with pytest.raises(InvalidParameterError, match=r"already a feature table.*'shop'"):
        build_features(ws, "shop_features")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"top_categories": -1}, r"'top_categories' parameter must be an int .*Got -1"),
        ({"top_categories": "8"}, r"'top_categories' parameter .*Got '8'"),
        ({"on_duplicate": "last"}, r"'on_duplicate' parameter must be one of .*Got 'last'"),
    ],
)
def test_bad_options_are_refused(ws, tmp_path, options, match):
    load(ws, tmp_path, "shop.csv", SHOP)
    with pytest.raises(InvalidParameterError, match=match):
        build_features(ws, "shop", **options)


# -- customer tables -----------------------------------------------------------------------------
CITIES = [f"City {i}" for i in range(25)]


def crm_text(duplicate=False):
    lines = ["customer_id,first_name,email,phone,zip,city,segment,signup_date,age,spend,flag"]
    for i in range(25):
        lines.append(
            f"C{i:03d},Ann{i},ann{i}@example.com,+44 20 7946 0{i:03d},SW1 {i}AA,{CITIES[i]},"
            f"{'gold' if i % 2 else 'silver'},2024-01-{i + 1:02d},{20 + i},{10.5 * i},1"
        )
    lines.append(",Nobody,,,,,gold,2024-01-01,30,1,1")
    if duplicate:
        lines.append("C001,Ann1b,,,,,gold,2024-02-01,99,99,1")
        lines.append("C001,Ann1c,,,,,gold,2024-02-02,98,98,1")
        lines.append("C002,Ann2b,,,,,gold,2024-02-03,97,97,1")
    return "\n".join(lines) + "\n"


def test_customer_table_columns_become_features(ws, tmp_path):
    info = load(ws, tmp_path, "crm.csv", crm_text())
    assert info.kind == "customers"
    result = build_features(ws, "crm")
    assert result.as_of == date(2024, 1, 26)  # the day after the latest signup
    assert result.features == ["segment", "signup_date_days_ago", "age", "spend"]
    assert result.customers == 25
    assert result.excluded == {"rows_without_customer": 1, "duplicate_rows_dropped": 0}
    assert result.missing["email"].startswith("identifier or personal field")
    assert result.missing["first_name"].startswith("identifier or personal field")
    assert "text with 25 distinct values" in result.missing["city"]
    assert result.missing["flag"] == "it has the same value in every row"
    assert "customer_id" not in result.missing  # it is the id, not a dropped column
    got = rows(ws, "crm_features")
    assert got["C003"] == {"segment": "gold", "signup_date_days_ago": 22, "age": 23, "spend": 31.5}
    types = {c.name: c.type for c in ws.table("crm_features").columns}
    assert types == {
        "customer_id": "VARCHAR",
        "segment": "VARCHAR",
        "signup_date_days_ago": "BIGINT",
        "age": "BIGINT",
        "spend": "DOUBLE",
    }


def test_customer_table_keeps_user_column_names(ws, tmp_path):
    load(
        ws,
        tmp_path,
        "mall.csv",
        'CustomerID,Genre,Age,Annual Income (k$)\n1,Male,19,15\n2,Female,21,"15"\n3,Female,20,16\n',
    )
    result = build_features(ws, "mall", as_of="2024-01-01")
    assert result.features == ["Genre", "Age", "Annual Income (k$)"]
    assert rows(ws, "mall_features")["3"]["Annual Income (k$)"] == 16


def test_customer_table_without_dates_uses_today(ws, tmp_path):
    load(ws, tmp_path, "small.csv", "customer_id,age\nA,20\nB,30\nC,40\n")
    assert build_features(ws, "small").as_of == date.today()


def test_duplicate_customer_ids_are_refused(ws, tmp_path):
    load(ws, tmp_path, "crm.csv", crm_text(duplicate=True))
    ws.update_table("crm", kind="customers")
    with pytest.raises(
        InvalidParameterError, match=r"2 customer id\(s\) appear more than once.*on_duplicate="
    ):
        build_features(ws, "crm")
    assert not ws.has_table("crm_features")


def test_duplicate_customer_ids_keep_first(ws, tmp_path):
    load(ws, tmp_path, "crm.csv", crm_text(duplicate=True))
    ws.update_table("crm", kind="customers")
    result = build_features(ws, "crm", on_duplicate="first")
    assert result.customers == 25
    assert result.excluded == {"rows_without_customer": 1, "duplicate_rows_dropped": 3}
    got = rows(ws, "crm_features")
    assert got["C001"]["age"] == 21
    assert got["C002"]["age"] == 22


def test_customer_table_from_parquet_with_booleans_and_timestamps(ws, tmp_path):
    frame = pd.DataFrame(
        {
            "member": [101, 102, 103],
            "newsletter": [True, False, True],
            "last_visit": pd.to_datetime(["2024-05-01 10:00", "2024-05-03 23:59", None]),
            "score": [1.5, 2.5, None],
        }
    )
    frame.to_parquet(tmp_path / "members.parquet", index=False)
    ingest_file(ws, tmp_path / "members.parquet")
    result = build_features(ws, "members", roles={"customer_id": "member"})
    assert result.as_of == date(2024, 5, 4)
    assert result.features == ["newsletter", "last_visit_days_ago", "score"]
    got = rows(ws, "members_features")
    assert got["101"] == {"newsletter": 1, "last_visit_days_ago": 3, "score": 1.5}
    assert got["103"] == {"newsletter": 1, "last_visit_days_ago": None, "score": None}
    assert ws.table("members_features").options["roles"] == {"customer_id": "member"}


def test_progress_is_reported_up_to_done(ws, tmp_path):
    load(ws, tmp_path, "shop.csv", SHOP)
    seen = []
    build_features(ws, "shop", progress=lambda share, message: seen.append((share, message)))
    shares = [share for share, _ in seen]
    assert shares == sorted(shares)
    assert seen[-1] == (1.0, "Built 3 customers x 21 features")


def test_text_is_stored_clean_so_builds_skip_trimming_and_agree_with_an_older_table(ws, tmp_path):
    # Ingest stores text trimmed with '' as NULL (CSV and Parquet alike) and marks the table;
    # builds then read text as it is. A table without the mark (an older workspace) is trimmed
    # while building: both give the same features.
    padded = SHOP.replace(",", " , ").replace("\n", " \n")
    load(ws, tmp_path, "padded.csv", padded)
    frame = pd.read_csv(tmp_path / "padded.csv", dtype=str)
    frame.to_parquet(tmp_path / "padded.parquet")
    ingest_file(ws, tmp_path / "padded.parquet", table="padded_pq")
    for table in ("padded", "padded_pq"):
        info = ws.table(table)
        assert info.options["text_clean"] is True
        texts = [c.name for c in info.columns if c.type == "VARCHAR"]
        assert texts
        for col in texts:
            assert ws.query(
                f'SELECT count(*) FROM "{table}" WHERE "{col}" <> trim("{col}") OR "{col}" = \'\''
            ) == [(0,)]
    clean = build_features(ws, "padded", name="clean_f")
    with ws.transaction() as cur:  # as an older version recorded it: no mark
        cur.execute(
            "UPDATE _seg.tables SET options = json_remove(options, '$.text_clean')::VARCHAR "
            "WHERE name = 'padded'"
        )
    assert "text_clean" not in ws.table("padded").options
    old = build_features(ws, "padded", name="old_f")
    assert clean.customers == old.customers == 3
    assert rows(ws, "clean_f") == rows(ws, "old_f")
    assert rows(ws, "clean_f") == rows(ws, build_features(ws, "padded_pq").table)


def test_a_customer_id_given_for_one_build_decides_the_kind_again(tmp_path):
    """A table read as customers (its id column has no telling name and names, not codes, as
    values) is built as order lines when the build names a repeating customer id."""
    ws = open_workspace(tmp_path / "ws.duckdb")
    rows = ["who,day,amount"] + [
        f"{('Ann Lee', 'Bo Kim', 'Cy Roe')[i % 3]},2024-03-{1 + i:02d},{10 + i}" for i in range(12)
    ]
    (tmp_path / "t.csv").write_text("\n".join(rows) + "\n")
    info = ingest_file(ws, tmp_path / "t.csv")
    assert "customer_id" not in info.roles
    result = build_features(ws, info.name, roles={"customer_id": "who", "timestamp": "day"})
    assert result.customers == 3
    assert ws.query(f'SELECT sum(frequency) FROM "{result.table}"') == [(12,)]
    ws.close()

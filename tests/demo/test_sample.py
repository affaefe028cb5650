"""Tests of the synthetic sample generator (segmentation.sample)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score
from sklearn.preprocessing import StandardScaler

from segmentation.demo.sample import BEHAVIOURS, SampleData, _ids, generate, write_sample
from segmentation.errors import InvalidParameterError

TX_COLUMNS = [
    "order_id",
    "customer_id",
    "order_date",
    "product",
    "category",
    "quantity",
    "unit_price",
    "country",
]
CUSTOMER_COLUMNS = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "country",
    "zip",
    "city",
    "signup_date",
]


@pytest.fixture(scope="module")
def data() -> SampleData:
    return generate(600, seed=5)


def _features(tx: pd.DataFrame) -> pd.DataFrame:
    """Per-customer RFM/behaviour features, as the feature step defines them."""
    as_of = tx["order_date"].max().normalize() + pd.Timedelta(days=1)
    buy, ret = tx[tx["quantity"] > 0], tx[tx["quantity"] < 0]
    g = buy.groupby("customer_id")
    gross = (buy["quantity"] * buy["unit_price"]).groupby(buy["customer_id"]).sum()
    returned = (-ret["quantity"] * ret["unit_price"]).groupby(ret["customer_id"]).sum()
    returned = returned.reindex(gross.index, fill_value=0.0)
    frequency = g["order_id"].nunique()
    return pd.DataFrame(
        {
            "recency_days": (as_of - g["order_date"].max()).dt.days,
            "frequency": frequency,
            "monetary": (gross - returned).clip(lower=0),
            "aov": gross / frequency,
            "return_rate": returned / gross,
            "tenure_days": (as_of - g["order_date"].min()).dt.days,
            "items_per_order": g["quantity"].sum() / frequency,
        }
    )


def _recovery_ari(seed: int) -> float:
    sample = generate(3000, seed=seed)
    x = _features(sample.transactions)
    truth = sample.truth.set_index("customer_id").loc[x.index, "behaviour"]
    scaled = StandardScaler().fit_transform(np.log1p(x))
    labels = KMeans(n_clusters=len(BEHAVIOURS), n_init=10, random_state=0).fit_predict(scaled)
    return adjusted_rand_score(truth, labels)


def test_kmeans_recovers_planted_behaviours() -> None:
    assert _recovery_ari(7) >= 0.9


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kmeans_recovers_planted_behaviours_for_other_seeds(seed: int) -> None:
    assert _recovery_ari(seed) >= 0.9


def test_same_seed_gives_identical_frames() -> None:
    a, b = generate(200, seed=11), generate(200, seed=11)
    pd.testing.assert_frame_equal(a.transactions, b.transactions)
    pd.testing.assert_frame_equal(a.customers, b.customers)
    pd.testing.assert_frame_equal(a.truth, b.truth)


def test_different_seed_gives_different_frames() -> None:
    a, b = generate(200, seed=11), generate(200, seed=12)
    assert not a.transactions.equals(b.transactions)
    assert not a.customers.equals(b.customers)


def test_transaction_columns_and_dtypes(data: SampleData) -> None:
    tx = data.transactions
    assert list(tx.columns) == TX_COLUMNS
    for col in ("order_id", "customer_id", "product", "category", "country"):
        assert pd.api.types.is_string_dtype(tx[col]), col
    assert pd.api.types.is_datetime64_any_dtype(tx["order_date"])
    assert pd.api.types.is_integer_dtype(tx["quantity"])
    assert pd.api.types.is_float_dtype(tx["unit_price"])
    assert (tx["unit_price"] > 0).all()
    assert (tx["unit_price"].round(2) == tx["unit_price"]).all()
    assert (tx["quantity"] != 0).all()
    assert tx.notna().all().all()


def test_customer_and_truth_columns(data: SampleData) -> None:
    assert list(data.customers.columns) == CUSTOMER_COLUMNS
    assert list(data.truth.columns) == ["customer_id", "behaviour"]
    assert pd.api.types.is_datetime64_any_dtype(data.customers["signup_date"])
    assert set(data.truth["behaviour"]) == set(BEHAVIOURS)


def test_ids_are_zero_padded_text(data: SampleData) -> None:
    tx = data.transactions
    assert tx["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert tx["order_id"].str.fullmatch(r"[OR]\d{6}").all()
    assert tx["product"].str.fullmatch(r"SKU-\d{4}").all()
    assert data.customers["customer_id"].iloc[0] == "C00001"


def test_id_width_grows_with_the_largest_number() -> None:
    assert list(_ids("C", np.array([1, 99_999]), 5)) == ["C00001", "C99999"]
    assert list(_ids("C", np.array([1, 100_000]), 5)) == ["C000001", "C100000"]


def test_order_dates_span_two_years_up_to_end_date() -> None:
    tx = generate(300, seed=4, end_date="2024-12-31").transactions
    assert tx["order_date"].max() <= pd.Timestamp("2024-12-31 23:59")
    assert tx["order_date"].min() >= pd.Timestamp("2024-12-31") - pd.Timedelta(days=731)
    assert (tx["order_date"].dt.hour > 0).any()


def test_orders_have_one_to_six_lines(data: SampleData) -> None:
    sizes = data.transactions.groupby("order_id").size()
    assert sizes.between(1, 6).all()
    assert sizes.max() > 1


def test_returns_have_negative_quantity_and_an_earlier_purchase(data: SampleData) -> None:
    tx = data.transactions
    returns = tx[tx["order_id"].str.startswith("R")]
    purchases = tx[tx["order_id"].str.startswith("O")]
    assert len(returns) > 0
    assert (returns["quantity"] < 0).all()
    assert (purchases["quantity"] > 0).all()
    keys = ["customer_id", "product", "unit_price"]
    bought = purchases.groupby(keys).agg(first=("order_date", "min"), units=("quantity", "sum"))
    matched = returns.join(bought, on=keys)
    assert matched["first"].notna().all()
    assert (matched["first"] < matched["order_date"]).all()
    assert (-matched["quantity"] <= matched["units"]).all()


def test_customers_mostly_order_from_one_country(data: SampleData) -> None:
    tx = data.transactions.merge(data.customers[["customer_id", "country"]], on="customer_id")
    assert (tx["country_x"] == tx["country_y"]).mean() > 0.9


def test_every_transaction_customer_exists(data: SampleData) -> None:
    assert set(data.transactions["customer_id"]) <= set(data.customers["customer_id"])
    assert data.customers["customer_id"].is_unique


def test_truth_covers_every_customer(data: SampleData) -> None:
    assert len(data.truth) == len(data.customers) == 600
    assert set(data.truth["customer_id"]) == set(data.customers["customer_id"])
    assert set(data.transactions["customer_id"]) == set(data.customers["customer_id"])


def test_behaviour_proportions() -> None:
    shares = generate(1000, seed=1).truth["behaviour"].value_counts(normalize=True)
    assert shares["lapsed_one_timer"] == pytest.approx(0.30, abs=0.01)
    assert shares["loyal_high_spender"] == pytest.approx(0.15, abs=0.01)


def test_contact_fields_are_messy_like_real_crm_data() -> None:
    crm = generate(3000, seed=2).customers
    email = crm["email"]
    assert 0.01 < email.isna().mean() < 0.06
    assert 0.002 < (~email.dropna().str.contains("@")).mean() < 0.03
    assert (email.dropna() != email.dropna().str.strip()).any()
    assert (email.dropna() != email.dropna().str.lower()).any()
    assert 0.02 < crm["phone"].isna().mean() < 0.09
    assert crm["phone"].dropna().str.startswith("+").any()
    assert (~crm["phone"].dropna().str.startswith("+")).any()
    assert crm["first_name"].notna().all() and crm["city"].notna().all()


def test_write_sample_writes_readable_csvs(tmp_path) -> None:
    paths = write_sample(tmp_path / "out", customers=50, seed=3)
    assert sorted(paths) == ["customers", "transactions", "truth"]
    expected = generate(50, seed=3)
    tx = pd.read_csv(paths["transactions"], parse_dates=["order_date"])
    crm = pd.read_csv(paths["customers"], dtype={"zip": str, "phone": str})
    truth = pd.read_csv(paths["truth"])
    assert list(tx.columns) == TX_COLUMNS
    assert list(crm.columns) == CUSTOMER_COLUMNS
    assert len(tx) == len(expected.transactions)
    assert tx["quantity"].sum() == expected.transactions["quantity"].sum()
    assert (tx["order_date"] == expected.transactions["order_date"]).all()
    pd.testing.assert_frame_equal(truth, expected.truth, check_dtype=False)
    pd.testing.assert_series_equal(crm["zip"], expected.customers["zip"], check_dtype=False)


@pytest.mark.parametrize("bad", [3, 9, 5_000_001, -1])
def test_bad_customer_count_raises(bad: int) -> None:
    msg = rf"The 'customers' parameter must be an int in the range \[10, 5000000\]\. Got {bad}"
    with pytest.raises(InvalidParameterError, match=msg):
        generate(bad)


@pytest.mark.parametrize("bad", [2.5, "100", True, None])
def test_non_int_customer_count_raises(bad: object) -> None:
    with pytest.raises(ValueError, match="'customers' parameter must be an int"):
        generate(bad)  # type: ignore[arg-type]


def test_write_sample_rejects_bad_customer_count(tmp_path) -> None:
    with pytest.raises(ValueError, match="'customers'"):
        write_sample(tmp_path, customers=0)
    assert not list(tmp_path.iterdir())

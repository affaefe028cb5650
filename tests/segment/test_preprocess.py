"""Tests of segmentation.preprocess: the fitted feature-preparation pipeline."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.segment.preprocess import (
    SCALERS,
    Prepared,
    PrepConfig,
    check_config,
    default_config,
    prepare,
    suggest_log,
    transform,
)

N = 400


def customers(seed: int = 0, n: int = N) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    countries = np.resize(["DE"] * 100 + ["FR"] * 60 + ["UK"] * 39 + ["NL"], n)  # NL: 0.5 %
    return pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "monetary": rng.lognormal(4, 1, n),
            "frequency": rng.poisson(3, n).astype(float) + 1,
            "recency_days": rng.normal(60, 15, n),
            "balance": rng.lognormal(2, 1, n) - 20,  # skewed but negative values
            "country": rng.permutation(countries),
        }
    )


def test_default_config_picks_numeric_non_id_columns() -> None:
    frame = customers().assign(store_id=1, const=7.0, empty=np.nan)
    frame["store_id"] = np.arange(N)
    config = default_config(frame)
    assert config.features == ("monetary", "frequency", "recency_days", "balance")
    assert config.categorical == ()
    assert config.scaler == "standard"


def test_default_config_uses_only_existing_candidates() -> None:
    config = default_config(customers(), ["recency_days", "nope", "country", "monetary"])
    assert config.features == ("recency_days", "monetary")
    assert config.log == ("monetary",)


def test_default_config_without_usable_columns_raises() -> None:
    frame = pd.DataFrame({"customer_id": ["a", "b"], "const": [1.0, 1.0]})
    with pytest.raises(InvalidParameterError, match="No usable numeric feature"):
        default_config(frame)


def test_suggest_log_lognormal_not_normal_nor_negative() -> None:
    frame = customers()
    assert suggest_log(frame, ["monetary", "recency_days", "balance"]) == ("monetary",)


def test_standard_scaling_gives_mean_0_std_1() -> None:
    prepared = prepare(customers(), PrepConfig(features=("monetary", "recency_days")))
    assert isinstance(prepared, Prepared)
    assert prepared.X.dtype == np.float64
    assert prepared.X.shape == (N, 2)
    np.testing.assert_allclose(prepared.X.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(prepared.X.std(axis=0), 1, atol=1e-12)
    assert prepared.feature_names == ["monetary", "recency_days"]
    assert prepared.used == ["monetary", "recency_days"]
    assert prepared.notes == []


@pytest.mark.parametrize("scaler", SCALERS)
def test_each_scaler_works(scaler: str) -> None:
    frame = customers()
    prepared = prepare(frame, PrepConfig(features=("monetary", "frequency"), scaler=scaler))
    X = prepared.X
    assert X.shape == (N, 2) and np.isfinite(X).all()
    if scaler == "none":
        np.testing.assert_allclose(X[:, 0], frame["monetary"])
    if scaler in ("minmax", "quantile"):
        np.testing.assert_allclose(X.min(axis=0), 0, atol=1e-9)
        np.testing.assert_allclose(X.max(axis=0), 1, atol=1e-9)
    if scaler == "robust":
        np.testing.assert_allclose(np.median(X[:, 0]), 0, atol=1e-9)


def test_rows_keep_the_frame_order() -> None:
    frame = customers()
    config = PrepConfig(features=("monetary",), scaler="none")
    shuffled = frame.sample(frac=1, random_state=1)
    np.testing.assert_allclose(prepare(shuffled, config).X[:, 0], shuffled["monetary"])


def test_median_imputation_fills_missing() -> None:
    frame = pd.DataFrame({"a": [1.0, 2.0, np.nan, 10.0], "b": [1.0, 2.0, 3.0, 4.0]})
    prepared = prepare(frame, PrepConfig(features=("a", "b"), scaler="none"))
    assert prepared.X[2, 0] == 2.0


def test_mean_and_most_frequent_imputation() -> None:
    frame = pd.DataFrame({"a": [1.0, 1.0, np.nan, 7.0], "b": [1.0, 2.0, 3.0, 4.0]})
    mean = prepare(frame, PrepConfig(features=("a", "b"), impute="mean", scaler="none"))
    frequent = prepare(
        frame, PrepConfig(features=("a", "b"), impute="most_frequent", scaler="none")
    )
    assert mean.X[2, 0] == 3.0
    assert frequent.X[2, 0] == 1.0


def test_missing_indicator_adds_columns() -> None:
    frame = pd.DataFrame(
        {"a": [1.0, np.nan, 3.0, 4.0], "b": [1.0, 2.0, np.nan, 4.0], "c": [1.0, 2.0, 3.0, 5.0]}
    )
    config = PrepConfig(features=("a", "b", "c"), missing_indicator=True, scaler="none")
    prepared = prepare(frame, config)
    assert prepared.X.shape == (4, 5)  # c has no missing value: no indicator
    assert prepared.feature_names == [
        "a",
        "missingindicator_a",
        "b",
        "missingindicator_b",
        "c",
    ]
    np.testing.assert_array_equal(prepared.X[:, 1], [0, 1, 0, 0])
    np.testing.assert_array_equal(prepared.X[:, 3], [0, 0, 1, 0])


def test_inf_is_treated_as_missing() -> None:
    frame = pd.DataFrame({"a": [1.0, np.inf, 3.0, -np.inf, 5.0], "b": [1.0, 2.0, 3.0, 4.0, 0.0]})
    config = PrepConfig(features=("a", "b"), missing_indicator=True, scaler="none")
    prepared = prepare(frame, config)
    assert np.isfinite(prepared.X).all()
    np.testing.assert_array_equal(prepared.X[:, 0], [1, 3, 3, 3, 5])
    np.testing.assert_array_equal(prepared.X[:, 1], [0, 1, 0, 1, 0])


def test_clipping_bounds_values_at_fitted_percentiles() -> None:
    frame = customers()
    config = PrepConfig(features=("monetary",), clip=(0.05, 0.95), scaler="none")
    prepared = prepare(frame, config)
    lo, hi = frame["monetary"].quantile([0.05, 0.95])
    assert prepared.X[:, 0].min() == pytest.approx(lo)
    assert prepared.X[:, 0].max() == pytest.approx(hi)
    new = frame.assign(monetary=frame["monetary"] * 100)
    assert transform(prepared.pipeline, new).max() == pytest.approx(hi)


def test_log_applies_log1p_after_clipping_negatives() -> None:
    frame = pd.DataFrame({"a": [-3.0, 0.0, np.e - 1, 9.0]})
    prepared = prepare(frame, PrepConfig(features=("a",), log=("a",), scaler="none"))
    np.testing.assert_allclose(prepared.X[:, 0], [0, 0, 1, np.log(10)])


def test_one_hot_groups_rare_categories_as_other() -> None:
    frame = pd.DataFrame(
        {
            "frequency": np.arange(100, dtype=float),
            "country": ["DE"] * 60 + ["FR"] * 37 + ["NL", "BE", None],
        }
    )
    config = PrepConfig(features=("frequency",), categorical=("country",), rare_share=0.02)
    prepared = prepare(frame, config)
    assert prepared.feature_names == ["frequency", "country_DE", "country_FR", "country_other"]
    onehot = prepared.X[:, 1:]
    np.testing.assert_array_equal(onehot.sum(axis=1), 1)
    np.testing.assert_array_equal(onehot[-3:], [[0, 0, 1], [0, 0, 1], [1, 0, 0]])  # None -> DE
    assert prepared.used == ["frequency", "country"]


def test_weights_scale_columns_and_zero_removes_influence() -> None:
    frame = customers()
    base = PrepConfig(features=("monetary", "recency_days"), categorical=("country",))
    plain = prepare(frame, base)
    weights = {"monetary": 2.0, "recency_days": 0.0, "country": 0.5}
    weighted = prepare(frame, PrepConfig(**{**base.to_dict(), "weights": weights}))
    np.testing.assert_allclose(weighted.X[:, 0], 2 * plain.X[:, 0])
    np.testing.assert_array_equal(weighted.X[:, 1], 0)
    np.testing.assert_allclose(weighted.X[:, 2:], 0.5 * plain.X[:, 2:])
    shuffled = frame.assign(
        recency_days=frame["recency_days"].sample(frac=1, random_state=2).values
    )
    np.testing.assert_array_equal(transform(weighted.pipeline, shuffled), weighted.X)


def test_constant_and_all_missing_columns_dropped_with_notes() -> None:
    frame = customers().assign(const=3.0, empty=np.nan, flat_text="x")
    config = PrepConfig(features=("monetary", "const", "empty"), categorical=("flat_text",))
    prepared = prepare(frame, config)
    assert prepared.used == ["monetary"]
    assert prepared.feature_names == ["monetary"]
    assert prepared.notes == [
        "Dropped 'const': constant.",
        "Dropped 'empty': all values missing.",
        "Dropped 'flat_text': constant.",
    ]


def test_all_constant_features_raise() -> None:
    frame = pd.DataFrame({"a": [1.0, 1.0, 1.0], "b": [np.nan, np.inf, np.nan]})
    with pytest.raises(InvalidParameterError, match=r"All chosen features are constant or empty"):
        prepare(frame, PrepConfig(features=("a", "b")))


def test_unknown_feature_raises_with_available_columns() -> None:
    with pytest.raises(InvalidParameterError, match=r"'features'.*'monetary'.*Got 'spend'"):
        check_config(PrepConfig(features=("spend",)), customers())


def test_text_column_as_numeric_feature_raises() -> None:
    with pytest.raises(InvalidParameterError, match=r"'features'.*numeric.*Got 'country'"):
        check_config(PrepConfig(features=("country",)), customers())


def test_no_feature_raises() -> None:
    with pytest.raises(InvalidParameterError, match=r"'features'.*at least one"):
        check_config(PrepConfig(features=()), customers())


@pytest.mark.parametrize(
    ("changes", "pattern"),
    [
        ({"scaler": "zscore"}, r"'scaler' parameter must be one of .*Got 'zscore'"),
        ({"impute": "knn"}, r"'impute' parameter must be one of .*Got 'knn'"),
        ({"clip": (0.9, 0.1)}, r"'clip' parameter must be .*0 <= lo < hi <= 1.*Got \(0.9, 0.1\)"),
        ({"clip": (0.0, 1.5)}, r"'clip' parameter .*Got \(0.0, 1.5\)"),
        ({"weights": {"monetary": -1.0}}, r"'weights' parameter must be .*>= 0.*Got -1.0"),
        ({"weights": {"spend": 1.0}}, r"'weights' parameter must be columns .*Got 'spend'"),
        ({"weights": {"frequency": 1.0}}, r"'weights' parameter must be names from .*'frequency'"),
        ({"log": ("frequency",)}, r"'log' parameter must be names from .*Got 'frequency'"),
        ({"rare_share": 1.5}, r"'rare_share' parameter .*\[0, 1\).*Got 1.5"),
        ({"categorical": ("monetary",)}, r"'features' parameter must be distinct .*'monetary'"),
    ],
)
def test_bad_choice_raises_naming_the_parameter(changes: dict, pattern: str) -> None:
    config = PrepConfig(**{"features": ("monetary",), **changes})
    with pytest.raises(InvalidParameterError, match=pattern):
        prepare(customers(), config)


def test_config_round_trips_through_plain_dict() -> None:
    config = PrepConfig(
        features=("monetary", "frequency"),
        categorical=("country",),
        log=("monetary",),
        clip=(0.01, 0.99),
        weights={"country": 0.5},
    )
    plain = config.to_dict()
    assert plain["features"] == ["monetary", "frequency"] and plain["clip"] == [0.01, 0.99]
    assert PrepConfig.from_dict(plain) == config
    assert "clip" not in PrepConfig(features=("a",)).to_dict()  # TOML has no null
    assert PrepConfig.from_dict(PrepConfig(features=("a",)).to_dict()).clip is None


def test_from_dict_unknown_key_raises() -> None:
    with pytest.raises(InvalidParameterError, match=r"'preprocess' parameter .*Got 'scaling'"):
        PrepConfig.from_dict({"features": ["a"], "scaling": "standard"})


def test_pickled_pipeline_transforms_new_data() -> None:
    frame = customers(seed=0)
    config = PrepConfig(
        features=("monetary", "frequency", "recency_days"),
        categorical=("country",),
        log=("monetary", "frequency"),
        clip=(0.01, 0.99),
        missing_indicator=True,
        weights={"country": 0.5},
    )
    frame.loc[5, "frequency"] = np.nan
    prepared = prepare(frame, config)
    pipeline = pickle.loads(pickle.dumps(prepared.pipeline))
    np.testing.assert_array_equal(transform(pipeline, frame), prepared.X)

    new = customers(seed=1, n=50).iloc[::-1]
    new["country"] = ["ZZ", None] + list(new["country"][2:])
    new.loc[new.index[:3], "monetary"] = [-10.0, np.inf, np.nan]
    X = transform(pipeline, new)
    assert X.shape == (50, len(prepared.feature_names))
    assert np.isfinite(X).all()
    other = prepared.feature_names.index("country_other")
    assert X[0, other] == 0.5  # an unseen category joins "other"


def test_transform_without_a_fitted_column_raises() -> None:
    prepared = prepare(customers(), PrepConfig(features=("monetary", "frequency")))
    with pytest.raises(InvalidParameterError, match=r"lacks the column\(s\) \['frequency'\]"):
        transform(prepared.pipeline, customers().drop(columns="frequency"))


def test_yes_no_columns_are_not_logged_by_default() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "accepted": (rng.random(500) < 0.07).astype(int),  # skewness ~3.5
            "monetary": rng.lognormal(4, 1, 500),
        }
    )
    assert frame["accepted"].skew() > 1
    assert suggest_log(frame, ["accepted", "monetary"]) == ("monetary",)

"""The algorithm registry: declared parameters and their checks."""

from __future__ import annotations

import re

import numpy as np
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.segment.registry import REGISTRY, Param, get_algorithm, validate_params


def test_every_algorithm_declares_params_with_defaults_in_range():
    assert set(REGISTRY) == {"rfm", "kmeans", "gmm", "ward", "hdbscan"}
    for spec in REGISTRY.values():
        assert spec.label and spec.description
        for param in spec.params:
            assert param.kind in ("int", "float", "choice", "bool")
            assert param.coerce(param.default, spec.name) == param.default
            if param.kind == "choice":
                assert param.default in param.choices
        if spec.k_param:
            assert spec.param(spec.k_param).low == 2
    assert not REGISTRY["rfm"].uses_matrix and REGISTRY["rfm"].params == ()


def test_get_algorithm_lists_the_known_names():
    assert get_algorithm("ward").k_param == "n_clusters"
    with pytest.raises(InvalidParameterError, match="must be one of 'rfm', 'kmeans', .*'dbscan'"):
        get_algorithm("dbscan")


def test_validate_params_fills_defaults():
    assert validate_params("kmeans", {}) == {"n_clusters": 6, "n_init": 10, "init": "k-means++"}
    assert validate_params("hdbscan", None) == {"min_cluster_size": 50, "min_samples": None}


def test_validate_params_coerces_cli_strings():
    checked = validate_params("kmeans", {"n_clusters": "6", "n_init": " 3 ", "init": "random"})
    assert checked == {"n_clusters": 6, "n_init": 3, "init": "random"}
    assert validate_params("hdbscan", {"min_samples": "none"})["min_samples"] is None
    assert validate_params("hdbscan", {"min_samples": "7"})["min_samples"] == 7
    assert validate_params("gmm", {"n_components": np.int64(3)})["n_components"] == 3


def test_bool_and_float_params_coerce_cli_strings():
    flag = Param("verbose", "bool", False)
    assert flag.coerce("true", "x") is True and flag.coerce("No", "x") is False
    with pytest.raises(InvalidParameterError, match=r"a bool \(true or false\). Got 'maybe'"):
        flag.coerce("maybe", "x")
    ratio = Param("ratio", "float", 0.5, 0, 1)
    assert ratio.coerce("0.25", "x") == 0.25
    with pytest.raises(InvalidParameterError, match=r"a float in the range \[0, 1\]. Got 2.0"):
        ratio.coerce(2.0, "x")


def test_validate_params_rejects_unknown_keys_listing_known_ones():
    message = "kmeans has no parameter 'k'. Its parameters are: 'init', 'n_clusters', 'n_init'."
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        validate_params("kmeans", {"k": 4})
    with pytest.raises(InvalidParameterError, match="rfm has no parameter 'bins'.*none"):
        validate_params("rfm", {"bins": 5})


def test_validate_params_rejects_k_below_two():
    message = "The 'n_clusters' parameter of kmeans must be an int in the range [2, 50]. Got 1"
    with pytest.raises(InvalidParameterError, match=re.escape(message)):
        validate_params("kmeans", {"n_clusters": 1})


def test_validate_params_rejects_values_of_the_wrong_kind():
    with pytest.raises(InvalidParameterError, match=r"'n_clusters' .* Got 'six' instead"):
        validate_params("ward", {"n_clusters": "six"})
    with pytest.raises(InvalidParameterError, match=r"'n_init' .* Got 2.5 instead"):
        validate_params("kmeans", {"n_init": 2.5})
    with pytest.raises(InvalidParameterError, match=r"'n_clusters' .* Got True instead"):
        validate_params("kmeans", {"n_clusters": True})
    with pytest.raises(InvalidParameterError, match="one of 'full', 'diag', 'tied', 'spherical'"):
        validate_params("gmm", {"covariance_type": "round"})


def test_validate_params_rejects_k_above_distinct_rows():
    pattern = r"'n_clusters' parameter of ward must be an int in the range \[2, 4\].*Got 5 instead"
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_params("ward", {"n_clusters": 5}, n_samples=10, n_distinct=4)


def test_validate_params_rejects_k_not_below_customers():
    pattern = r"'n_components' .* range \[2, 4\] for data with 5 customers.*Got 5 instead"
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_params("gmm", {"n_components": 5}, n_samples=5, n_distinct=5)


def test_validate_params_rejects_min_cluster_size_above_customers():
    pattern = r"'min_cluster_size' parameter of hdbscan .* range \[2, 40\].*Got 50 instead"
    with pytest.raises(InvalidParameterError, match=pattern):
        validate_params("hdbscan", {}, n_samples=40)


def test_validate_params_needs_three_customers():
    with pytest.raises(InvalidParameterError, match="at least 3 customers. Got 2 instead"):
        validate_params("kmeans", {"n_clusters": 2}, n_samples=2, n_distinct=2)

"""Fitting: the one place where an algorithm of the registry meets the data.

:func:`fit` segments a matrix, :func:`fit_each_k` does so for several numbers of segments sharing
work (the k sweep), and :func:`assign` gives new rows the segments of a fitted model.

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(300, 2))
>>> result = fit("kmeans", X, {"n_clusters": "3"}, seed=1)
>>> sorted(set(result.labels.tolist()))
[0, 1, 2]
>>> assign(result, X[:5]).tolist() == result.labels[:5].tolist()
True
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..errors import param_error
from ..progress import Progress, reporter, substep
from .clusterers import FITTERS, WardTree, warning_notes
from .registry import REGISTRY, Algorithm, check_seed, get_algorithm, validate_params
from .result import MIN_CUSTOMERS, FitResult, check_matrix, limit_threads, predict_in_chunks
from .rfm import fit_rfm, rfm_frame


def fit(
    algorithm: str,
    X: object,
    params: Mapping[str, object] | None = None,
    *,
    seed: int = 0,
    progress: Progress | None = None,
) -> FitResult:
    """Segment the rows of ``X`` (float matrix, one row per customer) with ``algorithm``.

    For ``"rfm"``, ``X`` is the customer table (a DataFrame with ``recency_days``, ``frequency``
    and ``monetary``) or a matrix of those three columns in that order.

    >>> import numpy as np
    >>> X = np.r_[np.zeros((20, 2)), np.ones((10, 2))]
    >>> fit("ward", X, {"n_clusters": 2}).labels[[0, -1]].tolist()
    [0, 1]
    """
    spec = get_algorithm(algorithm)
    check_seed(seed)
    if not spec.uses_matrix:
        validate_params(spec.name, params)
        return fit_rfm(rfm_frame(X))
    return next(_fit_iter(spec, check_matrix(X), [params or {}], seed, reporter(progress)))[1]


def fit_each_k(
    algorithm: str,
    X: object,
    ks: Sequence[int],
    params: Mapping[str, object] | None = None,
    *,
    seed: int = 0,
    progress: Progress | None = None,
) -> Iterator[tuple[int, FitResult]]:
    """``(k, fit(...))`` for each number of segments in ``ks``, sharing work where it can.

    Ward builds its tree once and cuts it at every k. Used by the k sweep of diagnostics.
    """
    spec = get_algorithm(algorithm)
    if spec.k_param is None:
        rule = "one of " + ", ".join(repr(a.name) for a in REGISTRY.values() if a.k_param)
        raise param_error("algorithm", rule, algorithm)
    check_seed(seed)
    grid = [{**(params or {}), spec.k_param: k} for k in ks]
    for checked, result in _fit_iter(spec, check_matrix(X), grid, seed, reporter(progress)):
        yield checked[spec.k_param], result


def assign(result_or_model: FitResult | object, X_new: object) -> np.ndarray:
    """Segments of new rows under a fitted model (a :class:`FitResult` or its ``model``).

    k-means and GMM predict, Ward takes the nearest segment centroid, HDBSCAN a vote of the 15
    nearest fitted rows (noise included), RFM scores against the fitted customers.
    """
    model = getattr(result_or_model, "model", result_or_model)
    if not hasattr(model, "predict"):
        raise param_error("result_or_model", "a FitResult or a fitted model", type(model).__name__)
    if getattr(model, "takes_frame", False):
        return model.predict(X_new)
    X_new = check_matrix(X_new, min_rows=0)
    width = getattr(model, "n_features_in_", X_new.shape[1])
    if X_new.shape[1] != width:
        raise param_error("X_new", f"a matrix with {width} columns", f"{X_new.shape[1]} columns")
    if len(X_new) == 0:
        return np.empty(0, dtype=np.int64)
    with limit_threads(len(X_new)):
        return predict_in_chunks(model, X_new)


def _count_distinct_rows(X: np.ndarray, enough: int) -> int:
    """Distinct rows of X, counted exactly up to ``enough`` (a prefix is usually enough)."""
    size = min(len(X), 1000)
    while True:
        distinct = len(np.unique(X[:size], axis=0))
        if distinct >= enough or size == len(X):
            return distinct
        size = min(len(X), size * 10)


def _fit_iter(
    spec: Algorithm, X: np.ndarray, grid: list[Mapping], seed: int, report: Progress
) -> Iterator[tuple[dict, FitResult]]:
    n_distinct = _count_distinct_rows(X, enough=MIN_CUSTOMERS + 50)
    checked = [validate_params(spec.name, p, len(X), n_distinct) for p in grid]
    with limit_threads(len(X)):
        ward_tree = WardTree.build(X, seed, report) if spec.name == "ward" else None
    for i, params in enumerate(checked):
        step = substep(report, i / len(checked), 1 / len(checked))
        with limit_threads(len(X)), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            if ward_tree is not None:
                result = ward_tree.cut(X, params["n_clusters"])
            else:
                result = FITTERS[spec.name](X, params, seed, step)
        result.notes.extend(warning_notes(caught))
        result.algorithm, result.params = spec.name, params
        step(1.0, f"{spec.label}: {result.n_segments} segments")
        yield params, result

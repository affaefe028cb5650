"""Segmentation algorithms: one registry where each algorithm declares its parameters once.

The app's widgets and the command line's checks both read :data:`REGISTRY`; :func:`validate_params`
is the one place where parameters are checked, and :func:`fit` the one place where they are used.
Every algorithm gives a segment to every customer, numbered by size (segment 0 is the largest;
``-1`` is HDBSCAN's noise, shown as "Unassigned"), and the same seed gives the same labels.

Where fitting on everyone is too slow, the model is fitted on a sample and everyone else is
assigned, and :attr:`FitResult.notes` says so:

========  =====================================  ================================================
kmeans    above ``MINIBATCH_ABOVE`` rows          mini-batch k-means, refined by full iterations
gmm       above ``GMM_SAMPLE_ABOVE`` rows         fitted on a random sample, everyone predicted
ward      above ``WARD_SAMPLE_ABOVE`` rows        stratified sample, others to nearest centroid
hdbscan   above ``HDBSCAN_SAMPLE_ABOVE`` rows     stratified sample, others by a 15-neighbour vote
========  =====================================  ================================================

The stratified sample draws from the cells of a quick 50-cluster mini-batch k-means, in
proportion to their sizes but at least ``MIN_PER_STRATUM`` rows from each, so small regions of
the data are kept. HDBSCAN's vote (also used by :func:`assign`) asks the 15 nearest of at most
``KNN_VOTERS`` fitted rows, drawn in proportion to the segments, Unassigned included.

>>> import numpy as np
>>> X = np.random.default_rng(0).normal(size=(300, 2))
>>> result = fit("kmeans", X, {"n_clusters": "3"}, seed=1)
>>> sorted(set(result.labels.tolist()))
[0, 1, 2]
>>> assign(result, X[:5]).tolist() == result.labels[:5].tolist()
True
"""

from __future__ import annotations

import contextlib
import numbers
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.cluster import hierarchy
from sklearn.cluster import HDBSCAN, KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import pairwise_distances_argmin
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from ..errors import InvalidParameterError, param_error

Progress = Callable[[float, str], None]

MIN_CUSTOMERS = 3
MINIBATCH_ABOVE = 200_000  # k-means: mini-batch above this many rows
MINIBATCH_BATCH_SIZE = 4096
MINIBATCH_N_INIT = 3
REFINE_ITERATIONS = 10  # full k-means iterations after the mini-batch fit
GMM_SAMPLE_ABOVE = 100_000  # gmm: fitted on a random sample of this many rows above it
WARD_SAMPLE_ABOVE = 10_000  # ward: stratified sample of this many rows (10k rows take ~4 s)
HDBSCAN_SAMPLE_ABOVE = 20_000  # hdbscan: stratified sample of this many rows
STRATA = 50
STRATA_FIT_ROWS = 100_000  # the strata's mini-batch k-means learns from this many random rows
MIN_PER_STRATUM = 10
KNN_NEIGHBOURS = 15
KNN_VOTERS = 5_000  # hdbscan: fitted rows (stratified by segment) that vote for the others
PARALLEL_ABOVE = 10**12  # threads only above this many rows: on 2 cores they never paid
DENDROGRAM_MAX_POINTS = 2_000
_CHUNK = 100_000  # rows per block when predicting for many customers
_MAX_SEED = 2**32 - 1
_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


@dataclass(frozen=True)
class Param:
    """One parameter of an algorithm: its kind, default and allowed values.

    ``kind`` is ``"int"``, ``"float"``, ``"choice"`` or ``"bool"``; ``low``/``high`` bound ints
    and floats (inclusive); a ``default`` of ``None`` means None is also allowed ("automatic").
    """

    name: str
    kind: str
    default: object
    low: float | None = None
    high: float | None = None
    choices: tuple = ()
    help: str = ""

    @property
    def rule(self) -> str:
        """The allowed values in words, as error messages write them."""
        if self.kind in ("int", "float"):
            low, high = (_number_text(v) for v in (self.low, self.high))
            text = f"{'an int' if self.kind == 'int' else 'a float'} in the range [{low}, {high}]"
        elif self.kind == "choice":
            text = "one of " + ", ".join(repr(c) for c in self.choices)
        else:
            text = "a bool (true or false)"
        return text + " or None" if self.default is None else text

    def coerce(self, value: object, algorithm: str) -> object:
        """``value`` checked and converted (command-line strings included), or an error."""
        if value is None or (self.default is None and _is_blank(value)):
            if self.default is None:
                return None
            raise _param_error(algorithm, self.name, self.rule, value)
        converted = _CONVERTERS[self.kind](self, value)
        if converted is None:
            raise _param_error(algorithm, self.name, self.rule, value)
        if self.kind in ("int", "float") and not self.low <= converted <= self.high:
            raise _param_error(algorithm, self.name, self.rule, value)
        return converted


@dataclass(frozen=True)
class Algorithm:
    """An algorithm of the registry: what the app shows about it and the parameters it takes."""

    name: str
    label: str
    description: str
    params: tuple[Param, ...]
    uses_matrix: bool = True  # False for "rfm", which works on recency/frequency/monetary
    k_param: str | None = None  # the parameter that sets the number of segments, if any

    def param(self, name: str) -> Param:
        """The parameter called ``name``."""
        for param in self.params:
            if param.name == name:
                return param
        raise KeyError(name)

    def defaults(self) -> dict[str, object]:
        """Every parameter at its default."""
        return {p.name: p.default for p in self.params}


@dataclass
class FitResult:
    """A fitted segmentation: a segment for every row, and what is needed to assign new rows."""

    labels: np.ndarray  # segment per row, 0..k-1 by descending size; -1 = noise ("Unassigned")
    probabilities: np.ndarray | None  # gmm/hdbscan: how sure the assignment is, per row
    centers: np.ndarray | None  # segment centroids in X space, row i = segment i
    model: object  # picklable, has .predict(X); see assign()
    sample_size: int | None  # rows the model was fitted on when a sample was used
    notes: list[str]  # what the user should know about how it was fitted
    extra: dict  # per algorithm: inertia, bic, n_iter, linkage (ward), names (rfm), ...
    algorithm: str = ""
    params: dict = field(default_factory=dict)  # the validated parameters

    @property
    def n_segments(self) -> int:
        """Number of segments that hold customers (noise not counted)."""
        return len(np.unique(self.labels[self.labels >= 0]))


_K_HELP = "Number of segments to find."
REGISTRY: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm(
            "rfm",
            "RFM rules",
            "Scores recency, frequency and monetary value 1-5 by quintile and names 11 classic "
            "segments (Champions, At Risk, ...). No machine learning; easy to explain.",
            (),
            uses_matrix=False,
        ),
        Algorithm(
            "kmeans",
            "k-means",
            "Splits customers into k groups of similar size around centroids. Fast on millions "
            "of customers; a good first choice.",
            (
                Param("n_clusters", "int", 6, 2, 50, help=_K_HELP),
                Param("n_init", "int", 10, 1, 50, help="Restarts from different seeds; the best "
                      "is kept."),
                Param("init", "choice", "k-means++", choices=("k-means++", "random"),
                      help="How the first centroids are chosen."),
            ),
            k_param="n_clusters",
        ),
        Algorithm(
            "gmm",
            "Gaussian mixture",
            "Soft clusters of different shapes and sizes, with a membership probability per "
            "customer.",
            (
                Param("n_components", "int", 6, 2, 30, help=_K_HELP),
                Param("covariance_type", "choice", "full",
                      choices=("full", "diag", "tied", "spherical"),
                      help="Shape of each component: full is the most flexible."),
            ),
            k_param="n_components",
        ),
        Algorithm(
            "ward",
            "Ward hierarchical",
            "Merges customers bottom-up, keeping segments compact; comes with a dendrogram of "
            "how segments join.",
            (Param("n_clusters", "int", 6, 2, 50, help=_K_HELP),),
            k_param="n_clusters",
        ),
        Algorithm(
            "hdbscan",
            "HDBSCAN",
            "Finds dense groups of any shape and how many there are; customers in no dense "
            "group stay Unassigned.",
            (
                Param("min_cluster_size", "int", 50, 2, 100_000,
                      help="Smallest group of customers that counts as a segment."),
                Param("min_samples", "int", None, 1, 1000,
                      help="Neighbours that make a point dense; higher = more Unassigned. "
                      "Empty: same as min_cluster_size."),
            ),
        ),
    )
}  # fmt: skip


def get_algorithm(name: str) -> Algorithm:
    """The registry's algorithm called ``name``.

    >>> get_algorithm("kmeans").label
    'k-means'
    """
    if isinstance(name, str) and name in REGISTRY:
        return REGISTRY[name]
    raise param_error("algorithm", "one of " + ", ".join(map(repr, REGISTRY)), name)


def validate_params(
    algorithm: str,
    params: Mapping[str, object] | None,
    n_samples: int | None = None,
    n_distinct: int | None = None,
) -> dict[str, object]:
    """The parameters checked, converted and completed with defaults.

    Strings from the command line are converted ("6" -> 6, "true" -> True, "none" -> None).
    With ``n_samples`` (rows) and ``n_distinct`` (distinct rows), the rules that depend on the
    data are checked too: at least 3 customers, fewer segments than customers and no more than
    distinct rows, ``min_cluster_size`` / ``min_samples`` at most the number of customers.

    >>> validate_params("kmeans", {"n_clusters": "4"})
    {'n_clusters': 4, 'n_init': 10, 'init': 'k-means++'}
    """
    spec = get_algorithm(algorithm)
    params = dict(params or {})
    known = {p.name for p in spec.params}
    unknown = sorted(set(params) - known, key=str)
    if unknown:
        names = ", ".join(repr(n) for n in sorted(known)) or "none"
        raise InvalidParameterError(
            f"{spec.name} has no parameter {unknown[0]!r}. Its parameters are: {names}."
        )
    checked = {p.name: p.coerce(params.get(p.name, p.default), spec.name) for p in spec.params}
    if n_samples is not None:
        _check_data_rules(spec, checked, n_samples, n_distinct)
    return checked


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
    _check_seed(seed)
    if not spec.uses_matrix:
        from .rfm import fit_rfm, rfm_frame

        validate_params(spec.name, params)
        return fit_rfm(rfm_frame(X))
    return next(_fit_iter(spec, check_matrix(X), [params or {}], seed, _reporter(progress)))[1]


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
    _check_seed(seed)
    grid = [{**(params or {}), spec.k_param: k} for k in ks]
    for checked, result in _fit_iter(spec, check_matrix(X), grid, seed, _reporter(progress)):
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
        blocks = [model.predict(X_new[i : i + _CHUNK]) for i in range(0, len(X_new), _CHUNK)]
    return np.concatenate(blocks).astype(np.int64)


# --- parameters -----------------------------------------------------------------------------


def _param_error(algorithm: str, name: str, rule: str, value: object) -> InvalidParameterError:
    return InvalidParameterError(
        f"The {name!r} parameter of {algorithm} must be {rule}. Got {value!r} instead."
    )


def _number_text(value: float | None) -> str:
    if value is None:
        return "inf"
    return str(int(value)) if float(value).is_integer() else str(value)


def _is_blank(value: object) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("", "none", "null", "auto")


def _to_int(param: Param, value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    number = _to_float(param, value)
    return int(number) if number is not None and number.is_integer() else None


def _to_float(param: Param, value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value.strip() if isinstance(value, str) else value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _to_choice(param: Param, value: object) -> object | None:
    text = value.strip() if isinstance(value, str) else value
    return text if text in param.choices else None


def _to_bool(param: Param, value: object) -> bool | None:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    return None


_CONVERTERS = {"int": _to_int, "float": _to_float, "choice": _to_choice, "bool": _to_bool}


def _check_data_rules(
    spec: Algorithm, checked: dict, n_samples: int, n_distinct: int | None
) -> None:
    if n_samples < MIN_CUSTOMERS:
        raise InvalidParameterError(
            f"Segmenting needs at least {MIN_CUSTOMERS} customers. Got {n_samples} instead."
        )
    if spec.k_param is not None:
        param = spec.param(spec.k_param)
        high = min(int(param.high), n_samples - 1, n_distinct or n_samples)
        if checked[spec.k_param] > high:
            distinct = "" if n_distinct is None else f" and {n_distinct} distinct rows"
            rule = (
                f"an int in the range [{int(param.low)}, {high}] for data with {n_samples} "
                f"customers{distinct} (fewer segments than customers, no more than distinct rows)"
            )
            raise _param_error(spec.name, spec.k_param, rule, checked[spec.k_param])
    for name in ("min_cluster_size", "min_samples"):
        value = checked.get(name)
        if value is not None and value > n_samples:
            low = int(spec.param(name).low)
            rule = f"an int in the range [{low}, {n_samples}] for data with {n_samples} customers"
            raise _param_error(spec.name, name, rule, value)


def _check_seed(seed: object) -> None:
    ok = isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
    if not ok or not 0 <= seed <= _MAX_SEED:
        raise param_error("seed", f"an int in the range [0, {_MAX_SEED}]", seed)


def check_matrix(X: object, min_rows: int = 1) -> np.ndarray:
    """``X`` as a float64 matrix, or an error if it is not 2-D, numeric and finite."""
    try:
        X = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise param_error("X", "a numeric matrix (one row per customer)", type(X).__name__) from e
    if X.ndim != 2 or X.shape[1] == 0 or len(X) < min_rows:
        raise param_error("X", "a 2-D matrix with at least one column", f"shape {X.shape}")
    if not np.isfinite(X).all():
        raise InvalidParameterError(
            "The feature matrix X contains missing or infinite values "
            f"({int((~np.isfinite(X)).any(axis=1).sum())} rows); impute them first (preprocess)."
        )
    return X


def _count_distinct_rows(X: np.ndarray, enough: int) -> int:
    """Distinct rows of X, counted exactly up to ``enough`` (a prefix is usually enough)."""
    size = min(len(X), 1000)
    while True:
        distinct = len(np.unique(X[:size], axis=0))
        if distinct >= enough or size == len(X):
            return distinct
        size = min(len(X), size * 10)


# --- fitting --------------------------------------------------------------------------------


def _reporter(progress: Progress | None) -> Progress:
    return progress if progress is not None else (lambda fraction, message: None)


def _fit_iter(
    spec: Algorithm, X: np.ndarray, grid: list[Mapping], seed: int, report: Progress
) -> Iterator[tuple[dict, FitResult]]:
    n_distinct = _count_distinct_rows(X, enough=MIN_CUSTOMERS + 50)
    checked = [validate_params(spec.name, p, len(X), n_distinct) for p in grid]
    with limit_threads(len(X)):
        ward_tree = _WardTree.build(X, seed, report) if spec.name == "ward" else None
    for i, params in enumerate(checked):
        step = _substep(report, i / len(checked), 1 / len(checked))
        with limit_threads(len(X)), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            if ward_tree is not None:
                result = ward_tree.cut(X, params["n_clusters"])
            else:
                result = _FITTERS[spec.name](X, params, seed, step)
        result.notes.extend(_warning_notes(caught))
        result.algorithm, result.params = spec.name, params
        step(1.0, f"{spec.label}: {result.n_segments} segments")
        yield params, result


def limit_threads(n_rows: int) -> contextlib.AbstractContextManager:
    """One BLAS/OpenMP thread for fits and metrics of fewer than ``PARALLEL_ABOVE`` rows.

    Measured on the project's 2-core machines, more threads never paid: their start-up and
    spinning cost more than they saved (k-means on 100k rows: 1.5 s with 2 threads, 0.2 s with
    one; mini-batch k-means on 1M rows: 17 s and 2.8 s; a 10k-row silhouette: 3.2 s and 1.0 s).
    Raise ``PARALLEL_ABOVE`` on a machine with many free cores.
    """
    return threadpool_limits(limits=1) if n_rows < PARALLEL_ABOVE else contextlib.nullcontext()


def _substep(report: Progress, start: float, width: float) -> Progress:
    return lambda fraction, message: report(start + width * fraction, message)


def _warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    notes = []
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            text = str(w.message).split(". ")[0]
            if f"Did not fully converge: {text}." not in notes:
                notes.append(f"Did not fully converge: {text}.")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return notes


def _fit_kmeans(X: np.ndarray, params: dict, seed: int, report: Progress) -> FitResult:
    k = params["n_clusters"]
    notes = []
    report(0.0, f"k-means: {k} segments for {len(X):,} customers")
    if len(X) > MINIBATCH_ABOVE:
        rough = MiniBatchKMeans(
            n_clusters=k,
            init=params["init"],
            batch_size=MINIBATCH_BATCH_SIZE,
            n_init=MINIBATCH_N_INIT,
            random_state=seed,
        )
        with threadpool_limits(limits=1):  # small batches: threads cost more than they give
            rough.fit(X)
        report(0.5, "k-means: refining the mini-batch centroids on all customers")
        model = KMeans(
            n_clusters=k, init=rough.cluster_centers_, n_init=1, max_iter=REFINE_ITERATIONS
        ).fit(X)
        notes.append(
            f"Fitted mini-batch k-means (n > {MINIBATCH_ABOVE:,}; batches of "
            f"{MINIBATCH_BATCH_SIZE:,}, {MINIBATCH_N_INIT} starts instead of n_init), then "
            f"refined with up to {REFINE_ITERATIONS} full k-means iterations."
        )
    else:
        model = KMeans(
            n_clusters=k, init=params["init"], n_init=params["n_init"], random_state=seed
        ).fit(X)
    labels, order = _relabel_by_size(model.labels_, k)
    extra = {"inertia": float(model.inertia_), "n_iter": int(model.n_iter_)}
    return FitResult(
        labels,
        None,
        model.cluster_centers_[order],
        RelabelledModel(model, order),
        None,
        notes,
        extra,
    )


def _fit_gmm(X: np.ndarray, params: dict, seed: int, report: Progress) -> FitResult:
    k = params["n_components"]
    notes, sample_size, fit_rows = [], None, X
    if len(X) > GMM_SAMPLE_ABOVE:
        sample_size = GMM_SAMPLE_ABOVE
        fit_rows = X[_random_rows(len(X), sample_size, seed)]
        notes.append(
            f"Gaussian mixture fitted on a random sample of {sample_size:,} customers; every "
            "customer was then given their most likely component."
        )
    report(0.0, f"Gaussian mixture: {k} components on {len(fit_rows):,} customers")
    model = _gaussian_mixture(fit_rows, params, seed, notes)
    report(0.7, "Gaussian mixture: membership probabilities for every customer")
    proba = np.concatenate(
        [model.predict_proba(X[i : i + _CHUNK]) for i in range(0, len(X), _CHUNK)]
    )
    labels, order = _relabel_by_size(proba.argmax(axis=1), k)
    empty = k - len(np.unique(labels))
    if empty:
        notes.append(f"{empty} of the {k} components hold no customer.")
    extra = {
        "bic": float(model.bic(fit_rows)),
        "n_iter": int(model.n_iter_),
        "converged": bool(model.converged_),
        "weights": model.weights_[order],
    }
    return FitResult(
        labels, proba.max(axis=1), model.means_[order], RelabelledModel(model, order), sample_size,
        notes, extra,
    )  # fmt: skip


def _gaussian_mixture(X: np.ndarray, params: dict, seed: int, notes: list) -> GaussianMixture:
    def make(reg_covar: float) -> GaussianMixture:
        return GaussianMixture(
            n_components=params["n_components"],
            covariance_type=params["covariance_type"],
            reg_covar=reg_covar,
            random_state=seed,
        )

    try:
        return make(1e-6).fit(X)
    except ValueError:  # ill-defined covariance: collapsed components on duplicated rows
        notes.append("Covariances were regularised (reg_covar=1e-3): some components collapsed.")
        return make(1e-3).fit(X)


@dataclass
class _WardTree:
    """Ward's merge tree of X (or of a stratified sample of it), cut at any number of segments."""

    rows: np.ndarray | None  # the sampled rows of X, or None when the tree holds every row
    linkage: np.ndarray
    seed: int

    @classmethod
    def build(cls, X: np.ndarray, seed: int, report: Progress) -> _WardTree:
        rows = None
        if len(X) > WARD_SAMPLE_ABOVE:
            report(0.0, f"Ward: drawing a stratified sample of {WARD_SAMPLE_ABOVE:,} customers")
            rows = stratified_sample(X, WARD_SAMPLE_ABOVE, seed)
        fitted = X if rows is None else X[rows]
        report(0.05, f"Ward: merging {len(fitted):,} customers")
        return cls(rows, hierarchy.ward(fitted), seed)

    def cut(self, X: np.ndarray, k: int) -> FitResult:
        fitted = X if self.rows is None else X[self.rows]
        fitted_labels, _ = _relabel_by_size(_cut_tree(self.linkage, k), k)
        model = NearestCentroidModel(_centroids(fitted, fitted_labels, k))
        notes, sample_size, labels = [], None, fitted_labels
        if self.rows is not None:
            sample_size = len(self.rows)
            labels = assign(model, X)
            labels[self.rows] = fitted_labels
            notes.append(
                f"Ward fitted on a stratified sample of {sample_size:,} customers; the other "
                f"{len(X) - sample_size:,} were assigned to the nearest segment centroid."
            )
        extra = {"inertia": within_ss(X, labels), **self._dendrogram(fitted, fitted_labels)}
        return FitResult(labels, None, model.centers, model, sample_size, notes, extra)

    def _dendrogram(self, fitted: np.ndarray, labels: np.ndarray) -> dict:
        """A linkage matrix of at most DENDROGRAM_MAX_POINTS rows, for the dendrogram chart."""
        if len(fitted) <= DENDROGRAM_MAX_POINTS:
            leaves, linkage = np.arange(len(fitted)), self.linkage
        else:
            leaves = _allocate_rows(labels, DENDROGRAM_MAX_POINTS, self.seed)
            linkage = hierarchy.ward(fitted[leaves])
        rows = leaves if self.rows is None else self.rows[leaves]
        return {"linkage": linkage, "linkage_rows": rows, "linkage_labels": labels[leaves]}


def _cut_tree(linkage: np.ndarray, k: int) -> np.ndarray:
    """Cluster ids (0..k-1, arbitrary order) after the first n-k merges of a linkage matrix."""
    n = len(linkage) + 1
    merges = n - k
    parent = np.arange(2 * n - 1)
    children = linkage[:merges, :2].astype(np.intp)
    parent[children[:, 0]] = parent[children[:, 1]] = n + np.arange(merges)
    while True:  # pointer jumping: every node ends up pointing to its root
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            break
        parent = jumped
    return np.unique(parent[:n], return_inverse=True)[1]


def _fit_hdbscan(X: np.ndarray, params: dict, seed: int, report: Progress) -> FitResult:
    min_size, min_samples = params["min_cluster_size"], params["min_samples"]
    notes, rows = [], None
    if len(X) > HDBSCAN_SAMPLE_ABOVE:
        report(0.0, f"HDBSCAN: drawing a stratified sample of {HDBSCAN_SAMPLE_ABOVE:,} customers")
        rows = stratified_sample(X, HDBSCAN_SAMPLE_ABOVE, seed)
        scaled = round(min_size * len(rows) / len(X))
        min_size = max(min(min_size, 5), scaled)
    fitted = X if rows is None else X[rows]
    min_samples = min(min_size if min_samples is None else min_samples, len(fitted) - 1)
    report(0.1, f"HDBSCAN: looking for dense groups among {len(fitted):,} customers")
    model = HDBSCAN(min_cluster_size=min_size, min_samples=min_samples, copy=True).fit(fitted)
    fitted_labels, _ = _relabel_by_size(model.labels_, max(model.labels_.max() + 1, 1))
    voters = _allocate_rows(fitted_labels, KNN_VOTERS, seed)
    voter = KNeighborsClassifier(n_neighbors=min(KNN_NEIGHBOURS, len(voters)))
    voter.fit(fitted[voters], fitted_labels[voters])
    labels, proba = fitted_labels, model.probabilities_.copy()
    if rows is not None:
        report(0.7, f"HDBSCAN: assigning the other {len(X) - len(rows):,} customers")
        labels, proba = _vote(voter, X)
        labels[rows], proba[rows] = fitted_labels, model.probabilities_
        notes.append(
            f"HDBSCAN fitted on a stratified sample of {len(rows):,} customers (min_cluster_size "
            f"{params['min_cluster_size']:,} scaled to {min_size:,} for the sample); the other "
            f"{len(X) - len(rows):,} were assigned by a vote of their {voter.n_neighbors} "
            f"nearest among {len(voters):,} sampled customers, Unassigned included."
        )
    proba[labels < 0] = 0.0
    n_segments = int(labels.max()) + 1
    if n_segments == 0:
        notes.append(
            "HDBSCAN found no dense group: every customer is Unassigned. "
            "Try a smaller min_cluster_size."
        )
    centers = _centroids(X, labels, n_segments)
    extra = {
        "noise_share": float(np.mean(labels < 0)),
        "min_cluster_size_used": int(min_size),
        "min_samples_used": int(min_samples),
    }
    sample_size = None if rows is None else len(rows)
    return FitResult(labels, proba, centers, voter, sample_size, notes, extra)


def _vote(voter: KNeighborsClassifier, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The neighbours' majority label and its vote share (a tie goes to the lower label, so
    Unassigned wins a tie)."""
    labels, shares = np.empty(len(X), dtype=np.int64), np.empty(len(X))
    for i in range(0, len(X), _CHUNK):
        proba = voter.predict_proba(X[i : i + _CHUNK])
        best = proba.argmax(axis=1)
        labels[i : i + _CHUNK] = voter.classes_[best]
        shares[i : i + _CHUNK] = proba[np.arange(len(best)), best]
    return labels, shares


_FITTERS = {"kmeans": _fit_kmeans, "gmm": _fit_gmm, "hdbscan": _fit_hdbscan}


# --- helpers --------------------------------------------------------------------------------


@dataclass
class NearestCentroidModel:
    """Assigns each row to the segment whose centroid is nearest (segment i = centers[i])."""

    centers: np.ndarray

    @property
    def n_features_in_(self) -> int:
        return self.centers.shape[1]

    def predict(self, X: np.ndarray) -> np.ndarray:
        return pairwise_distances_argmin(X, self.centers)


@dataclass
class RelabelledModel:
    """A fitted estimator whose cluster ids are renumbered by size: ``order[new] = old``."""

    estimator: object
    order: np.ndarray

    @property
    def n_features_in_(self) -> int:
        return self.estimator.n_features_in_

    def predict(self, X: np.ndarray) -> np.ndarray:
        new_of_old = np.argsort(self.order)
        return new_of_old[self.estimator.predict(X)]


def _relabel_by_size(labels: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels renumbered so that 0 is the largest segment (ties: lower old id first); -1 kept.

    Returns the new labels and ``order``, where ``order[new] = old`` (length k, empty ids last).
    """
    labels = np.asarray(labels, dtype=np.int64)
    sizes = np.bincount(labels[labels >= 0], minlength=k)
    order = np.argsort(-sizes, kind="stable")
    new_of_old = np.argsort(order)
    relabelled = np.where(labels >= 0, new_of_old[np.maximum(labels, 0)], -1)
    return relabelled, order


def _random_rows(n: int, size: int, seed: int) -> np.ndarray:
    """``size`` distinct row numbers out of n, sorted, drawn with the seed."""
    if size >= n:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False))


def stratified_sample(X: np.ndarray, size: int, seed: int = 0) -> np.ndarray:
    """Row numbers (sorted) of a sample of ``size`` rows that keeps small regions of the data.

    Strata are the cells of a quick mini-batch k-means with ``STRATA`` clusters (learnt from at
    most ``STRATA_FIT_ROWS`` random rows); each gives rows in proportion to its size, but at least
    ``MIN_PER_STRATUM`` (or all it has).
    """
    if size >= len(X):
        return np.arange(len(X))
    cells = MiniBatchKMeans(
        n_clusters=min(STRATA, size), batch_size=MINIBATCH_BATCH_SIZE, n_init=1, random_state=seed
    )
    with threadpool_limits(limits=1), warnings.catch_warnings():  # mini-batches: one thread
        warnings.simplefilter("ignore", ConvergenceWarning)  # fewer distinct rows than strata
        cells.fit(X[_random_rows(len(X), STRATA_FIT_ROWS, seed)])
    return _allocate_rows(assign(cells, X), size, seed)


def _allocate_rows(strata: np.ndarray, size: int, seed: int) -> np.ndarray:
    """``size`` rows drawn within strata: proportional, but at least MIN_PER_STRATUM from each
    (fewer when those floors would take more than half of ``size``)."""
    if size >= len(strata):
        return np.arange(len(strata))
    _, codes, counts = np.unique(strata, return_inverse=True, return_counts=True)
    base = np.minimum(counts, min(MIN_PER_STRATUM, size // (2 * len(counts))))  # <= half
    room = counts - base
    budget = max(size - int(base.sum()), 0)
    share = budget * room / max(room.sum(), 1)
    take = base + np.floor(share).astype(np.int64)
    left = size - int(take.sum())
    if left > 0:  # largest remainders get one more row each
        remainder = np.where(take < counts, share - np.floor(share), -1.0)
        take[np.argsort(-remainder, kind="stable")[:left]] += 1
    take = np.minimum(take, counts)
    keys = np.random.default_rng(seed).random(len(codes))
    order = np.lexsort((keys, codes))
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    rank = np.arange(len(codes)) - starts[codes[order]]
    return np.sort(order[rank < take[codes[order]]])


def _centroids(X: np.ndarray, labels: np.ndarray, k: int) -> np.ndarray:
    """Mean row of each segment 0..k-1 (zeros for an empty one); noise rows left out."""
    keep = labels >= 0
    X, labels = X[keep], labels[keep]
    counts = np.bincount(labels, minlength=k)
    sums = np.stack([np.bincount(labels, weights=col, minlength=k) for col in X.T], axis=1)
    return sums / np.maximum(counts, 1)[:, None]


def within_ss(X: np.ndarray, labels: np.ndarray) -> float:
    """Within-segment sum of squares (k-means' inertia) of a labelling; noise rows left out."""
    keep = labels >= 0
    if not keep.any():
        return 0.0
    centers = _centroids(X, labels, int(labels.max()) + 1)
    return float(((X[keep] - centers[labels[keep]]) ** 2).sum())

"""The algorithm registry: each algorithm declares its parameters once.

The app's widgets and the command line's checks both read :data:`REGISTRY`;
:func:`validate_params` is the one place where parameters are checked (``fit.fit`` is the one
place where they are used).

>>> validate_params("kmeans", {"n_clusters": "4"})
{'n_clusters': 4, 'n_init': 10, 'init': 'k-means++'}
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from ..errors import InvalidParameterError, param_error
from .result import MIN_CUSTOMERS

MAX_SEED = 2**32 - 1
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


# --- parameters ----------------------------------------------------------------------------


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


def check_seed(seed: object) -> None:
    """An error unless ``seed`` is an int in [0, 2**32 - 1]."""
    ok = isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
    if not ok or not 0 <= seed <= MAX_SEED:
        raise param_error("seed", f"an int in the range [0, {MAX_SEED}]", seed)

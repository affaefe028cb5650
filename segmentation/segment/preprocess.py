"""Feature preparation before clustering: impute, log/clip, scale, encode, weight.

The user's choices (a :class:`PrepConfig`) become a scikit-learn ``Pipeline``:

``clean`` (numeric columns to float with inf as missing, text columns to strings)
-> ``columns`` (a ``ColumnTransformer`` with one branch per input column: clip, log1p, impute,
scale for numbers; impute, rare-as-"other", one-hot for text; missing indicators)
-> ``weights`` (multiplies each output column by its input column's weight).

The fitted pipeline is kept with the run (pickled) and re-applied to next month's data with
:func:`transform`: every step is a scikit-learn estimator or a small class of :mod:`.transformers`.

>>> prepared = prepare(frame, default_config(frame))  # doctest: +SKIP
>>> prepared.X.shape, prepared.feature_names[:2]  # doctest: +SKIP
((4339, 9), ['recency_days', 'frequency'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MinMaxScaler,
    OneHotEncoder,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

from ..errors import InvalidParameterError, param_error
from .transformers import (
    ColumnWeights,
    FillMissing,
    FrameCleaner,
    PercentileClip,
    category_name,
    finite_floats,
    log1p_nonnegative,
)

SCALERS = ("standard", "robust", "minmax", "quantile", "none")
IMPUTERS = ("median", "mean", "most_frequent")
_ID_NAMES = ("id", "customer_id", "zip", "zip_code", "postal_code")
_MAX_LISTED = 30  # columns listed in an "unknown column" message


@dataclass(frozen=True)
class PrepConfig:
    """The user's preparation choices; plain data, saved in the run's TOML recipe.

    >>> PrepConfig(features=("recency_days", "monetary"), log=("monetary",)).scaler
    'standard'
    """

    features: tuple[str, ...]
    categorical: tuple[str, ...] = ()
    impute: str = "median"
    missing_indicator: bool = False
    log: tuple[str, ...] = ()
    clip: tuple[float, float] | None = None
    scaler: str = "standard"
    rare_share: float = 0.01
    weights: Mapping[str, float] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        for name in ("features", "categorical", "log"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value))
        if self.clip is not None and not isinstance(self.clip, str):
            object.__setattr__(self, "clip", tuple(self.clip))
        object.__setattr__(self, "weights", dict(self.weights))

    def to_dict(self) -> dict[str, Any]:
        """Plain lists, strings, numbers and a dict; ``clip`` is left out when None (TOML has no null).

        >>> PrepConfig(features=("frequency",)).to_dict()["features"]
        ['frequency']
        """
        out = asdict(self)
        for name in ("features", "categorical", "log"):
            out[name] = list(out[name])
        out["weights"] = {str(k): float(v) for k, v in self.weights.items()}
        if self.clip is None:
            del out["clip"]
        else:
            out["clip"] = [float(v) for v in self.clip]
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> PrepConfig:
        """The inverse of :meth:`to_dict`.

        >>> PrepConfig.from_dict({"features": ["frequency"], "clip": [0.01, 0.99]}).clip
        (0.01, 0.99)
        """
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(d) - known)
        if unknown:
            raise param_error("preprocess", f"a table with keys among {sorted(known)}", unknown[0])
        if "features" not in d:
            raise param_error("preprocess", "a table with a 'features' list", dict(d))
        return cls(**d)


@dataclass
class Prepared:
    """The matrix for clustering and the fitted pipeline that made it."""

    X: np.ndarray
    pipeline: Pipeline
    feature_names: list[str]
    used: list[str]
    notes: list[str]


# -- choosing and checking --------------------------------------------------------------------


def default_config(frame: pd.DataFrame, candidates: Sequence[str] | None = None) -> PrepConfig:
    """The sensible default: usable numeric columns, log for skewed ones, standard scaling.

    Ids, constant and all-missing columns are left out; text columns too (opt-in, as one-hot
    columns often dominate distances).

    >>> default_config(frame, ["recency_days", "monetary"]).log  # doctest: +SKIP
    ('monetary',)
    """
    names = list(frame.columns) if candidates is None else [c for c in candidates if c in frame]
    features = [c for c in names if _is_numeric(frame[c]) and not _is_id(str(c))]
    features = [c for c in features if _unusable(frame[c]) is None]
    if not features:
        raise InvalidParameterError(
            f"No usable numeric feature among {names}: each is missing, constant, an id or text; "
            "build features first or choose other columns."
        )
    return PrepConfig(features=tuple(features), log=suggest_log(frame, features))


def suggest_log(frame: pd.DataFrame, columns: Sequence[str]) -> tuple[str, ...]:
    """The columns worth a log: skewness above 1 and no negative value (inf ignored); not a
    yes/no column (two values, such as 0/1 for "accepted the campaign": a log only relabels it).

    >>> suggest_log(pd.DataFrame({"m": [1, 1, 2, 2, 3, 50], "yes": [0, 0, 0, 0, 0, 1]}), ["m", "yes"])
    ('m',)
    """
    chosen = []
    for name in columns:
        values = pd.Series(finite_floats(frame[name])).dropna()
        largest = values.abs().max() if len(values) else 0.0
        if largest > 0:  # skewness does not change with scale; huge values would overflow it
            values = values / largest
        two_values = values.nunique() <= 2
        if len(values) > 2 and not two_values and values.min() >= 0 and values.skew() > 1:
            chosen.append(name)
    return tuple(chosen)


def check_config(config: PrepConfig, frame: pd.DataFrame) -> PrepConfig:
    """Checks every choice against its rule and the frame; returns the config.

    >>> check_config(PrepConfig(features=("nope",)), frame)  # doctest: +SKIP
    InvalidParameterError: The 'features' parameter must be columns of the data (available: ...
    """
    _check_choices(config)
    _check_columns(config, frame)
    return config


def _check_choices(config: PrepConfig) -> None:
    if config.scaler not in SCALERS:
        raise param_error("scaler", f"one of {SCALERS}", config.scaler)
    if config.impute not in IMPUTERS:
        raise param_error("impute", f"one of {IMPUTERS}", config.impute)
    if not isinstance(config.missing_indicator, bool):
        raise param_error("missing_indicator", "True or False", config.missing_indicator)
    if not _is_number(config.rare_share) or not 0 <= config.rare_share < 1:
        raise param_error("rare_share", "a share in the range [0, 1)", config.rare_share)
    clip = config.clip
    if clip is not None and not (
        len(clip) == 2 and all(map(_is_number, clip)) and 0 <= clip[0] < clip[1] <= 1
    ):
        rule = "None or two percentiles (lo, hi) with 0 <= lo < hi <= 1, e.g. (0.01, 0.99)"
        raise param_error("clip", rule, clip)
    for name, weight in config.weights.items():
        if not _is_number(weight) or not 0 <= weight < np.inf:
            raise param_error("weights", f"finite numbers >= 0 (for {name!r})", weight)


def _check_columns(config: PrepConfig, frame: pd.DataFrame) -> None:
    if not config.features and not config.categorical:
        raise param_error("features", "at least one column name", config.features)
    available = ", ".join(map(repr, list(frame.columns)[:_MAX_LISTED]))
    if len(frame.columns) > _MAX_LISTED:
        available += f", ... ({len(frame.columns)} in all)"
    for param in ("features", "categorical", "log", "weights"):
        for name in getattr(config, param):
            if name not in frame.columns:
                raise param_error(param, f"columns of the data (available: {available})", name)
    chosen = [*config.features, *config.categorical]
    for name in chosen:
        if chosen.count(name) > 1:
            raise param_error(
                "features", "distinct columns, each in 'features' or 'categorical'", name
            )
    for name in config.features:
        if not _is_numeric(frame[name]):
            raise param_error("features", "numeric columns (put text in 'categorical')", name)
    for param, allowed in (("log", config.features), ("weights", chosen)):
        for name in getattr(config, param):
            if name not in allowed:
                raise param_error(param, f"names from {list(allowed)}", name)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.number) and not isinstance(value, bool)


def _is_numeric(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_complex_dtype(column)


def _is_id(name: str) -> bool:
    lowered = name.lower()
    return lowered in _ID_NAMES or lowered.endswith("_id")


def _unusable(column: pd.Series) -> str | None:
    """Why a column cannot help ("all values missing", "constant"), or None."""
    if _is_numeric(column):  # smallest and largest tell it without hashing every value
        values = finite_floats(column)
        if np.isnan(values).all():
            return "all values missing"
        return "constant" if np.nanmin(values) == np.nanmax(values) else None
    distinct = column.nunique(dropna=True)
    if distinct == 0:
        return "all values missing"
    return "constant" if distinct == 1 else None


# -- fitting --------------------------------------------------------------------------------


def prepare(frame: pd.DataFrame, config: PrepConfig) -> Prepared:
    """Check the config, fit the pipeline on ``frame`` and return the matrix for clustering.

    >>> prepared = prepare(frame, PrepConfig(features=("recency_days", "monetary")))  # doctest: +SKIP
    >>> prepared.X.mean(axis=0).round(6)  # doctest: +SKIP
    array([0., 0.])
    """
    check_config(config, frame)
    numeric, categorical, notes = _usable_columns(frame, config)
    branches = _numeric_branches(frame, numeric, config)
    branches += _categorical_branches(categorical, config)
    columns = ColumnTransformer(
        [(name, step, [source]) for name, source, step in branches],
        sparse_threshold=0,
        verbose_feature_names_out=False,
    )
    head = Pipeline(
        [("clean", FrameCleaner(numeric=numeric, categorical=categorical)), ("columns", columns)]
    )
    X = head.fit_transform(frame)
    _check_finite(X, columns, branches, frame)
    weights = ColumnWeights(factors=_factors(columns, branches, config.weights)).fit(X)
    pipeline = Pipeline([*head.steps, ("weights", weights)])
    X = np.ascontiguousarray(weights.transform(X), dtype=np.float64)
    return Prepared(X, pipeline, _feature_names(pipeline), [*numeric, *categorical], notes)


def _check_finite(X: np.ndarray, columns: ColumnTransformer, branches: list, frame) -> None:
    """Refuse a matrix that scaling overflowed (values near the largest double), naming the
    feature: scikit-learn's own error speaks of NaN in a step the user never chose."""
    bad = ~np.isfinite(X).all(axis=0)
    if not bad.any():
        return
    for name, source, _ in branches:
        if bad[columns.output_indices_[name]].any():
            largest = float(np.nanmax(np.abs(finite_floats(frame[source]))))
            raise InvalidParameterError(
                f"Feature {source!r} holds values too large to scale (up to {largest:.3g}); "
                "clip its extremes (clip=[0.01, 0.99]), use the quantile scaler, or leave it out."
            )


def transform(pipeline: Pipeline, frame: pd.DataFrame) -> np.ndarray:
    """Apply a fitted pipeline (from :func:`prepare`) to new data with the same columns.

    >>> transform(prepared.pipeline, next_month).shape  # doctest: +SKIP
    (4512, 9)
    """
    return np.asarray(pipeline.transform(frame), dtype=np.float64)


def _usable_columns(frame: pd.DataFrame, config: PrepConfig) -> tuple[list, list, list[str]]:
    notes, kept = [], set()
    for name in [*config.features, *config.categorical]:
        reason = _unusable(frame[name])
        if reason is None:
            kept.add(name)
        else:
            notes.append(f"Dropped {name!r}: {reason}.")
    if not kept:
        chosen = ", ".join(map(repr, [*config.features, *config.categorical]))
        raise InvalidParameterError(
            f"All chosen features are constant or empty: {chosen}; choose other features."
        )
    numeric = [c for c in config.features if c in kept]
    return numeric, [c for c in config.categorical if c in kept], notes


def _numeric_branches(frame: pd.DataFrame, columns: list[str], config: PrepConfig) -> list:
    branches = []
    for i, name in enumerate(columns):
        steps: list[tuple[str, Any]] = []
        if config.clip is not None:
            steps.append(("clip", PercentileClip(lower=config.clip[0], upper=config.clip[1])))
        if name in config.log:
            steps.append(
                ("log", FunctionTransformer(log1p_nonnegative, feature_names_out="one-to-one"))
            )
        steps.append(("impute", FillMissing(strategy=config.impute)))
        if config.scaler != "none":
            steps.append(("scale", _scaler(config.scaler, len(frame))))
        branches.append((f"num{i}", name, Pipeline(steps)))
        if config.missing_indicator and not np.isfinite(finite_floats(frame[name])).all():
            branches.append((f"missing{i}", name, MissingIndicator(error_on_new=False)))
    return branches


def _categorical_branches(columns: list[str], config: PrepConfig) -> list:
    rare = config.rare_share if config.rare_share > 0 else None
    branches = []
    for i, name in enumerate(columns):
        encoder = OneHotEncoder(
            min_frequency=rare,
            handle_unknown="infrequent_if_exist",
            sparse_output=False,
            feature_name_combiner=category_name,
        )
        steps = [("impute", SimpleImputer(strategy="most_frequent")), ("onehot", encoder)]
        branches.append((f"cat{i}", name, Pipeline(steps)))
    return branches


def _scaler(name: str, n_rows: int) -> BaseEstimator:
    if name == "quantile":
        return QuantileTransformer(n_quantiles=max(1, min(1000, n_rows)))
    return {"standard": StandardScaler, "robust": RobustScaler, "minmax": MinMaxScaler}[name]()


def _factors(columns: ColumnTransformer, branches: list, weights: Mapping[str, float]) -> list:
    factors = []
    for name, source, _ in branches:
        width = columns.output_indices_[name].stop - columns.output_indices_[name].start
        factors += [float(weights.get(source, 1.0))] * width
    return factors


def _feature_names(pipeline: Pipeline) -> list[str]:
    try:
        return [str(n) for n in pipeline.get_feature_names_out()]
    except ValueError:  # names clash without their branch prefix: keep the prefix
        pipeline.named_steps["columns"].set_params(verbose_feature_names_out=True)
        return [str(n) for n in pipeline.get_feature_names_out()]

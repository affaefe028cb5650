"""A run's fitted preparation (:func:`segmentation.segment.preprocess.prepare`) as SQL expressions.

Each output column of the fitted pipeline becomes one SQLGlot expression over the feature
columns, step by step as scikit-learn applies them: percentile clip, ``log1p`` of the value
clipped at 0, missing-value fill, scaling (standard, robust, min-max), missing indicators,
one-hot columns (rare and unseen categories in the ``_other`` column), then the column weights.
Every fitted number is written as a literal that reads back as the same double
(:func:`.dialects.number`), and the operations are those scikit-learn does, in its order, so
the SQL gives the same matrix to the last bits, ``log1p`` aside (written ``LN(1 + x)``: a few
units in the last place).

Quantile scaling has no short SQL form (a 1,000-knot interpolation per column): it is refused
with the reason.

>>> expressions = prepared_columns(pipeline)  # doctest: +SKIP
>>> [name for name, _ in expressions][:2]  # doctest: +SKIP
['recency_days', 'frequency']
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from ..errors import InvalidParameterError
from ..segment.transformers import ColumnWeights, FrameCleaner, PercentileClip
from .dialects import column, number, text

ONE, ZERO = 1.0, 0.0


class NotCompilableError(InvalidParameterError):
    """A fitted step or model that this package cannot write as SQL."""


def prepared_columns(pipeline: object) -> list[tuple[str, exp.Expression]]:
    """``(output name, expression)`` for every column of the fitted preparation, in order.

    The expressions read the feature columns by name (unqualified).
    """
    steps = getattr(pipeline, "named_steps", {})
    cleaner, columns, weights = (steps.get(k) for k in ("clean", "columns", "weights"))
    if not isinstance(cleaner, FrameCleaner) or not isinstance(weights, ColumnWeights):
        raise NotCompilableError(
            f"The run's preparation is not one this version made ({type(pipeline).__name__}); "
            "fit the run again to compile it to SQL."
        )
    names = [str(n) for n in pipeline.get_feature_names_out()]
    numeric = set(cleaner.numeric)
    outputs: list[exp.Expression] = []
    for name, step, sources in columns.transformers_:
        if name == "remainder":
            continue
        source = sources[0]
        value = column(source)
        if source in numeric:
            outputs += _numeric(step, exp.cast(value, exp.DataType.build("DOUBLE")), source)
        else:
            outputs += _categorical(step, value)
    if len(outputs) != len(names):
        raise NotCompilableError(
            f"The preparation gives {len(names)} columns but {len(outputs)} were compiled; "
            "fit the run again to compile it to SQL."
        )
    factors = [float(f) for f in weights.factors]
    weighted = [
        e if f == ONE else _mul(e, number(f)) for e, f in zip(outputs, factors, strict=True)
    ]
    return list(zip(names, weighted, strict=True))


def input_columns(pipeline: object) -> list[str]:
    """The feature columns the preparation reads."""
    cleaner = pipeline.named_steps["clean"]
    return [*cleaner.numeric, *cleaner.categorical]


# -- numeric branches -------------------------------------------------------------------------
def _numeric(step: object, value: exp.Expression, source: str) -> list[exp.Expression]:
    if type(step).__name__ == "MissingIndicator":
        if len(step.features_) == 0:  # no value was missing at fit: the branch is empty
            return []
        return [_if(exp.Is(this=value, expression=exp.Null()), ONE, ZERO)]
    for name, fitted in step.steps:
        value = _NUMERIC_STEPS.get(name, _unknown)(fitted, value, source)
    return [value]


def _clip(step: PercentileClip, value: exp.Expression, _source: str) -> exp.Expression:
    low, high = (float(v) for v in step.bounds_[:, 0])
    return exp.Case(
        ifs=[
            exp.If(this=exp.LT(this=value, expression=number(low)), true=number(low)),
            exp.If(this=exp.GT(this=value, expression=number(high)), true=number(high)),
        ],
        default=value,
    )


def _log(_step: object, value: exp.Expression, _source: str) -> exp.Expression:
    nonnegative = exp.Case(
        ifs=[exp.If(this=exp.LT(this=value, expression=number(ZERO)), true=number(ZERO))],
        default=value,
    )
    return exp.Ln(this=exp.paren(exp.Add(this=number(ONE), expression=nonnegative)))


def _impute(step: object, value: exp.Expression, _source: str) -> exp.Expression:
    return exp.Coalesce(this=value, expressions=[number(float(step.statistics_[0]))])


def _scale(step: object, value: exp.Expression, source: str) -> exp.Expression:
    kind = type(step).__name__
    if kind == "StandardScaler":
        return _div(_sub(value, number(step.mean_[0])), number(step.scale_[0]))
    if kind == "RobustScaler":
        return _div(_sub(value, number(step.center_[0])), number(step.scale_[0]))
    if kind == "MinMaxScaler":
        return _add(_mul(value, number(step.scale_[0])), number(step.min_[0]))
    raise NotCompilableError(
        f"The run scales {source!r} with {kind}, which has no SQL form here (quantile scaling "
        "interpolates between 1,000 fitted knots). Fit the run with the standard, robust or "
        "min-max scaler to run it as SQL."
    )


def _unknown(step: object, _value: exp.Expression, source: str) -> exp.Expression:
    raise NotCompilableError(
        f"The preparation of {source!r} has a step {type(step).__name__} that cannot be "
        "compiled to SQL; fit the run again with this version."
    )


_NUMERIC_STEPS = {"clip": _clip, "log": _log, "impute": _impute, "scale": _scale}


# -- categorical branches ---------------------------------------------------------------------
def _categorical(step: object, value: exp.Expression) -> list[exp.Expression]:
    imputer, encoder = step.named_steps["impute"], step.named_steps["onehot"]
    filled = exp.Coalesce(
        this=exp.cast(value, exp.DataType.build("VARCHAR")),
        expressions=[text(str(imputer.statistics_[0]))],
    )
    categories = [str(c) for c in encoder.categories_[0]]
    rare = getattr(encoder, "infrequent_categories_", [None])[0]
    rare = set() if rare is None else {str(c) for c in rare}
    frequent = [c for c in categories if c not in rare]
    out = [_if(exp.EQ(this=filled, expression=text(c)), ONE, ZERO) for c in frequent]
    if rare:  # rare and unseen categories
        listed = exp.In(this=filled, expressions=[text(c) for c in frequent])
        out.append(_if(listed, ZERO, ONE) if frequent else number(ONE))
    return out


# -- arithmetic with the parentheses SQLGlot does not add itself -------------------------------
def _if(condition: exp.Expression, yes: float, no: float) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=condition, true=number(yes))], default=number(no))


def _add(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Add(this=_wrap(a), expression=_wrap(b)))


def _sub(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Sub(this=_wrap(a), expression=_wrap(b)))


def _mul(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Mul(this=_wrap(a), expression=_wrap(b)))


def _div(a: exp.Expression, b: exp.Expression) -> exp.Expression:
    return exp.paren(exp.Div(this=_wrap(a), expression=_wrap(b)))


def _wrap(e: exp.Expression) -> exp.Expression:
    return e if isinstance(e, exp.Paren | exp.Column | exp.Literal) else exp.paren(e)


def sum_of(terms: Sequence[exp.Expression]) -> exp.Expression:
    """``(t1 + t2 + ...)``, left to right as numpy sums a short row."""
    total = terms[0]
    for term in terms[1:]:
        total = exp.Add(this=total, expression=_wrap(term))
    return exp.paren(total)


add, sub, mul, div = _add, _sub, _mul, _div

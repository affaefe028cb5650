"""A run's fitted model as SQL: from the prepared columns to the index of a segment.

- k-means and Ward: the nearest centroid (squared Euclidean distance), centroids in segment
  order, so the first of equally near ones wins;
- Gaussian mixture: the largest weighted log-density, ``log w_k + log N(x | mu_k, Sigma_k)``
  written with the fitted Cholesky factors of the precisions, as scikit-learn computes it, for
  full, diagonal, tied and spherical covariances;
- RFM rules: each score is a short CASE over thresholds read from the fitted customers' sorted
  values, then the R x FM grid.

HDBSCAN's model is a vote of the 15 nearest of up to 5,000 sampled customers: no SQL engine
does that in one query, so :func:`segment_scores` refuses it and the Spark path runs the stored
model with ``mapInPandas`` instead (:mod:`.spark`).

Each function returns the SELECT list of one step; :mod:`.runsql` chains them as CTEs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from sqlglot import exp

from ..segment.result import NearestCentroidModel, RelabelledModel
from ..segment.rfm import GRID, QUINTILES, SEGMENTS, RfmModel
from .dialects import column, number
from .prepsql import NotCompilableError, mul, sub, sum_of

HDBSCAN_NOTE = (
    "HDBSCAN assigns new customers by a vote of their 15 nearest sampled customers, which SQL "
    "cannot express in one query; `segment scale assign` runs the stored model on Spark with "
    "mapInPandas instead."
)
_NUDGE = 1e-9  # RFM thresholds sit this far (relative above 1) beyond a fitted value


def is_compilable(model: object) -> bool:
    """Whether :func:`segment_scores` can write the model as SQL."""
    return isinstance(model, NearestCentroidModel | RfmModel) or (
        isinstance(model, RelabelledModel)
        and type(model.estimator).__name__ in ("KMeans", "GaussianMixture")
    )


def segment_scores(model: object, width: int) -> tuple[list[exp.Expression], str]:
    """One score per segment index over the prepared columns ``x0 .. x{width-1}``, and
    whether the best is the ``'min'`` (distances) or the ``'max'`` (log-densities)."""
    x = [column(f"x{j}") for j in range(width)]
    if isinstance(model, NearestCentroidModel):
        return _distances(x, np.asarray(model.centers)), "min"
    if isinstance(model, RelabelledModel):
        kind = type(model.estimator).__name__
        order = np.asarray(model.order)
        if kind == "KMeans":
            return _distances(x, model.estimator.cluster_centers_[order]), "min"
        if kind == "GaussianMixture":
            return _log_densities(x, model.estimator, order), "max"
    if type(model).__name__ == "KNeighborsClassifier":
        raise NotCompilableError(HDBSCAN_NOTE)
    raise NotCompilableError(
        f"A model of type {type(model).__name__} cannot be compiled to SQL; runs of k-means, "
        "Gaussian mixture, Ward and RFM rules can."
    )


def best_index(scores: Sequence[str], direction: str) -> exp.Expression:
    """``CASE WHEN s0 = best THEN 0 ...``: the first index whose score is the best."""
    columns = [column(s) for s in scores]
    best = exp.func("LEAST" if direction == "min" else "GREATEST", *columns)
    ifs = [
        exp.If(this=exp.EQ(this=c, expression=best.copy()), true=exp.Literal.number(i))
        for i, c in enumerate(columns[:-1])
    ]
    return exp.Case(ifs=ifs, default=exp.Literal.number(len(columns) - 1))


def _distances(x: list[exp.Expression], centers: np.ndarray) -> list[exp.Expression]:
    out = []
    for center in centers:
        terms = []
        for xj, cj in zip(x, center, strict=True):
            diff = sub(xj, number(cj))
            terms.append(mul(diff, diff.copy()))
        out.append(sum_of(terms))
    return out


def _log_densities(x: list[exp.Expression], gmm: object, order: np.ndarray) -> list:
    """``log w_k - 0.5 * (d log 2 pi + |P_k^T (x - mu_k)|^2) + log det P_k`` per component."""
    kind, d = gmm.covariance_type, len(x)
    chol = np.asarray(gmm.precisions_cholesky_)
    out = []
    for k in order:
        mean = gmm.means_[k]
        if kind in ("full", "tied"):
            p = chol[k] if kind == "full" else chol
            shift = mean @ p
            y = [
                sub(sum_of([mul(x[i], number(p[i, j])) for i in range(d)]), number(shift[j]))
                for j in range(d)
            ]
            log_det = float(np.sum(np.log(np.diag(p))))
        else:
            p = chol[k] if kind == "diag" else np.full(d, chol[k])
            y = [mul(sub(x[j], number(mean[j])), number(p[j])) for j in range(d)]
            log_det = float(np.sum(np.log(p)))
        constant = math.log(gmm.weights_[k]) - 0.5 * d * math.log(2 * math.pi) + log_det
        squares = sum_of([mul(v, v.copy()) for v in y])
        out.append(sub(number(constant), mul(number(0.5), squares)))
    return out


# -- RFM rules ---------------------------------------------------------------------------------
def rfm_scores(model: RfmModel) -> dict[str, exp.Expression]:
    """``{"R": ..., "F": ..., "M": ...}``: each score 1-5 as a CASE over the feature column."""
    out = {}
    for key, letter in (("recency", "R"), ("frequency", "F"), ("monetary", "M")):
        value = exp.cast(column(model.columns[key]), exp.DataType.build("DOUBLE"))
        oriented = exp.Neg(this=exp.paren(value)) if key == "recency" else value
        out[letter] = _score_case(oriented, np.asarray(model.references[key], dtype=np.float64))
    return out


def rfm_segment(r: str, f: str, m: str) -> exp.Expression:
    """The grid's segment index (0-based position in SEGMENTS) from the R, F, M columns."""
    fm = exp.IntDiv(this=exp.paren(exp.Add(this=exp.Add(this=column(f), expression=column(m)),
                                           expression=exp.Literal.number(1))),
                    expression=exp.Literal.number(2))  # fmt: skip
    ifs = []
    for (r_score, fm_score), name in sorted(GRID.items()):
        condition = exp.and_(
            exp.EQ(this=column(r), expression=exp.Literal.number(r_score)),
            exp.EQ(this=fm.copy(), expression=exp.Literal.number(fm_score)),
        )
        ifs.append(exp.If(this=condition, true=exp.Literal.number(SEGMENTS.index(name))))
    return exp.Case(ifs=ifs)


def _score_case(value: exp.Expression, reference: np.ndarray) -> exp.Expression:
    """The quintile score of ``value`` among the sorted ``reference`` as a CASE.

    The score of a value depends only on how many fitted values lie below it and equal it, so
    it is constant on each fitted value and on each gap between two: at most five pieces, each
    ended by ``value < t`` (a gap) or ``value <= t`` (a fitted value). Thresholds move by
    1e-9 (relative above 1) into the neighbouring gap, so a value recomputed by another engine a few
    units in the last place away still scores as its fitted self.
    """
    n = max(len(reference), 1)
    distinct, counts = np.unique(reference, return_counts=True)
    below = np.r_[0, np.cumsum(counts)[:-1]]

    def score(twice_mid_rank: int) -> int:
        return int(min(max(-(-QUINTILES * twice_mid_rank // (2 * n)), 1), QUINTILES))

    pieces: list[tuple[str, float, int]] = []  # (operator, threshold, score), in value order
    for i, (u, c, b) in enumerate(zip(distinct, counts, below, strict=True)):
        gap_low = distinct[i - 1] if i else -math.inf
        gap_high = distinct[i + 1] if i + 1 < len(distinct) else math.inf
        pieces.append(("<", _nudge(u, gap_low), score(2 * int(b))))
        pieces.append(("<=", _nudge(u, gap_high), score(2 * int(b) + int(c))))
    last = score(2 * len(reference))
    ifs = [exp.If(this=exp.Is(this=value, expression=exp.Null()), true=exp.Literal.number(1))]
    for i, (op, threshold, s) in enumerate(pieces):
        following = pieces[i + 1][2] if i + 1 < len(pieces) else last
        if following == s:
            continue  # the next piece scores the same: no boundary here
        compare = exp.LT if op == "<" else exp.LTE
        ifs.append(
            exp.If(
                this=compare(this=value.copy(), expression=number(threshold)),
                true=exp.Literal.number(s),
            )
        )
    return exp.Case(ifs=ifs, default=exp.Literal.number(last))


def _nudge(value: float, toward: float) -> float:
    """``value`` moved by 1e-9 (relative, or absolute below 1: a sum that cancels to 0 may come
    out as 1e-14 elsewhere) toward ``toward``, never more than a quarter of the way there."""
    step = _NUDGE * max(abs(value), 1.0)
    if math.isfinite(toward):
        step = min(step, abs(toward - value) / 4)
    return float(value + step if toward > value else value - step)

"""Diagnostics: choosing the number of segments and judging a segmentation.

Every diagnostic takes the feature matrix ``X`` (and labels, or an algorithm and its parameters)
first, then keyword-only ``seed`` and a sample size, and returns a result whose ``to_frame()`` (or
the frame itself) is what a chart or a table shows. Metrics that compare all pairs of customers
(silhouette) run on a seeded sample, and the result records its size.

- :func:`k_sweep`: inertia, silhouette, Calinski-Harabasz, Davies-Bouldin (and BIC for a
  Gaussian mixture) for each k, the elbow and a recommended k with the reason in words;
- :func:`stability`: how well segments survive refitting on bootstrap samples;
- :func:`compare_labels`: agreement of two runs;
- the measures of one segmentation (``run_metrics``, ``silhouette_by_segment``) are in
  :mod:`segmentation.segment.metrics`.

>>> import numpy as np
>>> from sklearn.datasets import make_blobs
>>> X, _ = make_blobs(400, centers=3, random_state=0)
>>> k_sweep(X, ks=range(2, 7)).recommended_k
3
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from ..errors import InvalidParameterError, param_error
from ..progress import Progress
from .fit import fit, fit_each_k
from .metrics import (
    SILHOUETTE_SAMPLE,
    check_labels,
    check_positive,
    mean_silhouette,
    separation,
)
from .registry import get_algorithm
from .result import MIN_CUSTOMERS, check_matrix, limit_threads, within_ss
from .sampling import random_rows

STABILITY_SAMPLE = 20_000
# Hennig's clusterboot reading of the mean Jaccard similarity of a segment over refits.
UNSTABLE_BELOW = 0.6  # below: the segment dissolves, do not trust it
PATTERN_BELOW = 0.75  # 0.6-0.75: there is a pattern, but which customers belong is doubtful
HIGHLY_STABLE_ABOVE = 0.85  # 0.75-0.85 stable; above: highly stable
ELBOW_MIN_BEND = 0.1  # least bend (in normalised units) for an inertia curve to have an elbow


@dataclass(frozen=True)
class SweepResult:
    """Quality measures per number of segments, and the k recommended from them."""

    algorithm: str
    ks: tuple[int, ...]
    inertia: tuple[float, ...]  # within-segment sum of squares
    silhouette: tuple[float | None, ...]
    calinski_harabasz: tuple[float | None, ...]
    davies_bouldin: tuple[float | None, ...]
    bic: tuple[float | None, ...]  # gmm only
    silhouette_sample_size: int
    elbow_k: int | None
    recommended_k: int
    reason: str

    def to_frame(self) -> pd.DataFrame:
        """One row per k: k, inertia, silhouette, calinski_harabasz, davies_bouldin, bic."""
        columns = ("inertia", "silhouette", "calinski_harabasz", "davies_bouldin", "bic")
        data = {"k": list(self.ks)} | {c: _floats(getattr(self, c)) for c in columns}
        return pd.DataFrame(data)


@dataclass(frozen=True)
class StabilityResult:
    """Bootstrap stability: mean ARI over refits, mean Jaccard per segment, unstable segments."""

    score: float  # mean adjusted Rand index of the refits against the reference
    per_segment: dict[int, float]  # segment -> mean Jaccard of its best-matching refit segment
    unstable: tuple[int, ...]  # segments with per_segment < UNSTABLE_BELOW
    ari_per_run: tuple[float, ...]
    runs: int
    sample_size: int

    def to_frame(self) -> pd.DataFrame:
        """One row per segment: segment, jaccard, verdict (unstable/pattern/stable/highly)."""
        rows = [(s, j, stability_verdict(j)) for s, j in sorted(self.per_segment.items())]
        return pd.DataFrame(rows, columns=["segment", "jaccard", "verdict"])


@dataclass(frozen=True)
class Comparison:
    """How two labellings of the same customers agree."""

    ari: float
    contingency: pd.DataFrame  # customers per (segment of a, segment of b)

    def to_frame(self) -> pd.DataFrame:
        """The contingency table: rows a's segments, columns b's."""
        return self.contingency


def k_sweep(
    X: object,
    algorithm: str = "kmeans",
    ks: Iterable[int] = range(2, 13),
    *,
    params: Mapping[str, object] | None = None,
    seed: int = 0,
    silhouette_sample: int = SILHOUETTE_SAMPLE,
    progress: Progress | None = None,
) -> SweepResult:
    """Fit ``algorithm`` for each k in ``ks`` and measure each segmentation.

    The recommended k: where the inertia curve has an elbow (the point farthest below the chord
    from its first to its last point, normalised), the k with the best silhouette among the ks
    within 1 of the elbow; without an elbow, the k with the best silhouette overall. ``params``
    are the algorithm's other parameters (e.g. ``covariance_type``).
    """
    ks = _check_ks(ks)
    check_positive("silhouette_sample", silhouette_sample, low=2)
    X = check_matrix(X)
    rows = random_rows(len(X), silhouette_sample, seed)
    report = progress or (lambda fraction, message: None)
    measures: dict[str, list] = {m: [] for m in ("inertia", "sil", "ch", "db", "bic")}
    fits = fit_each_k(algorithm, X, ks, params, seed=seed, progress=progress)
    for i, (k, result) in enumerate(fits):
        labels = result.labels
        with limit_threads(len(X)):
            measures["inertia"].append(within_ss(X, labels))
            measures["sil"].append(mean_silhouette(X[rows], labels[rows]))
            ch, db = separation(X, labels)
        measures["ch"].append(ch)
        measures["db"].append(db)
        measures["bic"].append(result.extra.get("bic"))
        silhouette = "n/a" if measures["sil"][-1] is None else f"{measures['sil'][-1]:.2f}"
        report((i + 1) / len(ks), f"k={k}: silhouette {silhouette}")
    elbow = elbow_k(ks, measures["inertia"])
    recommended, reason = _recommend(ks, measures["sil"], elbow)
    if get_algorithm(algorithm).name == "gmm" and any(b is not None for b in measures["bic"]):
        best_bic = ks[int(np.nanargmin(_floats(measures["bic"])))]
        reason += f" The lowest BIC is at k={best_bic}."
    return SweepResult(
        algorithm=get_algorithm(algorithm).name,
        ks=ks,
        inertia=tuple(measures["inertia"]),
        silhouette=tuple(measures["sil"]),
        calinski_harabasz=tuple(measures["ch"]),
        davies_bouldin=tuple(measures["db"]),
        bic=tuple(measures["bic"]),
        silhouette_sample_size=len(rows),
        elbow_k=elbow,
        recommended_k=recommended,
        reason=reason,
    )


def elbow_k(ks: Iterable[int], inertia: Iterable[float]) -> int | None:
    """The k where a decreasing inertia curve bends most, or None when it has no clear bend.

    Both axes are scaled to [0, 1]; the elbow is the point farthest below the chord from the
    first to the last point (the max-distance-to-chord, or Kneedle, rule), provided it lies at
    least ``ELBOW_MIN_BEND`` below it and is not an end point.

    >>> elbow_k([1, 2, 3, 4, 5], [100, 60, 15, 12, 10])
    3
    """
    x, y = np.asarray(list(ks), dtype=float), np.asarray(list(inertia), dtype=float)
    if len(x) < 3 or not np.isfinite(y).all() or y[0] <= y[-1]:
        return None
    x_scaled = (x - x[0]) / (x[-1] - x[0])
    y_scaled = (y - y[-1]) / (y[0] - y[-1])
    bend = (1 - x_scaled) - y_scaled
    best = int(np.argmax(bend))
    if bend[best] < ELBOW_MIN_BEND or best in (0, len(x) - 1):
        return None
    return int(x[best])


def stability(
    X: object,
    algorithm: str,
    params: Mapping[str, object] | None = None,
    *,
    seed: int = 0,
    runs: int = 5,
    sample: int | None = None,
    labels: object | None = None,
    progress: Progress | None = None,
) -> StabilityResult:
    """Refit on ``runs`` bootstrap samples and compare with the reference segments.

    The reference is ``labels`` (a run's segments, one per row of X) or else a fit with ``seed``.
    Each refit (seed + run + 1) is compared on the customers it was fitted on: the adjusted Rand
    index (``score`` is the mean), and for each reference segment the Jaccard similarity of its
    best-matching refit segment (``per_segment`` is the mean over refits). Segments below 0.6 are
    ``unstable`` (Hennig's clusterboot: < 0.6 dissolves, 0.6-0.75 a pattern, > 0.85 highly
    stable). Works on a seeded sample of at most ``sample`` rows (default 20,000).
    """
    spec = get_algorithm(algorithm)
    if not spec.uses_matrix:
        raise InvalidParameterError(
            f"Stability is measured for clustering algorithms, not {spec.name!r}: its rules give "
            "the same segments every time."
        )
    check_positive("runs", runs, low=1, high=100)
    size = STABILITY_SAMPLE if sample is None else sample
    check_positive("sample", size, low=MIN_CUSTOMERS)
    X = check_matrix(X)
    report = progress or (lambda fraction, message: None)
    rows = random_rows(len(X), size, seed)
    X_sample = X[rows]
    if labels is None:
        reference = fit(spec.name, X_sample, params, seed=seed).labels
    else:
        reference = check_labels(labels, len(X))[rows]
    rng = np.random.default_rng(seed)
    aris, jaccards = [], {int(s): [] for s in np.unique(reference[reference >= 0])}
    for run in range(runs):
        report(run / runs, f"Stability: refit {run + 1} of {runs}")
        boot = rng.integers(0, len(X_sample), len(X_sample))
        refit = fit(spec.name, X_sample[boot], params, seed=(seed + run + 1) % 2**32).labels
        fitted_rows, first = np.unique(boot, return_index=True)
        ours, theirs = reference[fitted_rows], refit[first]
        aris.append(float(adjusted_rand_score(ours, theirs)))
        for segment, value in _best_jaccard(ours, theirs).items():
            jaccards[segment].append(value)
    report(1.0, f"Stability: mean ARI {np.mean(aris):.2f} over {runs} refits")
    per_segment = {s: float(np.mean(v)) for s, v in jaccards.items() if v}
    return StabilityResult(
        score=float(np.mean(aris)),
        per_segment=per_segment,
        unstable=tuple(s for s, j in per_segment.items() if j < UNSTABLE_BELOW),
        ari_per_run=tuple(aris),
        runs=runs,
        sample_size=len(rows),
    )


def stability_verdict(jaccard: float) -> str:
    """Hennig's reading of a segment's mean bootstrap Jaccard similarity."""
    if jaccard < UNSTABLE_BELOW:
        return "unstable"
    if jaccard < PATTERN_BELOW:
        return "pattern"
    return "highly stable" if jaccard > HIGHLY_STABLE_ABOVE else "stable"


def compare_labels(a: object, b: object) -> Comparison:
    """Agreement of two labellings of the same customers (e.g. two runs).

    >>> compare_labels([0, 0, 1, 1], [1, 1, 0, 0]).ari
    1.0
    """
    a, b = np.asarray(a).ravel(), np.asarray(b).ravel()
    if len(a) != len(b):
        raise InvalidParameterError(
            "compare_labels needs two labellings of the same customers. "
            f"Got {len(a)} and {len(b)} labels."
        )
    contingency = pd.crosstab(pd.Series(a, name="a"), pd.Series(b, name="b"))
    return Comparison(ari=float(adjusted_rand_score(a, b)), contingency=contingency)


# --- helpers --------------------------------------------------------------------------------


def _recommend(ks: tuple[int, ...], silhouettes: list, elbow: int | None) -> tuple[int, str]:
    scored = [(k, s) for k, s in zip(ks, silhouettes, strict=True) if s is not None]
    if elbow is not None:
        near = [(k, s) for k, s in scored if abs(k - elbow) <= 1]
        if not near:
            return elbow, f"k={elbow}: the elbow of inertia (no silhouette could be computed)."
        k, s = max(near, key=lambda pair: pair[1])  # the first, smaller k on ties
        span = _span([k for k, _ in near])
        if k == elbow:
            return k, f"k={k}: the elbow of inertia and the best silhouette ({s:.2f}) among {span}."
        return k, (
            f"k={k}: the best silhouette ({s:.2f}) among {span}, next to the elbow of inertia "
            f"at k={elbow}."
        )
    if scored:
        k, s = max(scored, key=lambda pair: pair[1])
        return k, (
            f"k={k}: the best silhouette ({s:.2f}) of {_span(ks)}; the inertia curve has no "
            "clear elbow."
        )
    return ks[0], f"k={ks[0]}: the smallest k tried; neither an elbow nor a silhouette was found."


def _span(ks: list[int] | tuple[int, ...]) -> str:
    return f"k={ks[0]}" if len(ks) == 1 else f"k={ks[0]}..{ks[-1]}"


def _best_jaccard(ours: np.ndarray, theirs: np.ndarray) -> dict[int, float]:
    """For each segment of ``ours`` (noise left out), the best Jaccard with a segment of theirs."""
    a_ids, a = np.unique(ours, return_inverse=True)
    b_ids, b = np.unique(theirs, return_inverse=True)
    both = np.zeros((len(a_ids), len(b_ids)))
    np.add.at(both, (a, b), 1)
    union = both.sum(axis=1)[:, None] + both.sum(axis=0)[None, :] - both
    jaccard = np.where(union > 0, both / np.maximum(union, 1), 0.0)[:, b_ids >= 0]
    best = jaccard.max(axis=1) if jaccard.shape[1] else np.zeros(len(a_ids))
    return {int(s): float(j) for s, j in zip(a_ids, best, strict=True) if s >= 0}


def _floats(values: Iterable[float | None]) -> list[float]:
    return [np.nan if v is None else float(v) for v in values]


def _check_ks(ks: Iterable[int]) -> tuple[int, ...]:
    rule = "a non-empty list of ints of at least 2 (e.g. range(2, 13))"
    try:
        values = list(ks)
    except TypeError as e:
        raise param_error("ks", rule, ks) from e
    ok = values and all(
        isinstance(k, int | np.integer) and not isinstance(k, bool) and k >= 2 for k in values
    )
    if not ok:
        raise param_error("ks", rule, values)
    return tuple(sorted({int(k) for k in values}))

"""Leave-last-order-out evaluation of a method against the two popularity baselines.

Protocol: every customer with at least two orders has their last order held out (latest date,
then highest order id); the targets are the products of that order the customer had not bought
before, and customers without such a product are left out. Each method learns from everything
else, recommends ``k`` products per evaluated customer (excluding those already bought) and is
scored with hit rate (at least one target among the ``k``), precision (targets / k), recall
(targets found / targets) and MAP (mean average precision, over min(targets, k)), all at ``k``.
Customers a method cannot serve (too little history) get their segment's top products, exactly
as when recommending. Deterministic: ALS is seeded, everything else has no randomness.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from .matrix import Interactions
from .methods import make_method
from .pick import recommend_rows

K = 10
BASELINES = {"popular": "popular", "segment_popular": "segment-popular"}


@dataclass(frozen=True)
class Scores:
    """One method's figures at ``k`` over the evaluated customers."""

    method: str
    hit_rate: float
    precision: float
    recall: float
    map: float
    seconds: float = 0.0


@dataclass(frozen=True)
class Evaluation:
    """The chosen method's scores, the baselines' and whether the method beat them."""

    customers: int
    k: int
    method: Scores
    baselines: dict[str, Scores] = field(default_factory=dict)

    @property
    def beats_popularity(self) -> bool:
        """True when the method's MAP is above every baseline's."""
        return all(self.method.map > b.map for b in self.baselines.values())

    def to_dict(self) -> dict[str, Any]:
        """The CLI's ``evaluation`` object."""

        def figures(s: Scores) -> dict[str, float]:
            d = asdict(s)
            return {key: d[key] for key in ("hit_rate", "precision", "recall", "map")}

        return {
            "customers": self.customers,
            "k": self.k,
            **figures(self.method),
            "beats_popularity": self.beats_popularity,
            "baselines": {name: figures(s) for name, s in self.baselines.items()},
        }

    def table(self):
        """One row per method (the page's table): method, hit_rate, precision, recall, map."""
        import pandas as pd

        rows = [self.method, *self.baselines.values()]
        return pd.DataFrame([asdict(s) for s in rows]).drop(columns="seconds")


def evaluation_table(evaluation: dict[str, Any], method: str):
    """The stored evaluation (:meth:`Evaluation.to_dict`) as one row per method: ``method,
    hit_rate, precision, recall, map`` (the chosen method first, then the baselines)."""
    import pandas as pd

    keys = ["hit_rate", "precision", "recall", "map"]
    rows = [{"method": method, **{k: evaluation[k] for k in keys}}]
    for name, figures in evaluation["baselines"].items():
        rows.append({"method": BASELINES.get(name, name), **{k: figures[k] for k in keys}})
    return pd.DataFrame(rows)


def score(recommended: np.ndarray, targets: sp.csr_matrix, method: str, seconds=0.0) -> Scores:
    """Metrics of ``recommended`` (rows x k product columns, -1 for none) against ``targets``.

    >>> t = sp.csr_matrix(np.array([[1, 0, 1], [0, 1, 0]]))
    >>> s = score(np.array([[2, 1], [0, -1]]), t, "demo")
    >>> (s.hit_rate, s.precision, s.recall, round(s.map, 3))
    (0.5, 0.25, 0.25, 0.25)
    """
    rows, k = recommended.shape
    if rows == 0:
        return Scores(method, 0.0, 0.0, 0.0, 0.0, seconds)
    owner = np.repeat(np.arange(rows), k)
    items = recommended.ravel()
    hits = np.zeros(len(items), dtype=bool)
    valid = items >= 0
    found_at = targets[owner[valid], items[valid]]  # a matrix, or sparse for a single cell
    found_at = found_at.toarray() if sp.issparse(found_at) else np.asarray(found_at)
    hits[valid] = found_at.ravel() > 0
    hits = hits.reshape(rows, k)
    n_targets = np.diff(targets.indptr).astype(np.float64)
    found = hits.sum(axis=1)
    precision_at = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    ap = (precision_at * hits).sum(axis=1) / np.minimum(n_targets, k)
    return Scores(
        method,
        float((found > 0).mean()),
        float((found / k).mean()),
        float((found / n_targets).mean()),
        float(ap.mean()),
        seconds,
    )


def evaluate(
    data: Interactions,
    method: str,
    *,
    k: int = K,
    seed: int = 0,
    min_products: int = 2,
    report=None,
) -> Evaluation:
    """Leave-last-order-out scores of ``method`` and of both baselines (see the module doc)."""
    rows = data.evaluated()
    targets = data.targets[rows]
    results = {}
    names = [method, *[m for m in BASELINES.values() if m != method]]
    for step, name in enumerate(names):
        started = time.perf_counter()
        model = make_method(name, seed=seed).fit(data.train, data.segments)
        fallback = make_method("segment-popular").fit(data.train, data.segments)
        picked = recommend_rows(
            model, fallback, rows, data.train, k,
            exclude_bought=True, min_products=min_products, explain=False,
        )  # fmt: skip
        results[name] = score(picked.items, targets, name, time.perf_counter() - started)
        if report is not None:
            report((step + 1) / len(names))
    baselines = {key: results[m] for key, m in BASELINES.items()}
    return Evaluation(len(rows), k, results[method], baselines)

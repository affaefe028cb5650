"""The steps of :func:`~segmentation.segment.runs.run_segmentation`, along its seams.

Prepare the matrix (or RFM's columns), fit the algorithm or assign with a stored model, then
make the :class:`~segmentation.segment.store.Run` with its metrics, names and recipe; ``runs``
stores it. A :class:`Fitted` carries what the steps hand each other.

>>> import numpy as np
>>> fitted = Fitted(None, None, np.zeros((3, 1)), {"n_clusters": 2})
>>> fitted.notes, fitted.sample_size
([], None)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .inputs import default_prep, run_recipe
from .store import UNASSIGNED, Run, Segment, next_run_id

if TYPE_CHECKING:
    from .preprocess import PrepConfig


@dataclass
class Fitted:
    """What a run is made of before it is stored."""

    config: PrepConfig | None
    pipeline: Any
    X: np.ndarray | None  # the prepared matrix (None for rfm)
    checked: dict[str, Any]
    model: Any = None
    labels: np.ndarray | None = None
    probabilities: np.ndarray | None = None
    sample_size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def prepare_matrix(frame, spec, params, prep, features, model, report) -> tuple[Fitted, Any]:
    """The prepared matrix and checked parameters (the stored pipeline when ``model`` is given)."""
    from .preprocess import check_config, prepare, transform
    from .registry import validate_params

    config = check_config(prep or default_prep(frame, features), frame)
    report(0.1, "Preparing features")
    if model is None:
        prepared = prepare(frame, config)
        X, pipeline, notes = prepared.X, prepared.pipeline, list(prepared.notes)
    else:
        pipeline = model[0]
        X, notes = transform(pipeline, frame), []
    distinct = _distinct_rows(X, params, spec)
    checked = validate_params(spec.name, params, len(X), distinct)
    return Fitted(config, pipeline, X, checked, notes=notes), X


def fit_run(fitted_run: Fitted, algorithm: str, fit_input: Any, seed: int, report) -> None:
    """Fit the algorithm and keep its model, labels and notes in ``fitted_run``."""
    from .fit import fit

    result = fit(algorithm, fit_input, fitted_run.checked, seed=seed, progress=report)
    fitted_run.model, fitted_run.labels = result.model, result.labels
    fitted_run.probabilities, fitted_run.sample_size = result.probabilities, result.sample_size
    fitted_run.extra = result.extra
    fitted_run.notes += result.notes


def assign_run(fitted_run: Fitted, model: Any, fit_input: Any) -> None:
    """Give every customer a segment with an earlier run's fitted model (no refit)."""
    from .fit import assign

    fitted_run.model, fitted_run.labels = model, assign(model, fit_input)
    fitted_run.notes.append("Segments assigned with the fitted model of the earlier run.")


def new_run(ws, table, algorithm, fitted_run: Fitted, seed, name, features) -> tuple[Run, Any]:
    """The run (not yet stored, its metrics to come: ``metrics.measuring``) and every
    customer's segment id."""
    labels, checked = fitted_run.labels, fitted_run.checked
    segment_ids = labels.astype(np.int64) + 1
    names = _segment_names(fitted_run.extra, segment_ids)
    counts = pd.Series(segment_ids).value_counts()
    segments = [Segment(int(s), names[int(s)], int(counts[s])) for s in sorted(counts.index)]
    run = Run(
        next_run_id(ws),
        name or _default_name(algorithm, checked, table),
        datetime.now(),
        table,
        algorithm,
        checked,
        seed,
        len(segment_ids),
        segments,
        {},
        fitted_run.notes,
        run_recipe(ws, table, algorithm, checked, seed, fitted_run.config, features),
        fitted_run.sample_size,
        {k: v for k, v in fitted_run.extra.items() if k in ("inertia", "bic", "n_iter")},
    )
    return run, segment_ids


def _distinct_rows(X: np.ndarray, params, spec) -> int | None:
    """Distinct rows, counted only where it matters (small data) since it sorts the matrix."""
    if len(X) > 200_000:
        return None
    return int(np.unique(np.round(X, 12), axis=0).shape[0])


def _segment_names(extra: dict, ids: np.ndarray) -> dict[int, str]:
    """Names by segment id: the algorithm's own (rfm's, by label = id - 1), else "Segment 3"."""
    named = extra.get("names") or {}
    out = {}
    for sid in np.unique(ids):
        sid = int(sid)
        out[sid] = UNASSIGNED if sid == 0 else named.get(sid - 1, f"Segment {sid}")
    return out


def _default_name(algorithm: str, params: dict, table: str) -> str:
    k = params.get("n_clusters") or params.get("n_components")
    return f"{algorithm}{f' k={k}' if k else ''} on {table}"

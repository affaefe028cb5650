"""The matrix a projection uses: a run's fitted preparation applied to its customers.

RFM runs have no preparation: standardized ``log1p`` of recency, frequency and monetary.

>>> prepared_features(ws, "r1").X.shape  # doctest: +SKIP
(4339, 8)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..segment import runs
from ..segment.preprocess import transform
from ..segment.runs import Run, get_run
from ..workspace import META, Workspace, quote_ident


@dataclass(frozen=True)
class PreparedFeatures:
    """A run's prepared matrix with its customer ids and segment ids, rows in table order."""

    customer_ids: np.ndarray
    X: np.ndarray
    segment_ids: np.ndarray
    feature_names: list[str]


def prepared_features(ws: Workspace, run_id: str) -> PreparedFeatures:
    """The matrix a projection uses: the run's fitted preparation applied to its customers.

    RFM runs have no preparation: standardized ``log1p`` of recency, frequency and monetary.
    The customer table is read joined to the run's assignments in DuckDB (one pass, no
    re-indexing in pandas); a table that no longer matches the run is refused.
    """
    run = get_run(ws, run_id)
    frame, ids, segment_ids = _run_frame(ws, run)
    pipeline = runs.fitted(ws, run_id)["pipeline"]
    if pipeline is None:
        X, names = _rfm_matrix(frame, run)
    else:
        X = transform(pipeline, frame)
        names = _feature_names(pipeline, X.shape[1])
    X = np.nan_to_num(np.asarray(X, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return PreparedFeatures(ids, X, segment_ids, names)


def _run_frame(ws: Workspace, run: Run) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The run's customer table (its columns, as the preparation saw them), customer ids and
    segment ids, in one DuckDB join of the table to the run's assignments."""
    id_column = customer_id_column(ws, run)
    id_sql = f"CAST(f.{quote_ident(id_column)} AS VARCHAR)"
    with ws.reading() as cur:
        result = cur.execute(
            f"SELECT {id_sql} AS __customer_id, a.segment_id AS __segment_id, "
            f"f.* EXCLUDE ({quote_ident(id_column)}) "
            f"FROM {META}.assignments a JOIN {quote_ident(run.table)} f "
            f"ON a.customer_id = {id_sql} WHERE a.run_id = ?",
            [run.run_id],
        ).fetchnumpy()
    ids = np.asarray(result.pop("__customer_id"), dtype=object)
    segment_ids = np.asarray(result.pop("__segment_id"), dtype=np.int64)
    if len(ids) != run.customers:  # customers gone, or ids repeated, since the run
        raise InvalidParameterError(
            f"Table {run.table!r} no longer holds the {run.customers:,} customers of run "
            f"{run.run_id} (it was changed after the run). Run the segmentation again to explore "
            "it."
        )
    frame = pd.DataFrame({name: _filled(values) for name, values in result.items()})
    frame["customer_id"] = ids
    return frame, ids, segment_ids


def _filled(values: np.ndarray) -> np.ndarray:
    """A fetched column with SQL NULLs as NaN (numbers), NaT (times) or None (the rest)."""
    if not isinstance(values, np.ma.MaskedArray):
        return values
    if values.dtype.kind in "iuf":
        return np.ma.filled(values.astype(np.float64), np.nan)
    if values.dtype.kind in "mM":
        return np.ma.filled(values, np.datetime64("NaT"))
    return np.ma.filled(values.astype(object), None)


def _rfm_matrix(frame: pd.DataFrame, run: Run) -> tuple[np.ndarray, list[str]]:
    chosen = (run.recipe.get("features") or {}).get("features")
    lower = {c.lower(): c for c in frame.columns}
    names = list(chosen) if chosen else [lower.get(c) for c in runs.RFM_COLUMNS]
    if len(names) != 3 or any(n is None or n not in frame.columns for n in names):
        raise InvalidParameterError(
            f"Run {run.run_id} is an RFM run but its table {run.table!r} lacks recency, "
            "frequency and monetary columns; rebuild the features and run it again."
        )
    values = frame[names].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    logged = np.log1p(np.clip(np.nan_to_num(values, nan=0.0), 0, None))
    spread = logged.std(axis=0)
    scaled = (logged - logged.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return scaled, [str(n) for n in names]


def _feature_names(pipeline: Any, width: int) -> list[str]:
    try:
        names = [str(n) for n in pipeline.get_feature_names_out()]
    except (AttributeError, ValueError):
        names = []
    return names if len(names) == width else [f"feature {i + 1}" for i in range(width)]


def customer_id_column(ws: Workspace, run: Run) -> str:
    """The customer id column of the run's table, or an error that says where to set it."""
    id_column = ws.table(run.table).roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {run.table!r} has no customer_id role; set one on the Data page."
        )
    return id_column

"""The workspace cache of projections: ``_seg.projections`` and ``_seg.projection_points``.

Coordinates are keyed by the run (and its creation time: run ids can be reused) and the
parameters' key, so a second call reads them back instead of refitting. They are written in one
short transaction; rows of deleted or replaced runs go at the same time.

>>> stored_header(ws, run, check_params("pca")) is not None  # doctest: +SKIP
True
"""

from __future__ import annotations

import json
import time
from datetime import datetime

import numpy as np
import pandas as pd

from ..segment.runs import Run
from ..workspace import META, Workspace
from .params import ProjectionParams
from .result import AXES, Projection, named

_DDL = f"""
CREATE TABLE IF NOT EXISTS {META}.projections (
    run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, run_created_at TIMESTAMP NOT NULL,
    method VARCHAR NOT NULL, dims INTEGER NOT NULL, params VARCHAR NOT NULL,
    points BIGINT NOT NULL, customers BIGINT NOT NULL, explained_variance VARCHAR,
    loadings VARCHAR, fit_seconds DOUBLE NOT NULL, created_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.projection_points (
    run_id VARCHAR NOT NULL, key VARCHAR NOT NULL, customer_id VARCHAR NOT NULL,
    segment_id INTEGER NOT NULL, x FLOAT NOT NULL, y FLOAT NOT NULL, z FLOAT
);
"""


def stored_header(ws: Workspace, run: Run, params: ProjectionParams) -> tuple | None:
    """``(run_created_at, explained_variance, loadings, fit_seconds)`` of the stored projection
    of this run with these parameters, or None when there is none for this run."""
    ws.ensure_schema(_DDL)
    rows = ws.query(
        f"SELECT run_created_at, explained_variance, loadings, fit_seconds FROM {META}.projections "
        "WHERE run_id = ? AND key = ?",
        [run.run_id, params.key],
    )
    if not rows or rows[0][0] != run.created_at:
        return None  # none, or made for an earlier run that had the same id
    return rows[0]


def load_projection(
    ws: Workspace, run: Run, params: ProjectionParams, start: float
) -> Projection | None:
    """The stored projection, or None; ``start`` is when the call began (for ``seconds``)."""
    header = stored_header(ws, run, params)
    if header is None:
        return None
    _, variance, loadings, fit_seconds = header
    axes = ", ".join(AXES[: params.dims])
    points = ws.query_df(
        f"SELECT customer_id, segment_id, {axes} FROM {META}.projection_points "
        "WHERE run_id = ? AND key = ?",
        [run.run_id, params.key],
    )
    return Projection(
        run.run_id,
        params,
        named(points, run),
        run.customers,
        tuple(json.loads(variance)) if variance else None,
        _loadings_from_json(loadings) if loadings else None,
        float(fit_seconds),
        time.perf_counter() - start,
        True,
    )


def _loadings_to_json(loadings: pd.DataFrame) -> str:
    return json.dumps({"features": list(loadings.index), "weights": loadings.to_numpy().tolist()})


def _loadings_from_json(text: str) -> pd.DataFrame:
    data = json.loads(text)
    weights = np.asarray(data["weights"], dtype=np.float64)
    columns = [f"PC{i + 1}" for i in range(weights.shape[1])]
    return pd.DataFrame(weights, index=data["features"], columns=columns)


def store_projection(
    ws: Workspace, run: Run, params: ProjectionParams, points, variance, loadings, seconds
) -> None:
    """Replace the stored coordinates of this run and key (one transaction)."""
    ws.ensure_schema(_DDL)
    columns = ", ".join(["customer_id", "segment_id", *AXES[: params.dims]])
    orphan = f"run_id NOT IN (SELECT run_id FROM {META}.runs)"
    with ws.transaction() as cur:  # drop this key's rows, and those of deleted or replaced runs
        cur.execute(
            f"DELETE FROM {META}.projection_points WHERE {orphan} OR (run_id = ? AND (key = ? "
            f"OR key NOT IN (SELECT key FROM {META}.projections WHERE run_id = ? "
            "AND run_created_at = ?)))",
            [run.run_id, params.key, run.run_id, run.created_at],
        ).fetchall()
        cur.execute(
            f"DELETE FROM {META}.projections WHERE {orphan} OR (run_id = ? AND (key = ? "
            "OR run_created_at <> ?))",
            [run.run_id, params.key, run.created_at],
        ).fetchall()
        cur.execute(
            f"INSERT INTO {META}.projections VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run.run_id,
                params.key,
                run.created_at,
                params.method,
                params.dims,
                json.dumps(params.to_dict()),
                len(points),
                run.customers,
                json.dumps(list(variance)) if variance is not None else None,
                _loadings_to_json(loadings) if loadings is not None else None,
                float(seconds),
                datetime.now(),
            ],
        ).fetchall()
        cur.register("__projection_points", points)
        try:
            cur.execute(
                f"INSERT INTO {META}.projection_points (run_id, key, {columns}) "
                f"SELECT ?, ?, {columns} FROM __projection_points",
                [run.run_id, params.key],
            ).fetchall()
        finally:
            cur.unregister("__projection_points")

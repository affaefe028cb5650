"""Segmentation runs: fit an algorithm on a customer table, store everything, list and reuse it.

A run keeps its recipe (source table, how its features were built, the preparation choices,
the algorithm, its parameters and seed), the fitted preparation pipeline and model, the segment
of every customer, and its metrics, in the workspace. Segment ids start at 1; customers an
algorithm leaves as noise (HDBSCAN) are segment 0, "Unassigned".

>>> run = run_segmentation(ws, "orders_features", algorithm="kmeans", params={"n_clusters": 5})  # doctest: +SKIP
>>> [(s.segment_id, s.name, s.size) for s in run.segments][:2]  # doctest: +SKIP
[(1, 'Segment 1', 1204), (2, 'Segment 2', 977)]
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, TableNotFoundError
from ..progress import Progress, reporter, substep
from ..workspace import META, Workspace
from .inputs import RFM_COLUMNS, customer_frame, default_prep, rfm_input
from .steps import Fitted, assign_run, fit_run, new_run, prepare_matrix
from .store import (
    RUN_COLUMNS,
    UNASSIGNED,
    Run,
    Segment,
    duplicate_name,
    model_blob,
    read_model,
    run_from_row,
    segments_by_run,
    store_run,
)

if TYPE_CHECKING:  # scikit-learn is imported by the functions that fit, not by reading runs
    from .diagnostics import Comparison, SweepResult
    from .preprocess import PrepConfig

# Names a stored run's segments and returns the run as stored: profiles.naming.name_segments.
# segment/ sits below profiles/, so the public entry points (the CLI, the Segment page, recipe
# runs) pass it in; a run made without one keeps "Segment N" until it is profiled.
Namer = Callable[[Workspace, str], Run]


__all__ = [  # what importers read from here (Run, Segment and the inputs live in store/inputs)
    "RFM_COLUMNS",
    "UNASSIGNED",
    "Namer",
    "Run",
    "Segment",
    "assignments",
    "compare_runs",
    "customer_frame",
    "default_prep",
    "delete_run",
    "fitted",
    "get_run",
    "linkage",
    "list_runs",
    "prepared_matrix",
    "rename_run",
    "rename_segment",
    "run_segmentation",
    "set_segment_names",
    "silhouette",
    "stability",
    "sweep",
]


# -- running --------------------------------------------------------------------------------
def run_segmentation(
    ws: Workspace,
    table: str,
    *,
    algorithm: str = "kmeans",
    params: Mapping[str, Any] | None = None,
    prep: PrepConfig | None = None,
    features: Sequence[str] | None = None,
    seed: int = 0,
    name: str | None = None,
    progress: Progress | None = None,
    namer: Namer | None = None,
    _model: tuple[Any, Any] | None = None,
) -> Run:
    """Segment every customer of a feature (or customer) table and store the run.

    ``prep`` (or just ``features``) chooses the preparation; by default the behavioural
    features with log + standard scaling. Nothing is stored when a parameter is wrong.
    ``namer`` (``profiles.naming.name_segments``) names the segments once the run is stored,
    so every page, export and the CLI show the same names from the start.
    """
    from . import registry
    from .metrics import measuring

    report = reporter(progress)
    spec = registry.get_algorithm(algorithm)
    report(0.02, f"Reading {table}")
    frame = customer_frame(ws, table)
    if spec.uses_matrix:
        fitted_run, fit_input = prepare_matrix(frame, spec, params, prep, features, _model, report)
    else:
        checked = registry.validate_params(algorithm, params, len(frame))
        fitted_run, fit_input = Fitted(None, None, None, checked), rfm_input(frame, features)
    if _model is None:
        report(0.2, f"Fitting {spec.label}")
        fit_run(fitted_run, spec.name, fit_input, seed, substep(report, 0.2, 0.6))
    else:
        assign_run(fitted_run, _model[1], fit_input)
    report(0.85, "Measuring the segments")
    with measuring(fitted_run.X, fitted_run.labels, seed=seed) as metrics:  # beside the store
        run, segment_ids = new_run(ws, table, spec.name, fitted_run, seed, name, features)
        report(0.92, "Saving the run")
        config, extra = fitted_run.config, fitted_run.extra
        blob = model_blob(
            fitted_run.pipeline, fitted_run.model, config and config.to_dict(), extra.get("linkage")
        )
        ids, probabilities = frame["customer_id"], fitted_run.probabilities
        run = store_run(ws, run, ids, segment_ids, probabilities, blob, metrics)
    if namer is not None:
        report(0.96, "Naming the segments")
        run = namer(ws, run.run_id)
    report(1.0, f"Run {run.run_id}: {len(run.segments)} segments")
    return run


# -- reading runs ---------------------------------------------------------------------------
def list_runs(ws: Workspace) -> list[Run]:
    """Every run, oldest first."""
    rows = ws.query(f"SELECT {RUN_COLUMNS} FROM {META}.runs ORDER BY seq")
    segments = segments_by_run(ws)
    return [run_from_row(row, segments.get(row[0], [])) for row in rows]


def get_run(ws: Workspace, run_id: str) -> Run:
    """One run by id, or an error listing the runs there are."""
    rows = ws.query(f"SELECT {RUN_COLUMNS} FROM {META}.runs WHERE run_id = ?", [run_id])
    if not rows:
        known = ", ".join(r[0] for r in ws.query(f"SELECT run_id FROM {META}.runs ORDER BY seq"))
        raise TableNotFoundError(
            f"There is no run {run_id!r} in the workspace (runs: {known or 'none yet'}). "
            "List them with `segment runs`."
        )
    return run_from_row(rows[0], segments_by_run(ws, run_id).get(run_id, []))


def assignments(ws: Workspace, run_id: str) -> pd.DataFrame:
    """``customer_id, segment_id, segment, probability`` for every customer of a run."""
    get_run(ws, run_id)
    return ws.query_df(
        f"SELECT a.customer_id, a.segment_id, s.name AS segment, a.probability "
        f"FROM {META}.assignments a JOIN {META}.segments s "
        "ON a.run_id = s.run_id AND a.segment_id = s.segment_id "
        "WHERE a.run_id = ? ORDER BY a.segment_id, a.customer_id",
        [run_id],
    )


def fitted(ws: Workspace, run_id: str) -> dict[str, Any]:
    """The fitted pipeline and model of a run (pickled in the workspace by this tool)."""
    get_run(ws, run_id)
    return read_model(ws, run_id)


def prepared_matrix(ws: Workspace, run_id: str) -> tuple[np.ndarray, np.ndarray]:
    """The run's prepared feature matrix and segment ids, rows in the same order."""
    from .preprocess import transform

    run = get_run(ws, run_id)
    frame = customer_frame(ws, run.table)
    pipeline = fitted(ws, run_id)["pipeline"]
    if pipeline is None:
        X = rfm_input(frame, run.recipe.get("features", {}).get("features")).to_numpy(float)
    else:
        X = transform(pipeline, frame)
    ids = ws.query_df(
        f"SELECT customer_id, segment_id FROM {META}.assignments WHERE run_id = ?", [run_id]
    ).set_index("customer_id")["segment_id"]
    return X, ids.reindex(frame["customer_id"]).to_numpy()


# -- managing runs --------------------------------------------------------------------------
def rename_run(ws: Workspace, run_id: str, name: str) -> Run:
    """Give a run a new display name."""
    get_run(ws, run_id)
    if not name or not name.strip():
        raise InvalidParameterError("A run's name cannot be empty.")
    with ws.transaction() as cur:
        cur.execute(
            f"UPDATE {META}.runs SET name = ? WHERE run_id = ?", [name.strip(), run_id]
        ).fetchall()
    return get_run(ws, run_id)


def delete_run(ws: Workspace, run_id: str) -> None:
    """Delete a run, its assignments and its segments."""
    get_run(ws, run_id)
    with ws.transaction() as cur:
        for table in ("assignments", "segments", "runs"):
            cur.execute(f"DELETE FROM {META}.{table} WHERE run_id = ?", [run_id]).fetchall()


def rename_segment(ws: Workspace, run_id: str, segment_id: int, name: str) -> Run:
    """Rename one segment of a run; names are unique within a run."""
    run = get_run(ws, run_id)
    ids = {s.segment_id for s in run.segments}
    if segment_id not in ids:
        raise InvalidParameterError(
            f"Run {run_id} has no segment {segment_id!r}; its segments are "
            f"{', '.join(map(str, sorted(ids)))}."
        )
    name = (name or "").strip()
    if not name:
        raise InvalidParameterError("A segment's name cannot be empty.")
    others = {s.segment_id: s.name for s in run.segments if s.segment_id != segment_id}
    clash = duplicate_name({**others, segment_id: name})
    if clash is not None:
        other = clash[0] if clash[1] == segment_id else clash[1]
        raise InvalidParameterError(
            f"Segment {other} of run {run_id} is already called {others[other]!r}; "
            "names must be unique within a run."
        )
    with ws.transaction() as cur:
        cur.execute(
            f"UPDATE {META}.segments SET name = ? WHERE run_id = ? AND segment_id = ?",
            [name, run_id, segment_id],
        ).fetchall()
    return get_run(ws, run_id)


# -- diagnostics on stored data ---------------------------------------------------------------
def sweep(
    ws: Workspace,
    table: str,
    *,
    algorithm: str = "kmeans",
    ks: Sequence[int] = range(2, 13),
    prep: PrepConfig | None = None,
    features: Sequence[str] | None = None,
    seed: int = 0,
    progress: Progress | None = None,
) -> SweepResult:
    """A k-sweep over the prepared features of a customer table (nothing is stored)."""
    from .diagnostics import k_sweep
    from .preprocess import check_config, prepare

    frame = customer_frame(ws, table)
    X = prepare(frame, check_config(prep or default_prep(frame, features), frame)).X
    ks = list(ks)
    if not ks or min(ks) < 2 or max(ks) >= len(X):
        raise InvalidParameterError(
            f"The 'k' parameter must be a range within [2, {len(X) - 1}]. Got "
            f"{ks[0] if ks else '?'}-{ks[-1] if ks else '?'} instead."
        )
    return k_sweep(X, algorithm, ks, seed=seed, progress=progress)


def stability(ws: Workspace, run_id: str, *, runs: int = 5, progress: Progress | None = None):
    """Refit the run on bootstrap samples: mean ARI and per-segment Jaccard (by segment id);
    the score and the unstable segments are stored with the run's metrics."""
    from . import diagnostics
    from .registry import get_algorithm

    run = get_run(ws, run_id)
    if not get_algorithm(run.algorithm).uses_matrix:
        raise InvalidParameterError(
            "RFM rules are deterministic: stability applies to "
            "clustering runs (kmeans, gmm, ward, hdbscan)."
        )
    X, ids = prepared_matrix(ws, run_id)
    result = diagnostics.stability(
        X, run.algorithm, run.params, seed=run.seed, runs=runs, labels=ids - 1, progress=progress
    )
    result = replace(  # in the run's segment ids (labels are ids - 1)
        result,
        per_segment={int(s) + 1: j for s, j in result.per_segment.items()},
        unstable=tuple(int(s) + 1 for s in result.unstable),
    )
    metrics = dict(run.metrics, stability=result.score, unstable_segments=list(result.unstable))
    with ws.transaction() as cur:
        cur.execute(
            f"UPDATE {META}.runs SET metrics = ? WHERE run_id = ?",
            [json.dumps(metrics, default=str), run_id],
        ).fetchall()
    return result


def compare_runs(ws: Workspace, a: str, b: str) -> Comparison:
    """Agreement of two runs over the customers they share: ARI and a contingency table."""
    from .diagnostics import compare_labels

    names = [{s.segment_id: s.name for s in get_run(ws, run).segments} for run in (a, b)]
    both = ws.query_df(  # the join in DuckDB: a pandas merge of two 1M-row frames took 3.5 s
        f"SELECT x.segment_id AS a, y.segment_id AS b FROM {META}.assignments x "
        f"JOIN {META}.assignments y ON x.customer_id = y.customer_id "
        "WHERE x.run_id = ? AND y.run_id = ?",
        [a, b],
    )
    if both.empty:
        raise InvalidParameterError(
            f"Runs {a} and {b} share no customer; compare runs made from the same customers."
        )
    result = compare_labels(both["a"].to_numpy(), both["b"].to_numpy())
    table = result.contingency  # segment ids in order, shown by name
    table.index = [names[0].get(i, f"Segment {i}") for i in table.index]
    table.columns = [names[1].get(i, f"Segment {i}") for i in table.columns]
    table.index.name, table.columns.name = "a", "b"
    return result


def comparable_runs(ws: Workspace, run_id: str) -> list[str]:
    """The other runs that share at least one customer with ``run_id`` (those
    :func:`compare_runs` can compare it with), oldest first."""
    get_run(ws, run_id)
    found = ws.query_df(
        f"SELECT y.run_id FROM {META}.runs y WHERE y.run_id <> ? AND EXISTS ("
        f"SELECT 1 FROM {META}.assignments b JOIN {META}.assignments a "
        "ON a.customer_id = b.customer_id AND a.run_id = ? WHERE b.run_id = y.run_id) "
        "ORDER BY y.seq",
        [run_id, run_id],
    )
    return found["run_id"].tolist()


def silhouette(ws: Workspace, run_id: str, *, sample: int = 10_000) -> pd.DataFrame:
    """Silhouette values of a sample of the run's customers, by segment id, for a plot."""
    from .metrics import silhouette_by_segment

    X, ids = prepared_matrix(ws, run_id)
    frame = silhouette_by_segment(X, ids - 1, sample=sample)
    frame["segment"] = frame["segment"] + 1
    return frame


def linkage(ws: Workspace, run_id: str) -> np.ndarray | None:
    """The Ward linkage matrix kept with a run (for a dendrogram), or None."""
    return fitted(ws, run_id).get("linkage")


def set_segment_names(ws: Workspace, run_id: str, names: Mapping[int, tuple[str, str]]) -> Run:
    """Set generated names and one-line descriptions: {segment_id: (name, description)}.

    Names must stay unique within the run (checked against the segments not renamed too).
    """
    run = get_run(ws, run_id)
    current = {s.segment_id: s.name for s in run.segments}
    unknown = [sid for sid in names if sid not in current]
    if unknown:
        raise InvalidParameterError(f"Run {run_id} has no segment {unknown[0]!r}.")
    final = {**current, **{sid: name.strip() for sid, (name, _) in names.items()}}
    clash = duplicate_name(final)
    if clash is not None or any(not n for n in final.values()):
        duplicate = None if clash is None else final[clash[0]]
        raise InvalidParameterError(
            f"Segment names must be unique and not empty within a run; {duplicate!r} repeats."
        )
    with ws.transaction() as cur:
        for sid, (name, description) in names.items():
            cur.execute(
                f"UPDATE {META}.segments SET name = ?, description = ? "
                "WHERE run_id = ? AND segment_id = ?",
                [name.strip(), description, run_id, sid],
            ).fetchall()
    return get_run(ws, run_id)

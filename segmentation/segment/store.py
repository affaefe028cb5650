"""A run's rows in the workspace's ``_seg`` schema: writing them, reading them, and its model.

:class:`Run` and :class:`Segment` are what :mod:`.runs` returns; this module turns them into the
rows of ``_seg.runs``, ``_seg.segments`` and ``_seg.assignments`` and back. A run's fitted
pipeline and model are pickled; :func:`load_model` reads them through :class:`ModelUnpickler`,
which maps the module paths of classes that have moved since the pickle was written (the flat
``segmentation.preprocess``, ``segmentation.algorithms``, ``segmentation.rfm``, ... of the first
layout) to where they live now, so every old workspace still opens.

>>> duplicate_name({1: "VIPs", 2: "Sleepers", 3: "vips"})
(1, 3)
>>> ModelUnpickler.new_modules("segmentation.algorithms")[0]
'segmentation.segment.result'
"""

from __future__ import annotations

import importlib
import io
import json
import pickle
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from ..workspace import META, Workspace

UNASSIGNED = "Unassigned"
RUN_COLUMNS = (
    "run_id, name, created_at, table_name, algorithm, params, seed, customers, "
    "metrics, notes, recipe, sample_size, extra"
)


@dataclass(frozen=True)
class Segment:
    """One segment of a run."""

    segment_id: int
    name: str
    size: int
    description: str = ""


@dataclass(frozen=True)
class Run:
    """A stored segmentation run."""

    run_id: str
    name: str
    created_at: datetime
    table: str
    algorithm: str
    params: dict[str, Any]
    seed: int
    customers: int
    segments: list[Segment]
    metrics: dict[str, Any]
    notes: list[str]
    recipe: dict[str, Any]
    sample_size: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """One row of a table of runs (the Segment page, `segment runs`)."""
        return {
            "run": self.run_id,
            "name": self.name,
            "algorithm": self.algorithm,
            "segments": len(self.segments),
            "customers": self.customers,
            "silhouette": self.metrics.get("silhouette"),
            "created": self.created_at,
        }

    def to_dict(self) -> dict[str, Any]:
        """The JSON the CLI prints for a run."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "algorithm": self.algorithm,
            "table": self.table,
            "customers": self.customers,
            "segments": [
                {"segment_id": s.segment_id, "segment": s.name, "size": s.size}
                for s in self.segments
            ],
            "metrics": self.metrics,
            "notes": self.notes,
            "sample_size": self.sample_size,
            "recipe": self.recipe,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


def duplicate_name(names: Mapping[int, str]) -> tuple[int, int] | None:
    """The rule "names are unique within a run": the first two segment ids (in id order) whose
    names are equal ignoring case and surrounding spaces, or None when all differ."""
    seen: dict[str, int] = {}
    for sid in sorted(names):
        key = names[sid].strip().lower()
        if key in seen:
            return seen[key], sid
        seen[key] = sid
    return None


# -- the model ------------------------------------------------------------------------------
_SEGMENT = "segmentation.segment."
_MOVED: dict[str, tuple[str, ...]] = {
    "preprocess": ("transformers", "preprocess"),
    "algorithms": ("result", "clusterers", "registry", "fit", "sampling"),
    "rfm": ("rfm",),
    "runs": ("runs", "store"),
    "diagnostics": ("diagnostics", "metrics"),
    "recipe": ("recipe",),
}
_FLAT: dict[str, str] = {  # the other modules of the first, flat layout -> their stage module
    "workspace": "workspace.connection",
    "checksums": "ingest.files",
    "ingest": "ingest.load",
    "coltypes": "ingest.coltypes",
    "quality": "ingest.quality",
    "roles": "ingest.roles",
    "features": "features.build",
    "stats": "features.summaries",
    "projection": "explore.project",
    "profiles": "profiles.build",
    "naming": "profiles.naming",
    "report": "profiles.report",
    "rules": "profiles.rules",
    "audiences": "export.plan",
    "exportfiles": "export.files",
    "exportlog": "export.log",
    "identifiers": "export.identifiers",
    "sample": "demo.sample",
    "cli": "cli.main",
}


class ModelUnpickler(pickle.Unpickler):
    """An unpickler that finds classes whose module has moved since the pickle was written."""

    @staticmethod
    def new_modules(module: str) -> list[str]:
        """Where a class of ``module`` may live now, most likely first (empty: not moved)."""
        parts = module.split(".")
        if parts[0] != "segmentation" or len(parts) < 2:
            return []
        name = parts[-1]
        if module in (f"segmentation.{name}", f"{_SEGMENT}{name}") and name in _MOVED:
            return [_SEGMENT + m for m in _MOVED[name]]
        if len(parts) == 2 and name in _FLAT:
            return [f"segmentation.{_FLAT[name]}"]
        if parts[1] == "commands" and len(parts) == 3:
            return [f"segmentation.cli.{name}"]
        return []

    def find_class(self, module: str, name: str) -> Any:
        for candidate in [*self.new_modules(module), module]:
            found = _attribute(candidate, name)
            if found is not None:
                return found
        for candidate in _stage_modules(self.new_modules(module)):
            found = _attribute(candidate, name)
            if found is not None:
                return found
        return super().find_class(module, name)


def _attribute(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None


def _stage_modules(modules: list[str]) -> list[str]:
    """Every module of the stage packages of ``modules`` (a class may have moved again)."""
    packages = {m.rsplit(".", 1)[0] for m in modules}
    found = []
    for package in sorted(packages):
        path = importlib.import_module(package).__path__
        found += [f"{package}.{info.name}" for info in pkgutil.iter_modules(path)]
    return found


def load_model(blob: bytes) -> dict[str, Any]:
    """A run's pickled ``{"pipeline", "model", "prep", "linkage"}``, old module paths mapped."""
    return ModelUnpickler(io.BytesIO(blob)).load()


def model_blob(pipeline: Any, model: Any, prep: dict | None, linkage: Any) -> bytes:
    """What :func:`load_model` reads back."""
    stored = {"pipeline": pipeline, "model": model, "prep": prep, "linkage": linkage}
    return pickle.dumps(stored, protocol=5)


def read_model(ws: Workspace, run_id: str) -> dict[str, Any]:
    """The stored pipeline and model of a run (the run must exist)."""
    blob = ws.query(f"SELECT model FROM {META}.runs WHERE run_id = ?", [run_id])[0][0]
    return load_model(blob)


# -- writing --------------------------------------------------------------------------------
def next_run_id(ws: Workspace) -> str:
    """The id the next run gets: r1, r2, ..."""
    last = ws.query(f"SELECT coalesce(max(seq), 0) FROM {META}.runs")[0][0]
    return f"r{int(last) + 1}"


def store_run(
    ws: Workspace,
    run: Run,
    customer_ids: pd.Series,
    segment_ids: np.ndarray,
    probabilities: np.ndarray | None,
    blob: bytes,
    metrics: Callable[[], dict[str, Any]] | None = None,
) -> Run:
    """Insert a run, its segments and every customer's segment, in one transaction.

    ``metrics``, when given, waits for metrics still being computed (on another thread while the
    customers' rows are written) and completes ``run.metrics`` before the run's row is written.
    Returns the run as stored.
    """
    assignments = pa.table(  # Arrow: DuckDB reads the ids without a Python string each
        {
            "customer_id": pa.array(customer_ids.astype(str), type=pa.string()),
            "segment_id": pa.array(np.asarray(segment_ids, dtype=np.int32)),
            "probability": pa.nulls(len(segment_ids), pa.float64())
            if probabilities is None
            else pa.array(np.asarray(probabilities, dtype=np.float64), from_pandas=True),
        }
    )
    segments = pd.DataFrame(
        {
            "segment_id": [s.segment_id for s in run.segments],
            "name": [s.name for s in run.segments],
            "description": [s.description for s in run.segments],
            "size": [s.size for s in run.segments],
        }
    )
    with ws.transaction() as cur:
        cur.register("__assign", assignments)
        cur.execute(
            f"INSERT INTO {META}.assignments SELECT ?, customer_id, segment_id, probability "
            "FROM __assign",
            [run.run_id],
        ).fetchall()
        cur.unregister("__assign")
        cur.register("__segments", segments)
        cur.execute(
            f"INSERT INTO {META}.segments SELECT ?, segment_id, name, description, size "
            "FROM __segments",
            [run.run_id],
        ).fetchall()
        cur.unregister("__segments")
        if metrics is not None:
            run = replace(run, metrics={**run.metrics, **metrics()})
        cur.execute(
            f"INSERT INTO {META}.runs (run_id, seq, name, created_at, table_name, algorithm, "
            "params, seed, customers, metrics, notes, recipe, model, sample_size, extra) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*_run_values(run), blob, run.sample_size, json.dumps(run.extra, default=str)],
        ).fetchall()
    return run


def _run_values(run: Run) -> list:
    return [
        run.run_id,
        int(run.run_id[1:]),
        run.name,
        run.created_at,
        run.table,
        run.algorithm,
        json.dumps(run.params),
        run.seed,
        run.customers,
        json.dumps(run.metrics, default=str),
        json.dumps(run.notes),
        json.dumps(run.recipe, default=str),
    ]


# -- reading --------------------------------------------------------------------------------
def segments_by_run(ws: Workspace, run_id: str | None = None) -> dict[str, list[Segment]]:
    """The segments of one run (or of every run), by run id, in segment id order."""
    sql = f"SELECT run_id, segment_id, name, description, size FROM {META}.segments"
    rows = ws.query(
        sql + (" WHERE run_id = ?" if run_id else "") + " ORDER BY segment_id",
        [run_id] if run_id else [],
    )
    out: dict[str, list[Segment]] = {}
    for rid, sid, name, description, size in rows:
        out.setdefault(rid, []).append(Segment(int(sid), name, int(size), description or ""))
    return out


def run_from_row(row: tuple, segments: list[Segment]) -> Run:
    """A :class:`Run` from a row of ``SELECT {RUN_COLUMNS} FROM _seg.runs``."""
    (run_id, name, created, table, algorithm, params, seed, customers) = row[:8]
    metrics, notes, recipe, sample_size, extra = row[8:]
    return Run(
        run_id,
        name,
        created,
        table,
        algorithm,
        json.loads(params),
        int(seed),
        int(customers),
        segments,
        json.loads(metrics),
        json.loads(notes),
        json.loads(recipe),
        sample_size,
        json.loads(extra or "{}"),
    )

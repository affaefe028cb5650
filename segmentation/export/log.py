"""The export audit log: what every export wrote, kept in the workspace.

Each export gets an id (``e1``, ``e2``, ...) and a row of ``_seg.exports`` with its run,
segments, audiences, format, counts, files (with their SHA-256) and options; the customers of
its holdout are kept in ``_seg.export_holdouts`` (and, for an export with a holdout, those of
its audience in ``_seg.export_audience``) so the campaign's lift can be measured later.

>>> [e.export_id for e in list_exports(ws, "r1")]  # doctest: +SKIP
['e1', 'e2']
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import TableNotFoundError
from ..workspace import META, Workspace
from .model import ExportFile, ExportPlan

_DDL = f"""
CREATE TABLE IF NOT EXISTS {META}.exports (
    export_id VARCHAR NOT NULL, seq INTEGER NOT NULL, created_at TIMESTAMP NOT NULL,
    run_id VARCHAR NOT NULL, segments VARCHAR NOT NULL, audiences VARCHAR NOT NULL,
    format VARCHAR NOT NULL, rows BIGINT NOT NULL, holdout_rows BIGINT NOT NULL,
    suppressed BIGINT NOT NULL, dropped_invalid BIGINT NOT NULL, files VARCHAR NOT NULL,
    options VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.export_holdouts (
    export_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, segment_id INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.export_audience (
    export_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, segment_id INTEGER NOT NULL
);
"""


@dataclass(frozen=True)
class ExportRecord:
    """One recorded export."""

    export_id: str
    created_at: datetime
    run_id: str
    segments: list[int]
    audiences: list[str]
    format: str
    rows: int
    holdout_rows: int
    suppressed: int
    dropped_invalid: int
    files: list[dict[str, Any]]
    options: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["created_at"] = self.created_at.isoformat(timespec="seconds")
        return out


def record_export(
    ws: Workspace, plan: ExportPlan, files: list[ExportFile], location: str | None
) -> str:
    """Record a written export (its files shown under ``location`` when given); returns its
    id, ``e1``, ``e2``, ..."""
    ws.ensure_schema(_DDL)
    recorded = [
        {**f.to_dict(), "path": f"{location}/{Path(f.path).name}" if location else f.path}
        for f in files
    ]
    segments = [int(s) for s in plan.segments["segment_id"]]
    with ws.transaction() as cur:
        seq = cur.execute(f"SELECT coalesce(max(seq), 0) + 1 FROM {META}.exports").fetchall()[0][0]
        export_id = f"e{seq}"
        cur.execute(
            f"INSERT INTO {META}.exports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                export_id,
                seq,
                datetime.now(),
                plan.run.run_id,
                json.dumps(segments),
                json.dumps(list(plan.options.audiences)),
                plan.options.fmt,
                plan.rows,
                plan.holdout_rows,
                plan.suppressed,
                plan.dropped_invalid,
                json.dumps(recorded),
                json.dumps(plan.options.to_dict() | {"contacts": plan.contacts}, default=str),
            ],
        ).fetchall()
        if plan.holdout_rows:  # both groups, customer by customer: the campaign's readout
            for table, rows in (
                ("export_holdouts", plan.holdout),
                ("export_audience", plan.audience),
            ):
                cur.register("__members", rows[["customer_id", "segment_id"]])
                cur.execute(
                    f"INSERT INTO {META}.{table} SELECT ?, customer_id, segment_id FROM __members",
                    [export_id],
                ).fetchall()
                cur.unregister("__members")
    return export_id


def holdout_members(ws: Workspace, export_id: str) -> pd.DataFrame:
    """``customer_id, segment_id`` of an export's holdout, kept in the workspace so the
    campaign's lift can be measured later (targeted customers: the export's files)."""
    ws.ensure_schema(_DDL)
    if not ws.query(f"SELECT count(*) FROM {META}.exports WHERE export_id = ?", [export_id])[0][0]:
        raise TableNotFoundError(
            f"There is no export {export_id!r}; list them with `segment exports`."
        )
    return ws.query_df(
        f"SELECT customer_id, segment_id FROM {META}.export_holdouts WHERE export_id = ? "
        "ORDER BY segment_id, customer_id",
        [export_id],
    )


def list_exports(ws: Workspace, run_id: str | None = None) -> list[ExportRecord]:
    """Recorded exports, oldest first, optionally of one run."""
    ws.ensure_schema(_DDL)
    sql = (
        "SELECT export_id, created_at, run_id, segments, audiences, format, rows, holdout_rows, "
        f"suppressed, dropped_invalid, files, options FROM {META}.exports"
    )
    rows = ws.query(
        sql + (" WHERE run_id = ?" if run_id else "") + " ORDER BY seq", [run_id] if run_id else []
    )
    return [
        ExportRecord(
            r[0],
            r[1],
            r[2],
            json.loads(r[3]),
            json.loads(r[4]),
            r[5],
            int(r[6]),
            int(r[7]),
            int(r[8]),
            int(r[9]),
            json.loads(r[10]),
            json.loads(r[11]),
        )
        for r in rows
    ]


def exports_frame(ws: Workspace, run_id: str | None = None) -> pd.DataFrame:
    """The audit log as a table for display (one row per export)."""
    return pd.DataFrame(
        [
            {
                "export": e.export_id,
                "when": e.created_at,
                "run": e.run_id,
                "format": e.format,
                "segments": ", ".join(map(str, e.segments)),
                "audiences": ", ".join(e.audiences),
                "rows": e.rows,
                "holdout": e.holdout_rows,
                "suppressed": e.suppressed,
                "dropped": e.dropped_invalid,
                "files": "; ".join(
                    f"{Path(f['path']).name} ({f['sha256'][:12]}…)" for f in e.files
                ),
            }
            for e in list_exports(ws, run_id)
        ]
    )

"""Custom audiences: named sets of customers picked on the Explore page, exported beside segments.

>>> save_audience(ws, "r1", "Lasso: big recent spenders", ["12347", "14646"])  # doctest: +SKIP
>>> [a.name for a in list_audiences(ws)]  # doctest: +SKIP
['Lasso: big recent spenders']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ..errors import InvalidParameterError, NameClashError, TableNotFoundError
from ..segment.runs import get_run
from ..workspace import META, Workspace

_DDL = f"""
CREATE TABLE IF NOT EXISTS {META}.audiences (
    name VARCHAR NOT NULL, run_id VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    size BIGINT NOT NULL, description VARCHAR
);
CREATE TABLE IF NOT EXISTS {META}.audience_members (name VARCHAR NOT NULL, customer_id VARCHAR NOT NULL);
"""


@dataclass(frozen=True)
class Audience:
    """A saved custom audience."""

    name: str
    run_id: str
    created_at: datetime
    size: int
    description: str = ""


def save_audience(
    ws: Workspace,
    run_id: str,
    name: str,
    customer_ids: Sequence[str],
    *,
    description: str = "",
    replace: bool = False,
) -> Audience:
    """Save customers of a run under a name (unique in the workspace)."""
    get_run(ws, run_id)
    ws.ensure_schema(_DDL)
    name = (name or "").strip()
    if not name:
        raise InvalidParameterError("An audience needs a name.")
    ids = pd.Series(pd.unique(pd.Series(list(customer_ids), dtype=str)), name="customer_id")
    if ids.empty:
        raise InvalidParameterError("The audience is empty: select some customers first.")
    known = set(
        ws.query_df(f"SELECT customer_id FROM {META}.assignments WHERE run_id = ?", [run_id])[
            "customer_id"
        ]
    )
    unknown = ids[~ids.isin(known)]
    if len(unknown):
        raise InvalidParameterError(
            f"{len(unknown):,} of the chosen customers are not in run {run_id}; choose customers "
            "of the run."
        )
    exists = ws.query(f"SELECT count(*) FROM {META}.audiences WHERE lower(name) = lower(?)", [name])
    if exists[0][0] and not replace:
        raise NameClashError(f"An audience called {name!r} exists already; choose another name.")
    audience = Audience(name, run_id, datetime.now(), len(ids), description)
    with ws.transaction() as cur:
        cur.execute(f"DELETE FROM {META}.audience_members WHERE lower(name) = lower(?)", [name])
        cur.execute(f"DELETE FROM {META}.audiences WHERE lower(name) = lower(?)", [name])
        cur.execute(
            f"INSERT INTO {META}.audiences VALUES (?, ?, ?, ?, ?)",
            [name, run_id, audience.created_at, audience.size, description],
        ).fetchall()
        cur.register("__members", ids.to_frame())
        cur.execute(
            f"INSERT INTO {META}.audience_members SELECT ?, customer_id FROM __members", [name]
        ).fetchall()
        cur.unregister("__members")
    return audience


def list_audiences(ws: Workspace, run_id: str | None = None) -> list[Audience]:
    """Saved audiences, oldest first, optionally of one run."""
    ws.ensure_schema(_DDL)
    sql = f"SELECT name, run_id, created_at, size, coalesce(description, '') FROM {META}.audiences"
    rows = ws.query(
        sql + (" WHERE run_id = ?" if run_id else "") + " ORDER BY created_at",
        [run_id] if run_id else [],
    )
    return [Audience(*row) for row in rows]


def get_audience(ws: Workspace, name: str) -> Audience:
    """One saved audience by name."""
    for audience in list_audiences(ws):
        if audience.name == name:
            return audience
    known = ", ".join(a.name for a in list_audiences(ws)) or "none yet"
    raise TableNotFoundError(f"There is no audience {name!r} (audiences: {known}).")


def audience_members(ws: Workspace, name: str) -> pd.DataFrame:
    """``customer_id`` of every member of a saved audience."""
    get_audience(ws, name)
    return ws.query_df(
        f"SELECT customer_id FROM {META}.audience_members WHERE name = ? ORDER BY customer_id",
        [name],
    )


def delete_audience(ws: Workspace, name: str) -> None:
    """Delete a saved audience."""
    get_audience(ws, name)
    with ws.transaction() as cur:
        cur.execute(f"DELETE FROM {META}.audience_members WHERE name = ?", [name])
        cur.execute(f"DELETE FROM {META}.audiences WHERE name = ?", [name])

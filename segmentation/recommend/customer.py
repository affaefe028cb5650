"""One customer, looked up by id: orders, features against their segment and everyone, why they
are in their segment, what to offer them, and their predictions when there are some.

Nothing here logs or puts a customer's values in a message. Personal fields (e-mail, phone,
names, zip) are read only by :func:`reveal_personal`, which the page calls when the user asks.

>>> view = customer_view(ws, "r1", "12347")  # doctest: +SKIP
>>> view.segment, view.orders["orders"]  # doctest: +SKIP
('Champions', 7)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import TableNotFoundError
from ..ingest.roles import PERSONAL_ROLES
from ..profiles.rundata import profile_features
from ..segment.inputs import customer_frame
from ..segment.runs import get_run, prepared_matrix
from ..workspace import META, Workspace, quote_ident
from . import store
from .source import purchase_lines

RECENT_ORDERS = 5


@dataclass(frozen=True)
class Geometry:
    """A run's customers in its prepared feature space, scaled to unit spread per column, and
    each segment's centre there (for "how far from the nearest other segment")."""

    row: dict[str, int]
    X: np.ndarray
    centres: dict[int, np.ndarray]


@dataclass(frozen=True)
class CustomerView:
    """Everything the Customer page shows (no personal field)."""

    customer_id: str
    run_id: str
    segment_id: int
    segment: str
    orders: dict[str, Any]
    recent_orders: pd.DataFrame
    features: pd.DataFrame  # feature, customer, segment, everyone
    distances: pd.DataFrame  # segment_id, segment, distance (own segment first)
    rule: str | None = None
    rule_segment: int | None = None  # where the rules place them (may differ: fidelity < 100%)
    recommendations: pd.DataFrame | None = None
    recommendation_id: str | None = None
    predictions: dict[str, Any] | None = None
    personal_fields: list[str] = field(default_factory=list)

    @property
    def margin(self) -> float | None:
        """Distance to the nearest other segment's centre minus to the own one (> 0: inside)."""
        if len(self.distances) < 2:
            return None
        return float(self.distances["distance"].iloc[1] - self.distances["distance"].iloc[0])


def run_geometry(ws: Workspace, run_id: str) -> Geometry:
    """The run's prepared matrix (columns scaled by their spread) and the segment centres."""
    run = get_run(ws, run_id)
    X, segments = prepared_matrix(ws, run_id)
    ids = customer_frame(ws, run.table)["customer_id"].astype(str).tolist()
    spread = X.std(axis=0)
    X = X / np.where(spread > 0, spread, 1.0)
    keep = ~np.isnan(segments.astype(float))
    centres = {int(s): X[keep & (segments == s)].mean(axis=0) for s in np.unique(segments[keep])}
    return Geometry({c: i for i, c in enumerate(ids)}, X, centres)


def customer_view(
    ws: Workspace,
    run_id: str,
    customer_id: str,
    *,
    geometry: Geometry | None = None,
    recommendation_id: str | None = None,
    rule_of=None,
) -> CustomerView:
    """Look a customer up in a run. ``rule_of(values) -> (segment_id, rule) | None`` gives the
    profile rule that covers a row of feature values (the page passes the profile's);
    ``recommendation_id`` picks a set (default: the run's latest)."""
    run = get_run(ws, run_id)
    customer_id = str(customer_id).strip()
    found = ws.query(
        f"SELECT a.segment_id, s.name FROM {META}.assignments a JOIN {META}.segments s "
        "ON s.run_id = a.run_id AND s.segment_id = a.segment_id "
        "WHERE a.run_id = ? AND a.customer_id = ?",
        [run_id, customer_id],
    )
    if not found:
        raise TableNotFoundError(
            f"No customer with that id is in run {run_id} ({run.customers:,} customers); check "
            "the id (as the Export files or `segment export` write it) or choose another run."
        )
    segment_id, segment = int(found[0][0]), found[0][1]
    features = _features(ws, run, customer_id, segment_id)
    geometry = geometry or run_geometry(ws, run_id)
    values = dict(zip(features["feature"], features["customer"], strict=True))
    placed = rule_of(values) if rule_of else None
    recs, rid = _recommendations(ws, run_id, customer_id, recommendation_id)
    summary, recent = _orders(ws, run_id, customer_id)
    return CustomerView(
        customer_id=customer_id,
        run_id=run_id,
        segment_id=segment_id,
        segment=segment,
        orders=summary,
        recent_orders=recent,
        features=features,
        distances=_distances(geometry, run, customer_id, segment_id),
        rule=placed[1] if placed else None,
        rule_segment=placed[0] if placed else None,
        recommendations=recs,
        recommendation_id=rid,
        predictions=_predictions(ws, run, customer_id),
        personal_fields=sorted((_personal_source(ws, run) or ("", "", {}))[2]),
    )


def runs_of_customer(ws: Workspace, customer_id: str) -> list[str]:
    """The runs a customer id is in, oldest first (to point a lookup to the right run)."""
    rows = ws.query(
        f"SELECT r.run_id FROM {META}.runs r WHERE EXISTS (SELECT 1 FROM {META}.assignments a "
        "WHERE a.run_id = r.run_id AND a.customer_id = ?) ORDER BY r.seq",
        [str(customer_id).strip()],
    )
    return [r[0] for r in rows]


def reveal_personal(ws: Workspace, run_id: str, customer_id: str) -> dict[str, str | None]:
    """The customer's personal fields (role -> value); call only when the user asked to see
    them. Nothing is logged."""
    found = _personal_source(ws, get_run(ws, run_id))
    if found is None:
        return {}
    table, id_sql, columns = found
    fields = ", ".join(f"any_value({quote_ident(c)})" for c in columns.values())
    row = ws.query(f"SELECT {fields} FROM {quote_ident(table)} WHERE {id_sql} = ?", [customer_id])
    values = row[0] if row else [None] * len(columns)
    return {role: (None if v is None else str(v)) for role, v in zip(columns, values, strict=True)}


# -- parts ------------------------------------------------------------------------------------
def _features(ws: Workspace, run, customer_id: str, segment_id: int) -> pd.DataFrame:
    info = ws.table(run.table)
    names = profile_features(ws, run)
    id_col = quote_ident(info.roles["customer_id"])
    means = ", ".join(
        f"avg(CAST(f.{quote_ident(c)} AS DOUBLE)) FILTER (WHERE f.{id_col} IS NOT NULL AND "
        f"CAST(f.{id_col} AS VARCHAR) = ?), "
        f"avg(CAST(f.{quote_ident(c)} AS DOUBLE)) FILTER (WHERE a.segment_id = ?), "
        f"avg(CAST(f.{quote_ident(c)} AS DOUBLE))"
        for c in names
    )
    row = ws.query(
        f"SELECT {means} FROM {quote_ident(run.table)} f JOIN {META}.assignments a "
        f"ON a.customer_id = CAST(f.{id_col} AS VARCHAR) AND a.run_id = ?",
        [*[v for _ in names for v in (customer_id, segment_id)], run.run_id],
    )[0]
    values = np.array(row, dtype=float).reshape(-1, 3) if names else np.empty((0, 3))
    return pd.DataFrame(
        {
            "feature": names,
            "customer": values[:, 0],
            "segment": values[:, 1],
            "everyone": values[:, 2],
        }
    )


def _distances(geometry: Geometry, run, customer_id: str, segment_id: int) -> pd.DataFrame:
    at = geometry.row.get(customer_id)
    names = {s.segment_id: s.name for s in run.segments}
    if at is None:
        return pd.DataFrame(columns=["segment_id", "segment", "distance"])
    x = geometry.X[at]
    rows = [
        (s, names.get(s, str(s)), float(np.linalg.norm(x - c))) for s, c in geometry.centres.items()
    ]
    frame = pd.DataFrame(rows, columns=["segment_id", "segment", "distance"])
    own = frame["segment_id"] == segment_id
    return pd.concat([frame[own], frame[~own].sort_values("distance")], ignore_index=True)


def _orders(ws: Workspace, run_id: str, customer_id: str) -> tuple[dict[str, Any], pd.DataFrame]:
    try:
        lines = purchase_lines(ws, run_id)
    except (ValueError, KeyError):  # no transactions behind the run: no orders to show
        return {}, pd.DataFrame(columns=["order_id", "day", "products"])
    orders = ws.query_df(
        f"SELECT order_id, min(day) AS day, count(DISTINCT product) AS products "
        f"FROM ({lines.sql}) WHERE customer_id = ? GROUP BY order_id ORDER BY day DESC, order_id DESC",
        [*lines.params, customer_id],
    )
    products = ws.query(
        f"SELECT count(DISTINCT product) FROM ({lines.sql}) WHERE customer_id = ?",
        [*lines.params, customer_id],
    )[0][0]
    summary = {
        "orders": len(orders),
        "first_order": orders["day"].min() if len(orders) else None,
        "last_order": orders["day"].max() if len(orders) else None,
        "products": int(products),
    }
    return summary, orders.head(RECENT_ORDERS)


def _recommendations(ws, run_id, customer_id, recommendation_id):
    sets = store.list_sets(ws, run_id)
    if recommendation_id is None:
        if not sets:
            return None, None
        recommendation_id = sets[-1].recommendation_id
    rows = store.read_rows(ws, recommendation_id, customer_id=customer_id)
    return rows.drop(columns="customer_id"), store.get_set(ws, recommendation_id).recommendation_id


def _predictions(ws: Workspace, run, customer_id: str) -> dict[str, Any] | None:
    """The customer's row of the latest prediction made from the run's table, when the predict
    stage has stored one (``_seg.prediction_customers``)."""
    exists = ws.query(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name IN "
        "('predictions', 'prediction_customers')",
        [META],
    )[0][0]
    if exists < 2:
        return None
    info = ws.table(run.table)
    tables = [run.table, info.options.get("source") or run.table]
    frame = ws.query_df(
        f"SELECT p.prediction_id, p.model, c.* EXCLUDE (prediction_id, customer_id) "
        f"FROM {META}.predictions p JOIN {META}.prediction_customers c USING (prediction_id) "
        "WHERE p.table_name IN (?, ?) AND c.customer_id = ? ORDER BY p.seq DESC LIMIT 1",
        [*tables, customer_id],
    )
    return None if frame.empty else frame.iloc[0].to_dict()


def _personal_source(ws: Workspace, run) -> tuple[str, str, dict[str, str]] | None:
    """Where a run's customers' personal fields are: the table (the run's source, else the
    first customer table with personal roles), its customer id SQL and role -> column."""
    from ..features.sql import customer_id_sql

    info = ws.table(run.table)
    source = info.options.get("source") if info.kind == "features" else None
    candidates = [ws.table(source)] if source and ws.has_table(source) else [info]
    candidates += [t for t in ws.tables(kind="customers") if t.name != candidates[0].name]
    for table in candidates:
        roles = table.roles
        personal = {r: c for r, c in roles.items() if r in PERSONAL_ROLES}
        if personal and "customer_id" in roles:
            kind = table.column(roles["customer_id"]).type
            return table.name, customer_id_sql(roles["customer_id"], kind), personal
    return None

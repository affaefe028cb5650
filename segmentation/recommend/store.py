"""Named recommendation sets in the workspace (``_seg.recommendation_sets`` and rows).

A set is written in one transaction, complete or not at all: its description (method, source,
figures, evaluation) and one row per customer and rank (``product, score, because, source``).
The reason a marketer reads is made when reading: "customers who bought X also bought Y" for
the collaborative methods, "popular in <segment>" or "a bestseller" for the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from ..errors import NameClashError, TableNotFoundError
from ..workspace import META, Workspace

_DDL = f"""
CREATE TABLE IF NOT EXISTS {META}.recommendation_sets (
    recommendation_id VARCHAR NOT NULL, seq INTEGER NOT NULL, name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL, source VARCHAR NOT NULL, run_id VARCHAR, method VARCHAR NOT NULL,
    top INTEGER NOT NULL, include_bought BOOLEAN NOT NULL, customers BIGINT NOT NULL,
    products BIGINT NOT NULL, fallback_customers BIGINT NOT NULL, evaluation VARCHAR,
    params VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS {META}.recommendations (
    recommendation_id VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, rank INTEGER NOT NULL,
    product VARCHAR NOT NULL, score DOUBLE, because VARCHAR, source VARCHAR NOT NULL,
    segment VARCHAR
);
CREATE TABLE IF NOT EXISTS {META}.recommendation_products (
    recommendation_id VARCHAR NOT NULL, product VARCHAR NOT NULL, description VARCHAR
);
"""


@dataclass(frozen=True)
class RecommendationSet:
    """A stored set of per-customer recommendations."""

    recommendation_id: str
    name: str
    created_at: datetime
    source: str
    run_id: str | None
    method: str
    top: int
    include_bought: bool
    customers: int
    products: int
    fallback_customers: int
    evaluation: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``segment recommend`` prints."""
        return {
            "recommendation_id": self.recommendation_id,
            "run_id": self.run_id,
            "method": self.method,
            "customers": self.customers,
            "products": self.products,
            "fallback_customers": self.fallback_customers,
            "evaluation": _issue_evaluation(self.evaluation),
        }


_EVALUATION_KEYS = ("customers", "hit_rate", "precision", "recall", "map", "baselines")


def _issue_evaluation(evaluation: dict[str, Any] | None) -> dict[str, Any] | None:
    """The evaluation as ``segment recommend --json`` prints it (at 10): customers, the four
    figures and the baselines' four figures."""
    if evaluation is None:
        return None
    return {k: evaluation[k] for k in _EVALUATION_KEYS}


def save_set(ws: Workspace, meta: dict[str, Any], rows: pd.DataFrame, texts: pd.DataFrame):
    """Write a set (``meta``: RecommendationSet fields but id and time) in one transaction.

    ``rows``: customer_id, rank, product, score, because, source, segment; ``texts``: product,
    description (may be empty)."""
    ws.ensure_schema(_DDL)
    with ws.transaction() as cur:
        taken = cur.execute(
            f"SELECT 1 FROM {META}.recommendation_sets WHERE name = ?", [meta["name"]]
        ).fetchall()
        if taken:
            raise NameClashError(
                f"A recommendation set is already called {meta['name']!r}; choose another name "
                "or leave it out for a generated one."
            )
        seq = cur.execute(
            f"SELECT coalesce(max(seq), 0) + 1 FROM {META}.recommendation_sets"
        ).fetchall()[0][0]
        rid = f"rec{seq}"
        record = RecommendationSet(recommendation_id=rid, created_at=datetime.now(), **meta)
        cur.execute(
            f"INSERT INTO {META}.recommendation_sets VALUES "
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                rid, seq, record.name, record.created_at, record.source, record.run_id,
                record.method, record.top, record.include_bought, record.customers,
                record.products, record.fallback_customers,
                json.dumps(record.evaluation) if record.evaluation is not None else None,
                json.dumps(record.params),
            ],
        ).fetchall()  # fmt: skip
        cur.register("__rec_rows", rows)
        cur.execute(
            f"INSERT INTO {META}.recommendations SELECT ?, customer_id, rank, product, score, "
            "because, source, segment FROM __rec_rows",
            [rid],
        ).fetchall()
        cur.register("__rec_texts", texts)
        cur.execute(
            f"INSERT INTO {META}.recommendation_products SELECT ?, product, description "
            "FROM __rec_texts",
            [rid],
        ).fetchall()
        cur.unregister("__rec_rows")
        cur.unregister("__rec_texts")
    return record


_SET_COLUMNS = (
    "recommendation_id, name, created_at, source, run_id, method, top, include_bought, "
    "customers, products, fallback_customers, evaluation, params"
)


def list_sets(ws: Workspace, run_id: str | None = None) -> list[RecommendationSet]:
    """Stored recommendation sets, oldest first (optionally of one run)."""
    ws.ensure_schema(_DDL)
    rows = ws.query(
        f"SELECT {_SET_COLUMNS} FROM {META}.recommendation_sets"
        + (" WHERE run_id = ?" if run_id else "")
        + " ORDER BY seq",
        [run_id] if run_id else [],
    )
    return [_from_row(r) for r in rows]


def get_set(ws: Workspace, recommendation_id: str) -> RecommendationSet:
    """One set by id (``rec1``) or by name."""
    ws.ensure_schema(_DDL)
    rows = ws.query(
        f"SELECT {_SET_COLUMNS} FROM {META}.recommendation_sets "
        "WHERE recommendation_id = ? OR name = ? ORDER BY seq LIMIT 1",
        [recommendation_id, recommendation_id],
    )
    if not rows:
        known = ", ".join(s.recommendation_id for s in list_sets(ws)) or "none yet"
        raise TableNotFoundError(
            f"There is no recommendation set {recommendation_id!r} (sets: {known}). "
            "Make one with `segment recommend RUN_ID`."
        )
    return _from_row(rows[0])


def _from_row(row: tuple) -> RecommendationSet:
    *head, evaluation, params = row
    return RecommendationSet(
        *head, evaluation=json.loads(evaluation) if evaluation else None, params=json.loads(params)
    )


REASON_SQL = """CASE r.source
    WHEN 'model' THEN CASE WHEN r.because IS NULL THEN 'similar customers bought it'
        ELSE 'customers who bought ' || coalesce(b.description, r.because)
            || ' also bought ' || coalesce(p.description, r.product) END
    WHEN 'segment' THEN 'popular in ' || coalesce(r.segment, 'this segment')
    ELSE 'a bestseller' END"""


def read_rows(
    ws: Workspace,
    recommendation_id: str,
    *,
    customer_id: str | None = None,
    limit: int | None = None,
) -> pd.DataFrame:
    """``customer_id, rank, product, description, score, reason`` of a set (one customer's, or
    the first ``limit`` rows)."""
    record = get_set(ws, recommendation_id)
    where, params = "r.recommendation_id = ?", [record.recommendation_id]
    if customer_id is not None:
        where += " AND r.customer_id = ?"
        params.append(customer_id)
    return ws.query_df(
        f"""SELECT r.customer_id, r.rank, r.product, p.description, r.score, {REASON_SQL} AS reason
        FROM {META}.recommendations r
        LEFT JOIN {META}.recommendation_products p
            ON p.recommendation_id = r.recommendation_id AND p.product = r.product
        LEFT JOIN {META}.recommendation_products b
            ON b.recommendation_id = r.recommendation_id AND b.product = r.because
        WHERE {where} ORDER BY r.customer_id, r.rank"""
        + (" LIMIT ?" if limit is not None else ""),
        [*params, *([int(limit)] if limit is not None else [])],
    )


def wide_rows(ws: Workspace, recommendation_id: str, top: int) -> pd.DataFrame:
    """``customer_id, rec_1 .. rec_top`` (product ids, with ' - description' where known), for
    audience exports."""
    record = get_set(ws, recommendation_id)
    top = max(1, min(int(top), record.top))
    columns = ", ".join(
        f"max(text) FILTER (WHERE rank = {k}) AS rec_{k}" for k in range(1, top + 1)
    )
    return ws.query_df(
        f"""SELECT customer_id, {columns} FROM (
            SELECT r.customer_id, r.rank,
                r.product || coalesce(' - ' || p.description, '') AS text
            FROM {META}.recommendations r LEFT JOIN {META}.recommendation_products p
                ON p.recommendation_id = r.recommendation_id AND p.product = r.product
            WHERE r.recommendation_id = ? AND r.rank <= ?
        ) GROUP BY customer_id ORDER BY customer_id""",
        [record.recommendation_id, top],
    )


def delete_set(ws: Workspace, recommendation_id: str) -> None:
    """Remove a set and its rows."""
    rid = get_set(ws, recommendation_id).recommendation_id
    with ws.transaction() as cur:
        for table in ("recommendations", "recommendation_products", "recommendation_sets"):
            cur.execute(f"DELETE FROM {META}.{table} WHERE recommendation_id = ?", [rid]).fetchall()

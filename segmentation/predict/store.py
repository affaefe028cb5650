"""Predictions kept in the workspace: ``_seg.predictions`` (one row each, with its recipe and
what its totals need) and ``_seg.prediction_customers`` (one row per customer).

A prediction is written in one transaction: both tables get it, or neither does.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> [p["prediction_id"] for p in list_predictions(ws)]  # doctest: +SKIP
['p1', 'p2']
"""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, NameClashError, TableNotFoundError
from ..workspace import META, Workspace, quote_ident

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {META}.predictions (
    prediction_id VARCHAR NOT NULL,
    seq INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    created_at TIMESTAMP NOT NULL,
    table_name VARCHAR NOT NULL,
    model VARCHAR NOT NULL,
    unit VARCHAR NOT NULL,
    observation_end DATE NOT NULL,
    customers BIGINT NOT NULL,
    summary VARCHAR NOT NULL,
    recipe VARCHAR NOT NULL,
    fit VARCHAR NOT NULL,
    validation VARCHAR
);
CREATE TABLE IF NOT EXISTS {META}.prediction_customers (
    prediction_id VARCHAR NOT NULL,
    customer_id VARCHAR NOT NULL,
    frequency DOUBLE, recency DOUBLE, "T" DOUBLE, monetary_value DOUBLE,
    p_alive DOUBLE, expected_orders DOUBLE, expected_orders_low DOUBLE,
    expected_orders_high DOUBLE, expected_order_value DOUBLE,
    clv DOUBLE, clv_low DOUBLE, clv_high DOUBLE, churn_risk VARCHAR
);
"""
CUSTOMER_COLUMNS = (
    "customer_id",
    "frequency",
    "recency",
    "T",
    "monetary_value",
    "p_alive",
    "expected_orders",
    "expected_orders_low",
    "expected_orders_high",
    "expected_order_value",
    "clv",
    "clv_low",
    "clv_high",
    "churn_risk",
)
# The columns of an --out file and of the per-customer table, in order.
OUT_COLUMNS = tuple(c for c in CUSTOMER_COLUMNS if not c.startswith("expected_orders_"))


def json_safe(value: Any) -> Any:
    """Infinities and NaN become None (JSON has no such numbers); numpy scalars become floats."""
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_customers(customers: pd.DataFrame, path: str | Path) -> Path:
    """Write the per-customer table (the columns of :data:`OUT_COLUMNS`, the customer id as
    text) to a .csv or .parquet file; returns the path."""
    target = Path(path).expanduser()
    suffix = target.suffix.lower()
    if suffix not in (".csv", ".parquet"):
        raise InvalidParameterError(
            f"The output file must end in .csv or .parquet. Got {target.name!r} instead."
        )
    if not target.parent.exists():
        raise InvalidParameterError(f"The folder {target.parent} does not exist; create it first.")
    frame = customers.loc[:, list(OUT_COLUMNS)].copy()
    frame["customer_id"] = frame["customer_id"].astype(str)
    if suffix == ".csv":
        frame.to_csv(target, index=False)
    else:
        frame.to_parquet(target, index=False)
    return target


def next_prediction_id(ws: Workspace) -> tuple[str, int]:
    ws.ensure_schema(SCHEMA)
    last = ws.query(f"SELECT coalesce(max(seq), 0) FROM {META}.predictions")[0][0]
    return f"p{int(last) + 1}", int(last) + 1


def save_prediction(
    ws: Workspace,
    *,
    prediction_id: str,
    seq: int,
    name: str,
    row: dict[str, Any],
    summary: dict[str, Any],
    recipe: dict[str, Any],
    fit: dict[str, Any],
    customers: pd.DataFrame,
    validation: dict[str, Any] | None = None,
) -> None:
    """Write a prediction and its customers in one transaction."""
    ws.ensure_schema(SCHEMA)
    frame = customers.loc[:, list(CUSTOMER_COLUMNS)].copy()
    frame["customer_id"] = frame["customer_id"].astype(str)
    with ws.transaction() as cur:
        taken = cur.execute(
            f"SELECT count(*) FROM {META}.predictions WHERE prediction_id = ? OR name = ?",
            [prediction_id, name],
        ).fetchone()[0]
        if taken:
            raise NameClashError(
                f"A prediction named {name!r} is already in the workspace. Choose another "
                "name with --name, or see them with `segment predictions`."
            )
        cur.execute(
            f"INSERT INTO {META}.predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                prediction_id,
                seq,
                name,
                datetime.now().replace(microsecond=0),
                row["table"],
                row["model"],
                row["unit"],
                row["observation_end"],
                row["customers"],
                json.dumps(json_safe(summary)),
                json.dumps(json_safe(recipe)),
                json.dumps(json_safe(fit)),
                None if validation is None else json.dumps(json_safe(validation)),
            ],
        ).fetchall()
        cur.register("__prediction", frame)
        cols = ", ".join(f'"{c}"' for c in CUSTOMER_COLUMNS)
        cur.execute(
            f"INSERT INTO {META}.prediction_customers (prediction_id, {cols}) "
            f"SELECT ?, {cols} FROM __prediction",
            [prediction_id],
        ).fetchall()
        cur.unregister("__prediction")


def list_predictions(ws: Workspace) -> list[dict[str, Any]]:
    """Every stored prediction's summary (the `segment --json predict` object), oldest first."""
    ws.ensure_schema(SCHEMA)
    rows = ws.query(
        f"SELECT prediction_id, name, created_at, summary FROM {META}.predictions ORDER BY seq"
    )
    out = []
    for pid, name, created, text in rows:
        item = {"prediction_id": pid, "name": name, "created_at": created.isoformat()}
        item.update({k: v for k, v in json.loads(text).items() if k != "prediction_id"})
        out.append(item)
    return out


def _resolve(ws: Workspace, prediction: str) -> str:
    ws.ensure_schema(SCHEMA)
    found = ws.query(
        f"SELECT prediction_id FROM {META}.predictions WHERE prediction_id = ? OR name = ? "
        "ORDER BY seq DESC LIMIT 1",
        [prediction, prediction],
    )
    if not found:
        known = [r[0] for r in ws.query(f"SELECT prediction_id FROM {META}.predictions")]
        raise TableNotFoundError(
            f"There is no prediction {prediction!r} (predictions: {', '.join(known) or 'none yet'})."
            " Make one with `segment predict TABLE`, or list them with `segment predictions`."
        )
    return found[0][0]


def read_prediction(ws: Workspace, prediction: str) -> dict[str, Any]:
    """A stored prediction by id or name: its summary, recipe, fit and holdout check."""
    pid = _resolve(ws, prediction)
    name, summary, recipe, fit, validation = ws.query(
        f"SELECT name, summary, recipe, fit, validation FROM {META}.predictions "
        "WHERE prediction_id = ?",
        [pid],
    )[0]
    out = json.loads(summary)
    out.update({"prediction_id": pid, "name": name})
    return {
        "summary": out,
        "recipe": json.loads(recipe),
        "fit": json.loads(fit),
        "validation": None if validation is None else json.loads(validation),
    }


def prediction_customers_by_segment(ws: Workspace, prediction: str, run_id: str) -> pd.DataFrame:
    """The per-customer table of a stored prediction with each customer's ``segment_id`` and
    ``segment`` (name) in run ``run_id``: customers in both, joined in the workspace (a pandas
    merge on a million text ids took 3 s), by customer id."""
    pid = _resolve(ws, prediction)
    cols = ", ".join(f"p.{quote_ident(c)}" for c in CUSTOMER_COLUMNS)
    return ws.query_df(
        f"SELECT {cols}, a.segment_id, s.name AS segment "
        f"FROM {META}.prediction_customers p "
        f"JOIN {META}.assignments a ON a.customer_id = p.customer_id AND a.run_id = ? "
        f"JOIN {META}.segments s ON s.run_id = a.run_id AND s.segment_id = a.segment_id "
        "WHERE p.prediction_id = ? ORDER BY p.customer_id",
        [run_id, pid],
    )


def prediction_customers(ws: Workspace, prediction: str) -> pd.DataFrame:
    """The per-customer table of a stored prediction, by customer id."""
    pid = _resolve(ws, prediction)
    cols = ", ".join(f'"{c}"' for c in CUSTOMER_COLUMNS)
    return ws.query_df(
        f"SELECT {cols} FROM {META}.prediction_customers WHERE prediction_id = ? "
        "ORDER BY customer_id",
        [pid],
    )

"""Selections on the map: the customers a lasso or box picked, and how they differ from everyone.

>>> event = {"selection": {"points": [{"customdata": ["C1", 3.0]}], "box": [], "lasso": []}}
>>> selected_customers(event)
['C1']
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from ..segment.runs import Run, get_run
from ..workspace import META, Workspace, fetch_frame, quote_ident
from .points import key_features
from .prepared import customer_id_column
from .result import Projection
from .window import Window, selection_window


def selected_customers(event: Mapping | None, projection: Projection | None = None) -> list[str]:
    """The customer ids a lasso or box selection on the 2-D chart picked.

    ``event`` is what ``st.plotly_chart(..., on_select=...)`` returns. With the ``projection``,
    every projected customer inside the lasso or box counts (not only the drawn points), in
    the segments whose points were selected (a segment hidden from the legend stays out);
    without it, the ``customdata`` (first value: the customer id) of the selected points.

    >>> event = {"selection": {"points": [{"customdata": ["C1", 3.0]}], "box": [], "lasso": []}}
    >>> selected_customers(event)
    ['C1']
    """
    selection = (event or {}).get("selection") or {}
    picked = [_first(p.get("customdata")) for p in selection.get("points") or []]
    picked = [str(p) for p in picked if p is not None]
    regions = [*(selection.get("box") or []), *(selection.get("lasso") or [])]
    if projection is None or projection.dims != 2 or not regions or not picked:
        return list(dict.fromkeys(picked))
    points = projection.points
    x, y = points["x"].to_numpy(np.float64), points["y"].to_numpy(np.float64)
    inside = np.zeros(len(points), dtype=bool)
    for box in selection.get("box") or []:
        (x0, x1), (y0, y1) = sorted(box["x"][:2]), sorted(box["y"][:2])
        inside |= (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    for lasso in selection.get("lasso") or []:
        inside |= _in_polygon(x, y, np.asarray(lasso["x"], float), np.asarray(lasso["y"], float))
    segments = points.loc[points["customer_id"].isin(picked), "segment_id"].unique()
    inside &= points["segment_id"].isin(segments).to_numpy()
    return list(dict.fromkeys([*points.loc[inside, "customer_id"].tolist(), *picked]))


@dataclass(frozen=True)
class MapSelection:
    """What the page keeps of a selection on the map: the run, the customer ids, and the map's
    key with the area around the boxes and lassos (None for a click), for zooming in on it."""

    run_id: str
    ids: tuple[str, ...]
    key: str | None = None
    area: Window | None = None

    @cached_property
    def digest(self) -> str:
        """A short fingerprint of the run and ids (a cache key cheaper than the ids)."""
        text = json.dumps([self.run_id, *self.ids]).encode("utf-8")
        return hashlib.blake2b(text, digest_size=16).hexdigest()


def map_selection(event: Mapping | None, projection: Projection) -> MapSelection:
    """The customers a selection picked (:func:`selected_customers`) and the area to zoom to.

    >>> map_selection(event, pca).area  # doctest: +SKIP
    Window(x0=-1.0, x1=1.0, y0=0.0, y1=2.0)
    """
    ids = tuple(selected_customers(event, projection))
    area = selection_window(event) if projection.dims == 2 else None
    return MapSelection(projection.run_id, ids, projection.key, area)


def _first(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _in_polygon(x: np.ndarray, y: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Even-odd rule: which points (x, y) lie inside the polygon (px, py)."""
    inside = np.zeros(len(x), dtype=bool)
    if len(px) < 3:
        return inside
    near = (x >= px.min()) & (x <= px.max()) & (y >= py.min()) & (y <= py.max())
    xs, ys = x[near], y[near]
    hit = np.zeros(len(xs), dtype=bool)
    for i in range(len(px)):
        x1, y1, x2, y2 = px[i - 1], py[i - 1], px[i], py[i]
        crosses = (y1 > ys) != (y2 > ys)
        with np.errstate(divide="ignore", invalid="ignore"):
            at = x1 + (ys - y1) * (x2 - x1) / (y2 - y1)
        hit ^= crosses & (xs < at)
    inside[np.flatnonzero(near)] = hit
    return inside


@dataclass(frozen=True)
class SelectionProfile:
    """Chosen customers against everyone in the run.

    ``segments``: ``segment, selected, share_of_selection, share_of_segment``;
    ``features``: ``feature, selected_mean, overall_mean, index`` (selected / overall x 100);
    ``members``: the first ``limit`` chosen customers (by id) with their segment and features.
    """

    size: int
    customers: int
    segments: pd.DataFrame
    features: pd.DataFrame
    members: pd.DataFrame


def selection_profile(
    ws: Workspace,
    run_id: str,
    customer_ids: Sequence[str],
    *,
    features: Sequence[str] | None = None,
    limit: int = 1000,
) -> SelectionProfile:
    """Counts per segment and the key features' means of the chosen customers vs everyone.

    >>> selection_profile(ws, "r1", ["12347", "14646"]).features  # doctest: +SKIP
    """
    run = get_run(ws, run_id)
    features = list(features or key_features(ws, run_id))
    chosen = pd.DataFrame({"customer_id": pd.unique(pd.Series(customer_ids, dtype=str))})
    overall, by_segment, members = _selection_rows(ws, run, chosen, features, limit)
    size, customers = int(overall[0]), int(overall[1])
    names = {s.segment_id: s.name for s in run.segments}
    members.insert(1, "segment", members.pop("segment_id").map(names))
    return SelectionProfile(
        size,
        customers,
        _segment_shares(by_segment, names, size),
        _feature_means(overall[2:], features),
        members,
    )


def _selection_rows(
    ws: Workspace, run: Run, chosen: pd.DataFrame, features: list[str], limit: int
) -> tuple[tuple, list[tuple], pd.DataFrame]:
    """In DuckDB: the chosen and all counts with each feature's two means, the counts per
    segment, and the first ``limit`` chosen customers with their features."""
    id_column = customer_id_column(ws, run)
    table, id_sql = quote_ident(run.table), f"CAST(f.{quote_ident(id_column)} AS VARCHAR)"
    cols = [f"CAST(f.{quote_ident(c)} AS DOUBLE)" for c in features]
    means = "".join(f", avg({c}) FILTER (WHERE s.customer_id IS NOT NULL), avg({c})" for c in cols)
    member_cols = "".join(f", {c} AS {quote_ident(f)}" for c, f in zip(cols, features, strict=True))
    joined = (
        f"FROM {META}.assignments a JOIN {table} f ON a.customer_id = {id_sql} "
        "LEFT JOIN __selected s ON s.customer_id = a.customer_id WHERE a.run_id = ?"
    )
    with ws.reading() as cur:
        cur.register("__selected", chosen)
        overall = cur.execute(
            f"SELECT count(s.customer_id), count(*){means} {joined}", [run.run_id]
        ).fetchall()[0]
        by_segment = cur.execute(
            f"SELECT a.segment_id, count(s.customer_id), count(*) {joined} GROUP BY a.segment_id "
            "ORDER BY a.segment_id",
            [run.run_id],
        ).fetchall()
        members = fetch_frame(
            cur,
            f"SELECT a.customer_id, a.segment_id{member_cols} FROM __selected s "
            f"JOIN {META}.assignments a ON a.customer_id = s.customer_id AND a.run_id = ? "
            f"JOIN {table} f ON a.customer_id = {id_sql} ORDER BY a.customer_id LIMIT ?",
            [run.run_id, int(limit)],
        )
    return overall, by_segment, members


def _segment_shares(by_segment: list[tuple], names: dict[int, str], size: int) -> pd.DataFrame:
    """``segment, selected, share_of_selection, share_of_segment`` per segment."""
    return pd.DataFrame(
        [
            {
                "segment": names.get(int(sid), str(sid)),
                "selected": int(n),
                "share_of_selection": n / size if size else 0.0,
                "share_of_segment": n / total if total else 0.0,
            }
            for sid, n, total in by_segment
        ]
    )


def _feature_means(means: Sequence[Any], features: list[str]) -> pd.DataFrame:
    """``feature, selected_mean, overall_mean, index`` from the pairs of means, in order."""
    rows = []
    for i, feature in enumerate(features):
        selected_mean, overall_mean = _num(means[2 * i]), _num(means[2 * i + 1])
        index = (
            selected_mean / overall_mean * 100
            if selected_mean is not None and overall_mean
            else None
        )
        rows.append(
            {
                "feature": feature,
                "selected_mean": selected_mean,
                "overall_mean": overall_mean,
                "index": index,
            }
        )
    return pd.DataFrame(rows)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None

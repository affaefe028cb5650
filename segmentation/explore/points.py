"""What a chart of a projection draws: a bounded, segment-stratified subset with hover features,
of the whole map or of a zoomed-in area, and the shading of every customer when it is a sample.

Also the paragraph under the chart and the Parquet file of the coordinates.

>>> drawn = chart_points(ws, pca, colour="monetary")  # doctest: +SKIP
>>> drawn.drawn, drawn.total, drawn.features[:3]  # doctest: +SKIP
(30000, 1000000, ['recency_days', 'frequency', 'monetary'])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InvalidParameterError, param_error
from ..features.shown import chosen_features, shown_features
from ..features.summaries import numeric_columns
from ..segment.runs import get_run
from ..segment.sampling import sample_by_segment
from ..workspace import Workspace, fetch_frame, quote_ident
from .params import is_int
from .prepared import customer_id_column
from .result import Projection
from .window import Density, Window, density_grid, inside, whole_window

MAX_POINTS = 30_000  # points a chart draws (WebGL); the rest are summarized by the density view
KEY_FEATURES = 6  # features shown on hover and in a selection's profile


@dataclass(frozen=True)
class ChartPoints:
    """The points a chart draws: a seeded, segment-stratified subset with hover features.

    ``frame`` has the projection's columns plus the ``features`` (and ``colour`` when it is a
    feature); ``total`` is how many points the view holds: the projection's, or those inside
    ``window`` when the chart is zoomed in. ``density`` counts all ``total`` of them per cell
    of a grid when only a sample is drawn (None when every point is).
    """

    frame: pd.DataFrame
    features: list[str]
    colour: str | None
    total: int
    window: Window | None = None
    density: Density | None = None

    @property
    def drawn(self) -> int:
        return len(self.frame)


def key_features(ws: Workspace, run_id: str, limit: int = KEY_FEATURES) -> list[str]:
    """The features shown on hover and in a selection's profile: the run's own first."""
    run = get_run(ws, run_id)
    chosen = chosen_features(run.recipe)
    return shown_features(ws, run.table, chosen, rfm=run.algorithm == "rfm")[:limit]


def colour_features(ws: Workspace, run_id: str) -> list[str]:
    """The numeric columns of the run's customer table a chart can be coloured by."""
    run = get_run(ws, run_id)
    id_column = ws.table(run.table).roles.get("customer_id")
    return [c for c in numeric_columns(ws, run.table) if c != id_column]


def chart_points(
    ws: Workspace,
    projection: Projection,
    *,
    colour: str | None = None,
    max_points: int = MAX_POINTS,
    seed: int = 0,
    window: Window | None = None,
) -> ChartPoints:
    """At most ``max_points`` of a projection's points with the key features for hover
    (and the ``colour`` feature), read from the run's customer table in DuckDB.

    With a ``window`` (2-D only), the points inside it: every one when they fit under
    ``max_points``, else a seeded sample in proportion to each segment. When a sample is
    drawn, ``density`` counts every point of the view per cell, for the shading under them.

    >>> zoomed = chart_points(ws, pca, window=Window(-1, 1, -1, 1))  # doctest: +SKIP
    >>> zoomed.drawn == zoomed.total  # every customer of the area  # doctest: +SKIP
    True
    """
    if not is_int(max_points) or max_points < 100:
        raise param_error("max_points", "an int of at least 100", max_points)
    if colour is not None and colour not in colour_features(ws, projection.run_id):
        raise param_error("colour", "a numeric column of the run's table", colour)
    if window is not None and projection.dims != 2:
        raise param_error("window", "None for a 3-D map (zoom in on the 2-D map)", window)
    points = projection.points
    if window is not None:
        points = points.iloc[inside(points, window)].reset_index(drop=True)
    rows = sample_by_segment(points["segment_id"].to_numpy(), max_points, seed=seed)
    drawn = points.iloc[rows].reset_index(drop=True)
    features = key_features(ws, projection.run_id)
    wanted = list(dict.fromkeys([*features, *([colour] if colour else [])]))
    values = _customer_values(ws, projection.run_id, drawn["customer_id"], wanted)
    frame = drawn.merge(values, on="customer_id", how="left")
    density = None
    if len(drawn) < len(points) and projection.dims == 2:
        area = window or whole_window(points)
        density = density_grid(points, area) if area is not None else None
    return ChartPoints(frame, features, colour, len(points), window, density)


def _customer_values(ws: Workspace, run_id: str, ids: pd.Series, columns: list[str]):
    run = get_run(ws, run_id)
    id_column = customer_id_column(ws, run)
    select = "".join(f", CAST(f.{quote_ident(c)} AS DOUBLE) AS {quote_ident(c)}" for c in columns)
    with ws.reading() as cur:
        cur.register("__chosen", pd.DataFrame({"customer_id": ids.astype(str).to_numpy()}))
        return fetch_frame(
            cur,
            f"SELECT c.customer_id{select} FROM __chosen c JOIN {quote_ident(run.table)} f "
            f"ON c.customer_id = CAST(f.{quote_ident(id_column)} AS VARCHAR)",
        )


def describe(projection: Projection, points: ChartPoints, *, density: bool = False) -> str:
    """One paragraph under the chart: what was projected, from how many customers, what is drawn
    (:func:`drawn_words`; with ``density``, the density view of every customer instead).

    >>> describe(pca, drawn)  # doctest: +SKIP
    'PCA of all 1,000,000 customers; explained variance: PC1 28%, PC2 25% (52% together). ...'
    """
    variance = projection.explained_variance
    if variance is not None:
        parts = ", ".join(f"PC{i + 1} {v:.0%}" for i, v in enumerate(variance))
        text = (
            f"PCA of all {projection.customers:,} customers; explained variance: {parts} "
            f"({sum(variance):.0%} together)."
        )
    else:
        text = (
            f"UMAP of a sample of {len(projection.points):,} of {projection.customers:,} "
            f"customers, drawn from every segment in proportion; fitted in "
            f"{projection.fit_seconds:.0f} s and kept in the workspace. It only shows the "
            "segments: it does not change them."
        )
    if density:
        return (
            f"{text} The shading shows where all {len(projection.points):,} customers"
            f"{_of_sample(projection)} are; the Points view draws them one by one."
        )
    return f"{text} {drawn_words(projection, points)}"


def drawn_words(projection: Projection, points: ChartPoints) -> str:
    """How many customers the chart draws as points, in words for the page.

    >>> drawn_words(pca, drawn)  # doctest: +SKIP
    'Showing 30,000 of 1,000,000 customers as points (a sample in proportion to each segment);
    the shading shows where all of them are.'
    """
    sample = points.drawn < points.total
    rest = " (a sample in proportion to each segment)" if sample else ""
    rest += "; the shading shows where all of them are" if points.density is not None else ""
    if points.window is not None:
        if points.total == 0:
            return "Zoomed in: there are no customers in this area."
        if not sample:
            if points.total == 1:
                return "Zoomed in: the one customer in this area is drawn."
            return f"Zoomed in: all {points.total:,} customers in this area are drawn."
        return (
            f"Zoomed in: {points.drawn:,} of the {points.total:,} customers in this area are "
            f"drawn{rest}."
        )
    noun = f"customers{_of_sample(projection)}"
    if not sample:
        return f"Showing all {points.total:,} {noun} as points."
    return f"Showing {points.drawn:,} of {points.total:,} {noun} as points{rest}."


def _of_sample(projection: Projection) -> str:
    return " of the sample" if projection.sampled else ""


def write_points(projection: Projection, path: str | Path) -> Path:
    """Write ``customer_id, segment_id, segment, x, y[, z]`` to a Parquet file."""
    path = Path(path).expanduser()
    if path.suffix.lower() != ".parquet":
        raise param_error("out", "a file name ending in .parquet", str(path))
    if not path.parent.exists():
        raise InvalidParameterError(
            f"The folder {path.parent} does not exist; create it or choose another --out."
        )
    frame = projection.points.assign(segment=projection.points["segment"].astype(str))
    try:
        frame.to_parquet(path, index=False)
    except OSError as exc:
        raise InvalidParameterError(f"Cannot write {path}: {exc}") from exc
    return path

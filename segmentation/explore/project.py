"""Explore: a run's customers on a map (PCA or UMAP), cached in the workspace per run.

* PCA projects every customer of the run's prepared features (the run's own fitted
  preparation; for RFM runs, standardized ``log1p`` of recency, frequency and monetary), with
  the explained variance of each component and the features' loadings.
* UMAP fits on a sample stratified by segment (at most ``DEFAULT_SAMPLE`` customers unless
  asked, every segment represented), from exact nearest neighbours (scikit-learn's KD-tree,
  given to umap-learn as ``precomputed_knn``) and a PCA start, seeded: the same sample and
  coordinates every time. Its progress (sampling, neighbours, fitting, layout epochs, saving)
  goes to ``progress``.
* Coordinates are stored in ``_seg.projections`` / ``_seg.projection_points``, keyed by the run
  (and its creation time: run ids can be reused) and the parameters, so a second call reads
  them back instead of refitting. The fit holds no workspace lock; the coordinates are written
  in one short transaction at the end.

A projection only shows the segments: it never changes them.

>>> pca = project(ws, "r1", method="pca")  # doctest: +SKIP
>>> pca.explained_variance, len(pca.points)  # doctest: +SKIP
((0.41, 0.22), 4339)
>>> umap = project(ws, "r1", method="umap", sample=2000, n_neighbors=15)  # doctest: +SKIP
>>> umap.cached, umap.sampled  # doctest: +SKIP
(False, True)
"""

from __future__ import annotations

import json
import math
import re
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, param_error
from ..features import summaries as stats
from ..profiles import build as profiles
from ..segment import runs
from ..segment.preprocess import transform
from ..segment.runs import Run, get_run
from ..segment.sampling import sample_by_segment
from ..workspace.connection import META, Workspace, quote_ident

Progress = Callable[[float, str], None]
METHODS = ("pca", "umap")
METRICS = ("euclidean", "manhattan", "chebyshev", "cosine", "correlation")
DEFAULT_SAMPLE = 20_000  # UMAP fits on at most this many customers unless asked otherwise
MAX_POINTS = 30_000  # points a chart draws (WebGL); the rest are summarized by the density view
MIN_SAMPLE = 10
MAX_NEIGHBORS = 200
KEY_FEATURES = 6  # features shown on hover and in a selection's profile
HELP = {
    "method": "PCA: a linear view of every customer; its axes are mixes of the features "
    "(see the loadings). UMAP: a non-linear map of a sample that keeps neighbours together; "
    "distances between far-apart groups mean little.",
    "dims": "Two dimensions can be lasso-selected; three can be turned around.",
    "n_neighbors": "How many neighbours shape each customer's place: small values (5-15) keep "
    "fine local groups, large values (50-200) show the overall layout. Must be smaller than "
    "the sample.",
    "min_dist": "How tightly points may pack, from 0 to 1: near 0 gives dense clumps (clusters "
    "stand out), near 1 spreads points evenly.",
    "metric": "How the distance between two customers' prepared features is measured: "
    "euclidean (straight line), manhattan (sum of differences, less swayed by one large "
    "difference), chebyshev (the largest difference), cosine or correlation (the shape of a "
    "profile, not its size).",
    "sample": "UMAP fits on a sample drawn from every segment in proportion (each segment at "
    "least a few dozen customers). Larger samples take longer: about 15 s for 20,000, plus "
    "about 15 s the first time after the app starts (UMAP compiles itself).",
}

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
_AXES = ("x", "y", "z")


# -- parameters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProjectionParams:
    """The choices behind a projection; :func:`check_params` validates them.

    ``sample``, ``n_neighbors``, ``min_dist``, ``metric`` and ``seed`` apply to UMAP only.
    """

    method: str = "pca"
    dims: int = 2
    sample: int | None = None
    n_neighbors: int = 15
    min_dist: float = 0.1
    metric: str = "euclidean"
    seed: int = 0

    @property
    def key(self) -> str:
        """The cache key of these parameters, e.g. ``umap-2d-n15-d0.1-euclidean-s20000-r0``."""
        if self.method == "pca":
            return f"pca-{self.dims}d"
        return (
            f"umap-{self.dims}d-n{self.n_neighbors}-d{self.min_dist:g}-{self.metric}"
            f"-s{self.sample}-r{self.seed}"
        )

    def to_dict(self) -> dict[str, Any]:
        if self.method == "pca":
            return {"method": "pca", "dims": self.dims}
        return asdict(self)


def check_params(
    method: str = "pca",
    *,
    dims: int = 2,
    sample: int | None = None,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    metric: str = "euclidean",
    seed: int = 0,
    customers: int | None = None,
) -> ProjectionParams:
    """Validate projection parameters (against the run's size when ``customers`` is given).

    >>> check_params("umap", sample=500).sample
    500
    >>> check_params("tsne")
    Traceback (most recent call last):
    ...
    segmentation.errors.InvalidParameterError: The 'method' parameter must be one of pca, umap. Got 'tsne' instead.
    """
    if method not in METHODS:
        raise param_error("method", f"one of {', '.join(METHODS)}", method)
    if not _is_int(dims) or dims not in (2, 3):
        raise param_error("dims", "2 or 3", dims)
    if method == "pca":
        if sample is not None:
            raise InvalidParameterError(
                f"The 'sample' parameter applies to UMAP only: PCA projects every customer. "
                f"Got {sample!r}; leave it out."
            )
        return ProjectionParams("pca", int(dims))
    sample = DEFAULT_SAMPLE if sample is None else sample
    if not _is_int(sample) or sample < MIN_SAMPLE:
        raise param_error("sample", f"an int of at least {MIN_SAMPLE}", sample)
    if metric not in METRICS:
        raise param_error("metric", f"one of {', '.join(METRICS)}", metric)
    if not isinstance(min_dist, int | float) or isinstance(min_dist, bool):
        raise param_error("min_dist", "a number in the range [0, 1]", min_dist)
    if not 0 <= min_dist <= 1:
        raise param_error("min_dist", "a number in the range [0, 1]", min_dist)
    if not _is_int(seed) or seed < 0:
        raise param_error("seed", "an int of at least 0", seed)
    fitted = min(sample, customers) if customers else sample
    high = min(MAX_NEIGHBORS, fitted - 1)
    if not _is_int(n_neighbors) or not 2 <= n_neighbors <= high:
        rule = f"an int in the range [2, {high}] (below the {fitted:,} customers fitted)"
        raise param_error("n_neighbors", rule, n_neighbors)
    return ProjectionParams(
        "umap", int(dims), int(sample), int(n_neighbors), float(min_dist), metric, int(seed)
    )


def _is_int(value: object) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


# -- results ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Projection:
    """Coordinates of a run's customers, and how they were made.

    ``points`` has ``customer_id, segment_id, segment, x, y`` (and ``z`` in 3-D): every customer
    for PCA, the stratified sample for UMAP. ``loadings`` (PCA) has one row per prepared
    feature and one column per component (``PC1``, ...). ``cached`` says whether the
    coordinates were read from the workspace instead of fitted; ``seconds`` is this call's time
    and ``fit_seconds`` the time the fit took when it was made.
    """

    run_id: str
    params: ProjectionParams
    points: pd.DataFrame
    customers: int
    explained_variance: tuple[float, ...] | None
    loadings: pd.DataFrame | None
    fit_seconds: float
    seconds: float
    cached: bool

    @property
    def method(self) -> str:
        return self.params.method

    @property
    def dims(self) -> int:
        return self.params.dims

    @property
    def key(self) -> str:
        return self.params.key

    @property
    def sampled(self) -> bool:
        """Whether only a sample of the run's customers has coordinates."""
        return len(self.points) < self.customers

    @property
    def axis_titles(self) -> list[str]:
        """``PC1 (41%)``, ... for PCA; ``UMAP 1``, ... for UMAP."""
        if self.explained_variance is not None:
            return [f"PC{i + 1} ({v:.0%})" for i, v in enumerate(self.explained_variance)]
        return [f"UMAP {i + 1}" for i in range(self.dims)]

    def to_dict(self) -> dict[str, Any]:
        """What `segment --json project` prints."""
        out: dict[str, Any] = {
            "run_id": self.run_id,
            "method": self.method,
            "dims": self.dims,
            "points": len(self.points),
            "customers": self.customers,
            "seconds": round(self.seconds, 3),
            "fit_seconds": round(self.fit_seconds, 3),
            "cached": self.cached,
        }
        if self.explained_variance is not None:
            out["explained_variance"] = [round(v, 6) for v in self.explained_variance]
        else:
            out["params"] = self.params.to_dict()
        return out


# -- the prepared features -------------------------------------------------------------------
@dataclass(frozen=True)
class PreparedFeatures:
    """A run's prepared matrix with its customer ids and segment ids, rows in table order."""

    customer_ids: np.ndarray
    X: np.ndarray
    segment_ids: np.ndarray
    feature_names: list[str]


def prepared_features(ws: Workspace, run_id: str) -> PreparedFeatures:
    """The matrix a projection uses: the run's fitted preparation applied to its customers.

    RFM runs have no preparation: standardized ``log1p`` of recency, frequency and monetary.
    The customer table is read joined to the run's assignments in DuckDB (one pass, no
    re-indexing in pandas); a table that no longer matches the run is refused.
    """
    run = get_run(ws, run_id)
    frame, ids, segment_ids = _run_frame(ws, run)
    pipeline = runs.fitted(ws, run_id)["pipeline"]
    if pipeline is None:
        X, names = _rfm_matrix(frame, run)
    else:
        X = transform(pipeline, frame)
        names = _feature_names(pipeline, X.shape[1])
    X = np.nan_to_num(np.asarray(X, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    return PreparedFeatures(ids, X, segment_ids, names)


def _run_frame(ws: Workspace, run: Run) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The run's customer table (its columns, as the preparation saw them), customer ids and
    segment ids, in one DuckDB join of the table to the run's assignments."""
    id_column = ws.table(run.table).roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {run.table!r} has no customer_id role; set one on the Data page."
        )
    id_sql = f"CAST(f.{quote_ident(id_column)} AS VARCHAR)"
    cur = ws.cursor()
    try:
        result = cur.execute(
            f"SELECT {id_sql} AS __customer_id, a.segment_id AS __segment_id, "
            f"f.* EXCLUDE ({quote_ident(id_column)}) "
            f"FROM {META}.assignments a JOIN {quote_ident(run.table)} f "
            f"ON a.customer_id = {id_sql} WHERE a.run_id = ?",
            [run.run_id],
        ).fetchnumpy()
    finally:
        cur.close()
    ids = np.asarray(result.pop("__customer_id"), dtype=object)
    segment_ids = np.asarray(result.pop("__segment_id"), dtype=np.int64)
    if len(ids) != run.customers:  # customers gone, or ids repeated, since the run
        raise InvalidParameterError(
            f"Table {run.table!r} no longer holds the {run.customers:,} customers of run "
            f"{run.run_id} (it was changed after the run). Run the segmentation again to explore "
            "it."
        )
    frame = pd.DataFrame({name: _filled(values) for name, values in result.items()})
    frame["customer_id"] = ids
    return frame, ids, segment_ids


def _filled(values: np.ndarray) -> np.ndarray:
    """A fetched column with SQL NULLs as NaN (numbers), NaT (times) or None (the rest)."""
    if not isinstance(values, np.ma.MaskedArray):
        return values
    if values.dtype.kind in "iuf":
        return np.ma.filled(values.astype(np.float64), np.nan)
    if values.dtype.kind in "mM":
        return np.ma.filled(values, np.datetime64("NaT"))
    return np.ma.filled(values.astype(object), None)


def _rfm_matrix(frame: pd.DataFrame, run: Run) -> tuple[np.ndarray, list[str]]:
    chosen = (run.recipe.get("features") or {}).get("features")
    lower = {c.lower(): c for c in frame.columns}
    names = list(chosen) if chosen else [lower.get(c) for c in runs.RFM_COLUMNS]
    if len(names) != 3 or any(n is None or n not in frame.columns for n in names):
        raise InvalidParameterError(
            f"Run {run.run_id} is an RFM run but its table {run.table!r} lacks recency, "
            "frequency and monetary columns; rebuild the features and run it again."
        )
    values = frame[names].apply(pd.to_numeric, errors="coerce").to_numpy(np.float64)
    logged = np.log1p(np.clip(np.nan_to_num(values, nan=0.0), 0, None))
    spread = logged.std(axis=0)
    scaled = (logged - logged.mean(axis=0)) / np.where(spread > 0, spread, 1.0)
    return scaled, [str(n) for n in names]


def _feature_names(pipeline: Any, width: int) -> list[str]:
    try:
        names = [str(n) for n in pipeline.get_feature_names_out()]
    except (AttributeError, ValueError):
        names = []
    return names if len(names) == width else [f"feature {i + 1}" for i in range(width)]


# -- projecting ------------------------------------------------------------------------------
def project(
    ws: Workspace,
    run_id: str,
    method: str = "pca",
    *,
    dims: int = 2,
    sample: int | None = None,
    n_neighbors: int = 15,
    min_dist: float = 0.1,
    metric: str = "euclidean",
    seed: int = 0,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Projection:
    """The run's customers projected to 2 or 3 dimensions, from the cache or fitted now.

    >>> project(ws, "r1", method="umap", dims=3, sample=5000).points.columns.tolist()  # doctest: +SKIP
    ['customer_id', 'segment_id', 'segment', 'x', 'y', 'z']
    """
    start = time.perf_counter()
    report = progress or (lambda _f, _m: None)
    run = get_run(ws, run_id)
    params = check_params(
        method,
        dims=dims,
        sample=sample,
        n_neighbors=n_neighbors,
        min_dist=min_dist,
        metric=metric,
        seed=seed,
        customers=run.customers,
    )
    if not refresh:
        found = _load(ws, run, params, start)
        if found is not None:
            report(1.0, "Read the stored coordinates")
            return found
    report(0.02, "Reading the run's prepared features")
    prepared = prepared_features(ws, run_id)
    if params.method == "pca":
        coords, rows, variance, loadings = _pca(prepared, params, report)
    else:
        coords, rows = _umap(prepared, params, report)
        variance, loadings = None, None
    fit_seconds = time.perf_counter() - start
    points = pd.DataFrame({"customer_id": prepared.customer_ids[rows]})
    points["segment_id"] = prepared.segment_ids[rows].astype(np.int32)
    for i in range(params.dims):
        points[_AXES[i]] = coords[:, i].astype(np.float32)
    report(0.95, f"Saving {len(points):,} coordinates")
    _store(ws, run, params, points, variance, loadings, fit_seconds)
    report(1.0, "Done")
    return Projection(
        run_id,
        params,
        _named(points, run),
        run.customers,
        variance,
        loadings,
        fit_seconds,
        time.perf_counter() - start,
        False,
    )


def is_cached(ws: Workspace, run_id: str, method: str = "pca", **params: Any) -> bool:
    """Whether :func:`project` with these parameters would read stored coordinates."""
    run = get_run(ws, run_id)
    checked = check_params(method, customers=run.customers, **params)
    return _header(ws, run, checked) is not None


def _pca(prepared: PreparedFeatures, params: ProjectionParams, report: Progress):
    from sklearn.decomposition import PCA

    X = prepared.X
    if X.shape[1] < params.dims:
        raise InvalidParameterError(
            f"A {params.dims}-D PCA needs at least {params.dims} prepared features; this run "
            f"has {X.shape[1]}. Choose 2 dimensions, or UMAP."
        )
    report(0.3, f"Fitting PCA on {len(X):,} customers")
    pca = PCA(n_components=params.dims, random_state=0)
    coords = pca.fit_transform(X)
    loadings = pd.DataFrame(
        pca.components_.T,
        index=prepared.feature_names,
        columns=[f"PC{i + 1}" for i in range(params.dims)],
    )
    variance = tuple(float(v) for v in pca.explained_variance_ratio_)
    return coords, np.arange(len(X)), variance, loadings


def _umap(prepared: PreparedFeatures, params: ProjectionParams, report: Progress):
    n = len(prepared.X)
    size = min(params.sample, n)
    report(0.05, f"Sampling {size:,} of {n:,} customers, stratified by segment")
    rows = sample_by_segment(prepared.segment_ids, size, seed=params.seed)
    X = prepared.X[rows].astype(np.float32)
    report(0.1, f"Finding each customer's {params.n_neighbors} nearest neighbours")
    knn_indices, knn_dists = _neighbours(X, params.n_neighbors, params.metric)
    report(0.2, "Fitting UMAP (the first fit in a process also compiles UMAP: ~10-20 s)")
    umap = _umap_module()
    epochs = _EpochReporter(lambda done: report(0.3 + 0.6 * done, _epoch_text(done)))
    model = umap.UMAP(
        n_components=params.dims,
        n_neighbors=params.n_neighbors,
        min_dist=params.min_dist,
        metric=params.metric,
        random_state=params.seed,
        n_jobs=1,  # seeded UMAP runs on one thread anyway
        precomputed_knn=(knn_indices, knn_dists, None),
        init="pca",
        tqdm_kwds={"disable": False, "file": epochs, "bar_format": "{n}/{total}\n"},
    )
    with warnings.catch_warnings():  # "no knn_search_index": transform() is not needed here
        warnings.filterwarnings("ignore", message=".*knn_search_index.*", category=UserWarning)
        coords = model.fit_transform(X)
    if not np.isfinite(coords).all():
        raise InvalidParameterError(
            "UMAP gave non-finite coordinates for this sample; try more neighbours or another "
            "metric."
        )
    return coords, rows


def _epoch_text(done: float) -> str:
    return f"Placing the points ({done:.0%} of the layout epochs)"


class _EpochReporter:
    """A file-like target for UMAP's tqdm bar (``{n}/{total}``), forwarded as a fraction."""

    def __init__(self, report: Callable[[float], None]) -> None:
        self._report = report
        self._last = -1.0

    def write(self, text: str) -> int:
        found = re.findall(r"(\d+)/(\d+)", text)
        if found:
            n, total = map(int, found[-1])
            fraction = n / total if total else 1.0
            if fraction - self._last >= 0.02 or fraction >= 1:
                self._last = fraction
                self._report(fraction)
        return len(text)

    def flush(self) -> None:
        pass


_UMAP = None


def _umap_module():
    """umap-learn, imported on first use: the import alone takes seconds."""
    global _UMAP
    if _UMAP is None:
        import umap

        _UMAP = umap
    return _UMAP


def _neighbours(X: np.ndarray, k: int, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Exact k nearest neighbours (self first), as UMAP's precomputed_knn wants them.

    Cosine and correlation distances come from Euclidean neighbours of the normalized rows
    (``d_cos = d_euclid**2 / 2``), so a KD-tree serves every metric.
    """
    from sklearn.neighbors import NearestNeighbors

    data = X.astype(np.float64)
    tree_metric = metric
    if metric in ("cosine", "correlation"):
        if metric == "correlation":
            data = data - data.mean(axis=1, keepdims=True)
        norms = np.linalg.norm(data, axis=1, keepdims=True)
        data = np.divide(data, norms, out=np.zeros_like(data), where=norms > 0)
        tree_metric = "euclidean"
    finder = NearestNeighbors(n_neighbors=k, metric=tree_metric).fit(data)
    dists, indices = finder.kneighbors(data)
    if metric in ("cosine", "correlation"):
        dists = dists**2 / 2
    return indices.astype(np.int32), dists.astype(np.float32)


# -- the cache -------------------------------------------------------------------------------
def _header(ws: Workspace, run: Run, params: ProjectionParams) -> tuple | None:
    ws.ensure_schema(_DDL)
    rows = ws.query(
        f"SELECT run_created_at, explained_variance, loadings, fit_seconds FROM {META}.projections "
        "WHERE run_id = ? AND key = ?",
        [run.run_id, params.key],
    )
    if not rows or rows[0][0] != run.created_at:
        return None  # none, or made for an earlier run that had the same id
    return rows[0]


def _load(ws: Workspace, run: Run, params: ProjectionParams, start: float) -> Projection | None:
    header = _header(ws, run, params)
    if header is None:
        return None
    _, variance, loadings, fit_seconds = header
    axes = ", ".join(_AXES[: params.dims])
    points = ws.query_df(
        f"SELECT customer_id, segment_id, {axes} FROM {META}.projection_points "
        "WHERE run_id = ? AND key = ?",
        [run.run_id, params.key],
    )
    return Projection(
        run.run_id,
        params,
        _named(points, run),
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


def _store(ws, run: Run, params: ProjectionParams, points, variance, loadings, seconds) -> None:
    ws.ensure_schema(_DDL)
    columns = ", ".join(["customer_id", "segment_id", *_AXES[: params.dims]])
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


def _named(points: pd.DataFrame, run: Run) -> pd.DataFrame:
    """``customer_id, segment_id, segment, x, y[, z]`` with the run's current segment names."""
    known = np.array([s.segment_id for s in run.segments], dtype=np.int64)
    segment_ids = points["segment_id"].to_numpy(np.int64)
    codes = np.full(int(max(known.max(), segment_ids.max(initial=0))) + 1, -1, dtype=np.int64)
    codes[known] = np.arange(len(known))
    out = pd.DataFrame({"customer_id": pd.array(points["customer_id"], dtype="str")})
    out["segment_id"] = segment_ids.astype(np.int32)
    out["segment"] = pd.Categorical.from_codes(
        codes[segment_ids], categories=[s.name for s in run.segments]
    )
    for axis in _AXES:
        if axis in points:
            out[axis] = points[axis].to_numpy(np.float32)
    return out


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


# -- what a chart draws ----------------------------------------------------------------------
@dataclass(frozen=True)
class ChartPoints:
    """The points a chart draws: a seeded, segment-stratified subset with hover features.

    ``frame`` has the projection's columns plus the ``features`` (and ``colour`` when it is a
    feature); ``total`` is how many points the projection holds.
    """

    frame: pd.DataFrame
    features: list[str]
    colour: str | None
    total: int

    @property
    def drawn(self) -> int:
        return len(self.frame)


def key_features(ws: Workspace, run_id: str, limit: int = KEY_FEATURES) -> list[str]:
    """The features shown on hover and in a selection's profile: the run's own first."""
    return profiles.profile_features(ws, get_run(ws, run_id))[:limit]


def colour_features(ws: Workspace, run_id: str) -> list[str]:
    """The numeric columns of the run's customer table a chart can be coloured by."""
    run = get_run(ws, run_id)
    id_column = ws.table(run.table).roles.get("customer_id")
    return [c for c in stats.numeric_columns(ws, run.table) if c != id_column]


def chart_points(
    ws: Workspace,
    projection: Projection,
    *,
    colour: str | None = None,
    max_points: int = MAX_POINTS,
    seed: int = 0,
) -> ChartPoints:
    """At most ``max_points`` of a projection's points with the key features for hover
    (and the ``colour`` feature), read from the run's customer table in DuckDB."""
    if not _is_int(max_points) or max_points < 100:
        raise param_error("max_points", "an int of at least 100", max_points)
    if colour is not None and colour not in colour_features(ws, projection.run_id):
        raise param_error("colour", "a numeric column of the run's table", colour)
    points = projection.points
    rows = sample_by_segment(points["segment_id"].to_numpy(), max_points, seed=seed)
    drawn = points.iloc[rows].reset_index(drop=True)
    features = key_features(ws, projection.run_id)
    wanted = list(dict.fromkeys([*features, *([colour] if colour else [])]))
    values = _customer_values(ws, projection.run_id, drawn["customer_id"], wanted)
    frame = drawn.merge(values, on="customer_id", how="left")
    return ChartPoints(frame, features, colour, len(points))


def _customer_values(ws: Workspace, run_id: str, ids: pd.Series, columns: list[str]):
    run = get_run(ws, run_id)
    id_column = ws.table(run.table).roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {run.table!r} has no customer_id role; set one on the Data page."
        )
    select = "".join(f", CAST(f.{quote_ident(c)} AS DOUBLE) AS {quote_ident(c)}" for c in columns)
    cur = ws.cursor()
    try:
        cur.register("__chosen", pd.DataFrame({"customer_id": ids.astype(str).to_numpy()}))
        return cur.execute(
            f"SELECT c.customer_id{select} FROM __chosen c JOIN {quote_ident(run.table)} f "
            f"ON c.customer_id = CAST(f.{quote_ident(id_column)} AS VARCHAR)"
        ).df()
    finally:
        cur.close()


def describe(projection: Projection, points: ChartPoints) -> str:
    """One paragraph under the chart: what was projected, from how many customers, what is drawn.

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
    text += f" Drawing {points.drawn:,} of {points.total:,} points (WebGL)"
    if points.drawn < points.total:
        text += "; the density view and selections cover all of them"
    return text + "."


# -- selections ------------------------------------------------------------------------------
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
    id_column = ws.table(run.table).roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {run.table!r} has no customer_id role; set one on the Data page."
        )
    chosen = pd.DataFrame({"customer_id": pd.unique(pd.Series(customer_ids, dtype=str))})
    table, id_sql = quote_ident(run.table), f"CAST(f.{quote_ident(id_column)} AS VARCHAR)"
    cols = [f"CAST(f.{quote_ident(c)} AS DOUBLE)" for c in features]
    means = "".join(f", avg({c}) FILTER (WHERE s.customer_id IS NOT NULL), avg({c})" for c in cols)
    member_cols = "".join(f", {c} AS {quote_ident(f)}" for c, f in zip(cols, features, strict=True))
    cur = ws.cursor()
    try:
        cur.register("__selected", chosen)
        joined = (
            f"FROM {META}.assignments a JOIN {table} f ON a.customer_id = {id_sql} "
            "LEFT JOIN __selected s ON s.customer_id = a.customer_id WHERE a.run_id = ?"
        )
        overall = cur.execute(
            f"SELECT count(s.customer_id), count(*){means} {joined}", [run_id]
        ).fetchall()[0]
        by_segment = cur.execute(
            f"SELECT a.segment_id, count(s.customer_id), count(*) {joined} GROUP BY a.segment_id "
            "ORDER BY a.segment_id",
            [run_id],
        ).fetchall()
        members = cur.execute(
            f"SELECT a.customer_id, a.segment_id{member_cols} FROM __selected s "
            f"JOIN {META}.assignments a ON a.customer_id = s.customer_id AND a.run_id = ? "
            f"JOIN {table} f ON a.customer_id = {id_sql} ORDER BY a.customer_id LIMIT ?",
            [run_id, int(limit)],
        ).df()
    finally:
        cur.close()
    size, customers = int(overall[0]), int(overall[1])
    names = {s.segment_id: s.name for s in run.segments}
    segments = pd.DataFrame(
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
    rows = []
    for i, feature in enumerate(features):
        selected_mean, overall_mean = _num(overall[2 + 2 * i]), _num(overall[3 + 2 * i])
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
    members.insert(1, "segment", members.pop("segment_id").map(names))
    return SelectionProfile(size, customers, segments, pd.DataFrame(rows), members)


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None

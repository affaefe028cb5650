"""Explore: a run's customers on a map (PCA or UMAP), cached in the workspace per run.

* PCA projects every customer of the run's prepared features (the run's own fitted
  preparation; for RFM runs, standardized ``log1p`` of recency, frequency and monetary), with
  the explained variance of each component and the features' loadings (:mod:`.fit`).
* UMAP fits on a sample stratified by segment (at most ``DEFAULT_SAMPLE`` customers unless
  asked, every segment represented), from exact nearest neighbours and a PCA start, seeded:
  the same sample and coordinates every time. Its progress (sampling, neighbours, fitting,
  layout epochs, saving) goes to ``progress``.
* Coordinates are stored in ``_seg.projections`` / ``_seg.projection_points`` (:mod:`.cache`),
  keyed by the run (and its creation time: run ids can be reused) and the parameters, so a
  second call reads them back instead of refitting. The fit holds no workspace lock; the
  coordinates are written in one short transaction at the end.

A projection only shows the segments: it never changes them.

>>> pca = project(ws, "r1", method="pca")  # doctest: +SKIP
>>> pca.explained_variance, len(pca.points)  # doctest: +SKIP
((0.41, 0.22), 4339)
>>> umap = project(ws, "r1", method="umap", sample=2000, n_neighbors=15)  # doctest: +SKIP
>>> umap.cached, umap.sampled  # doctest: +SKIP
(False, True)
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import pandas as pd

from ..progress import Progress, reporter
from ..segment.runs import get_run
from ..workspace import Workspace
from .cache import load_projection, store_projection, stored_header
from .fit import fit_pca, fit_umap
from .params import ProjectionParams, check_params
from .prepared import PreparedFeatures, prepared_features
from .result import AXES, Projection, named


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
    report = reporter(progress)
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
        found = load_projection(ws, run, params, start)
        if found is not None:
            report(1.0, "Read the stored coordinates")
            return found
    report(0.02, "Reading the run's prepared features")
    prepared = prepared_features(ws, run_id)
    points, variance, loadings = _fit(prepared, params, report)
    fit_seconds = time.perf_counter() - start
    report(0.95, f"Saving {len(points):,} coordinates")
    store_projection(ws, run, params, points, variance, loadings, fit_seconds)
    report(1.0, "Done")
    return Projection(
        run_id,
        params,
        named(points, run),
        run.customers,
        variance,
        loadings,
        fit_seconds,
        time.perf_counter() - start,
        False,
    )


def _fit(prepared: PreparedFeatures, params: ProjectionParams, report: Progress):
    """``customer_id, segment_id, x, y[, z]`` of the fitted rows, the explained variance and
    the loadings (PCA; None for UMAP)."""
    if params.method == "pca":
        coords, rows, variance, loadings = fit_pca(prepared, params, report)
    else:
        coords, rows = fit_umap(prepared, params, report)
        variance, loadings = None, None
    points = pd.DataFrame({"customer_id": prepared.customer_ids[rows]})
    points["segment_id"] = prepared.segment_ids[rows].astype(np.int32)
    for i in range(params.dims):
        points[AXES[i]] = coords[:, i].astype(np.float32)
    return points, variance, loadings


def is_cached(ws: Workspace, run_id: str, method: str = "pca", **params: Any) -> bool:
    """Whether :func:`project` with these parameters would read stored coordinates."""
    run = get_run(ws, run_id)
    checked = check_params(method, customers=run.customers, **params)
    return stored_header(ws, run, checked) is not None

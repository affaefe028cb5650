"""Fitting the coordinates: PCA on every customer, UMAP on a sample stratified by segment.

UMAP fits from exact nearest neighbours (scikit-learn's KD-tree, given to umap-learn as
``precomputed_knn``) and a PCA start, seeded: the same sample and coordinates every time.
scikit-learn and umap-learn are imported on first use (umap-learn alone takes seconds).

"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from ..progress import Progress
from ..segment.sampling import sample_by_segment
from .params import ProjectionParams
from .prepared import PreparedFeatures


def fit_pca(prepared: PreparedFeatures, params: ProjectionParams, report: Progress):
    """PCA of every customer: ``(coordinates, rows, explained variance, loadings)``."""
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


def fit_umap(prepared: PreparedFeatures, params: ProjectionParams, report: Progress):
    """UMAP of a stratified sample: ``(coordinates, rows of the sample)``."""
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
    epochs.raise_stop()  # a stop asked for during the epochs, raised once tqdm let go
    if not np.isfinite(coords).all():
        raise InvalidParameterError(
            "UMAP gave non-finite coordinates for this sample; try more neighbours or another "
            "metric."
        )
    return coords, rows


def _epoch_text(done: float) -> str:
    return f"Placing the points ({done:.0%} of the layout epochs)"


class _EpochReporter:
    """A file-like target for UMAP's tqdm bar (``{n}/{total}``), forwarded as a fraction.

    tqdm writes while holding a process-wide lock that it releases without ``try/finally``:
    an exception raised here (Streamlit stops a rerun by raising in ``st.progress``) would keep
    that lock and hang every later UMAP fit in the process. So a raising ``report`` is recorded,
    no longer called, and :meth:`raise_stop` raises it once UMAP has returned.
    """

    def __init__(self, report: Callable[[float], None]) -> None:
        self._report = report
        self._last = -1.0
        self._stop: BaseException | None = None

    def write(self, text: str) -> int:
        found = re.findall(r"(\d+)/(\d+)", text)
        if found and self._stop is None:
            n, total = map(int, found[-1])
            fraction = n / total if total else 1.0
            if fraction - self._last >= 0.02 or fraction >= 1:
                self._last = fraction
                try:
                    self._report(fraction)
                except BaseException as stop:  # noqa: BLE001 - kept, raised by raise_stop
                    self._stop = stop
        return len(text)

    def raise_stop(self) -> None:
        """Raise what ``report`` raised during the fit, if it raised."""
        if self._stop is not None:
            stop, self._stop = self._stop, None
            raise stop

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

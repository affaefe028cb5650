"""The fitters of the registry's clustering algorithms, each returning a :class:`FitResult`.

Every fitter gives a segment to every customer, numbered by size (segment 0 is the largest;
``-1`` is HDBSCAN's noise, shown as "Unassigned"), and the same seed gives the same labels.
Where fitting on everyone is too slow, the model is fitted on a sample and everyone else is
assigned, and :attr:`FitResult.notes` says so:

========  =====================================  ================================================
kmeans    above ``MINIBATCH_ABOVE`` rows          mini-batch k-means, refined by full iterations
gmm       above ``GMM_SAMPLE_ABOVE`` rows         fitted on a random sample, everyone predicted
ward      above ``WARD_SAMPLE_ABOVE`` rows        stratified sample, others to nearest centroid
hdbscan   above ``HDBSCAN_SAMPLE_ABOVE`` rows     stratified sample, others by a 15-neighbour vote
========  =====================================  ================================================

The stratified sample is :func:`~segmentation.segment.sampling.sample_feature_space`. HDBSCAN's
vote (also used by ``fit.assign``) asks the 15 nearest of at most ``KNN_VOTERS`` fitted rows,
drawn in proportion to the segments, Unassigned included.

>>> import numpy as np
>>> X = np.r_[np.zeros((20, 2)), np.ones((10, 2))]
>>> tree = WardTree.build(X, 0, lambda fraction, message: None)
>>> tree.cut(X, 2).labels[[0, -1]].tolist()
[0, 1]
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy.cluster import hierarchy
from sklearn.cluster import HDBSCAN, KMeans, MiniBatchKMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KNeighborsClassifier
from threadpoolctl import threadpool_limits

from ..progress import Progress
from .result import (
    CHUNK,
    FitResult,
    NearestCentroidModel,
    RelabelledModel,
    centroids,
    predict_in_chunks,
    relabel_by_size,
    within_ss,
)
from .sampling import random_rows, sample_feature_space, sample_strata

MINIBATCH_ABOVE = 200_000  # k-means: mini-batch above this many rows
MINIBATCH_BATCH_SIZE = 4096
MINIBATCH_N_INIT = 3
REFINE_ITERATIONS = 10  # full k-means iterations after the mini-batch fit
GMM_SAMPLE_ABOVE = 100_000  # gmm: fitted on a random sample of this many rows above it
WARD_SAMPLE_ABOVE = 10_000  # ward: stratified sample of this many rows (10k rows take ~4 s)
HDBSCAN_SAMPLE_ABOVE = 20_000  # hdbscan: stratified sample of this many rows
KNN_NEIGHBOURS = 15
KNN_VOTERS = 5_000  # hdbscan: fitted rows (stratified by segment) that vote for the others
DENDROGRAM_MAX_POINTS = 2_000


def warning_notes(caught: list[warnings.WarningMessage]) -> list[str]:
    """Convergence warnings as notes for the user (once each); other warnings re-raised."""
    notes = []
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            text = str(w.message).split(". ")[0]
            if f"Did not fully converge: {text}." not in notes:
                notes.append(f"Did not fully converge: {text}.")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return notes


def _fit_kmeans(X: np.ndarray, params: dict, seed: int, report: Progress) -> FitResult:
    k = params["n_clusters"]
    notes = []
    report(0.0, f"k-means: {k} segments for {len(X):,} customers")
    if len(X) > MINIBATCH_ABOVE:
        rough = MiniBatchKMeans(
            n_clusters=k,
            init=params["init"],
            batch_size=MINIBATCH_BATCH_SIZE,
            n_init=MINIBATCH_N_INIT,
            random_state=seed,
        )
        with threadpool_limits(limits=1):  # small batches: threads cost more than they give
            rough.fit(X)
        report(0.5, "k-means: refining the mini-batch centroids on all customers")
        model = KMeans(
            n_clusters=k, init=rough.cluster_centers_, n_init=1, max_iter=REFINE_ITERATIONS
        ).fit(X)
        notes.append(
            f"Fitted mini-batch k-means (n > {MINIBATCH_ABOVE:,}; batches of "
            f"{MINIBATCH_BATCH_SIZE:,}, {MINIBATCH_N_INIT} starts instead of n_init), then "
            f"refined with up to {REFINE_ITERATIONS} full k-means iterations."
        )
    else:
        model = KMeans(
            n_clusters=k, init=params["init"], n_init=params["n_init"], random_state=seed
        ).fit(X)
    labels, order = relabel_by_size(model.labels_, k)
    extra = {"inertia": float(model.inertia_), "n_iter": int(model.n_iter_)}
    return FitResult(
        labels,
        None,
        model.cluster_centers_[order],
        RelabelledModel(model, order),
        None,
        notes,
        extra,
    )


def _fit_gmm(X: np.ndarray, params: dict, seed: int, report: Progress) -> FitResult:
    k = params["n_components"]
    notes, sample_size, fit_rows = [], None, X
    if len(X) > GMM_SAMPLE_ABOVE:
        sample_size = GMM_SAMPLE_ABOVE
        fit_rows = X[random_rows(len(X), sample_size, seed)]
        notes.append(
            f"Gaussian mixture fitted on a random sample of {sample_size:,} customers; every "
            "customer was then given their most likely component."
        )
    report(0.0, f"Gaussian mixture: {k} components on {len(fit_rows):,} customers")
    model = _gaussian_mixture(fit_rows, params, seed, notes)
    report(0.7, "Gaussian mixture: membership probabilities for every customer")
    proba = np.concatenate([model.predict_proba(X[i : i + CHUNK]) for i in range(0, len(X), CHUNK)])
    labels, order = relabel_by_size(proba.argmax(axis=1), k)
    empty = k - len(np.unique(labels))
    if empty:
        notes.append(f"{empty} of the {k} components hold no customer.")
    extra = {
        "bic": float(model.bic(fit_rows)),
        "n_iter": int(model.n_iter_),
        "converged": bool(model.converged_),
        "weights": model.weights_[order],
    }
    return FitResult(
        labels, proba.max(axis=1), model.means_[order], RelabelledModel(model, order), sample_size,
        notes, extra,
    )  # fmt: skip


def _gaussian_mixture(X: np.ndarray, params: dict, seed: int, notes: list) -> GaussianMixture:
    def make(reg_covar: float) -> GaussianMixture:
        return GaussianMixture(
            n_components=params["n_components"],
            covariance_type=params["covariance_type"],
            reg_covar=reg_covar,
            random_state=seed,
        )

    try:
        return make(1e-6).fit(X)
    except ValueError:  # ill-defined covariance: collapsed components on duplicated rows
        notes.append("Covariances were regularised (reg_covar=1e-3): some components collapsed.")
        return make(1e-3).fit(X)


@dataclass
class WardTree:
    """Ward's merge tree of X (or of a stratified sample of it), cut at any number of segments."""

    rows: np.ndarray | None  # the sampled rows of X, or None when the tree holds every row
    linkage: np.ndarray
    seed: int

    @classmethod
    def build(cls, X: np.ndarray, seed: int, report: Progress) -> WardTree:
        rows = None
        if len(X) > WARD_SAMPLE_ABOVE:
            report(0.0, f"Ward: drawing a stratified sample of {WARD_SAMPLE_ABOVE:,} customers")
            rows = sample_feature_space(X, WARD_SAMPLE_ABOVE, seed)
        fitted = X if rows is None else X[rows]
        report(0.05, f"Ward: merging {len(fitted):,} customers")
        return cls(rows, hierarchy.ward(fitted), seed)

    def cut(self, X: np.ndarray, k: int) -> FitResult:
        fitted = X if self.rows is None else X[self.rows]
        fitted_labels, _ = relabel_by_size(_cut_tree(self.linkage, k), k)
        model = NearestCentroidModel(centroids(fitted, fitted_labels, k))
        notes, sample_size, labels = [], None, fitted_labels
        if self.rows is not None:
            sample_size = len(self.rows)
            labels = predict_in_chunks(model, X)
            labels[self.rows] = fitted_labels
            notes.append(
                f"Ward fitted on a stratified sample of {sample_size:,} customers; the other "
                f"{len(X) - sample_size:,} were assigned to the nearest segment centroid."
            )
        extra = {"inertia": within_ss(X, labels), **self._dendrogram(fitted, fitted_labels)}
        return FitResult(labels, None, model.centers, model, sample_size, notes, extra)

    def _dendrogram(self, fitted: np.ndarray, labels: np.ndarray) -> dict:
        """A linkage matrix of at most DENDROGRAM_MAX_POINTS rows, for the dendrogram chart."""
        if len(fitted) <= DENDROGRAM_MAX_POINTS:
            leaves, linkage = np.arange(len(fitted)), self.linkage
        else:
            leaves = sample_strata(labels, DENDROGRAM_MAX_POINTS, self.seed)
            linkage = hierarchy.ward(fitted[leaves])
        rows = leaves if self.rows is None else self.rows[leaves]
        return {"linkage": linkage, "linkage_rows": rows, "linkage_labels": labels[leaves]}


def _cut_tree(linkage: np.ndarray, k: int) -> np.ndarray:
    """Cluster ids (0..k-1, arbitrary order) after the first n-k merges of a linkage matrix."""
    n = len(linkage) + 1
    merges = n - k
    parent = np.arange(2 * n - 1)
    children = linkage[:merges, :2].astype(np.intp)
    parent[children[:, 0]] = parent[children[:, 1]] = n + np.arange(merges)
    while True:  # pointer jumping: every node ends up pointing to its root
        jumped = parent[parent]
        if np.array_equal(jumped, parent):
            break
        parent = jumped
    return np.unique(parent[:n], return_inverse=True)[1]


def _fit_hdbscan(X: np.ndarray, params: dict, seed: int, report: Progress) -> FitResult:
    min_size, min_samples = params["min_cluster_size"], params["min_samples"]
    notes, rows = [], None
    if len(X) > HDBSCAN_SAMPLE_ABOVE:
        report(0.0, f"HDBSCAN: drawing a stratified sample of {HDBSCAN_SAMPLE_ABOVE:,} customers")
        rows = sample_feature_space(X, HDBSCAN_SAMPLE_ABOVE, seed)
        scaled = round(min_size * len(rows) / len(X))
        min_size = max(min(min_size, 5), scaled)
    fitted = X if rows is None else X[rows]
    min_samples = min(min_size if min_samples is None else min_samples, len(fitted) - 1)
    report(0.1, f"HDBSCAN: looking for dense groups among {len(fitted):,} customers")
    model = HDBSCAN(min_cluster_size=min_size, min_samples=min_samples, copy=True).fit(fitted)
    fitted_labels, _ = relabel_by_size(model.labels_, max(model.labels_.max() + 1, 1))
    voters = sample_strata(fitted_labels, KNN_VOTERS, seed)
    voter = KNeighborsClassifier(n_neighbors=min(KNN_NEIGHBOURS, len(voters)))
    voter.fit(fitted[voters], fitted_labels[voters])
    labels, proba = fitted_labels, model.probabilities_.copy()
    if rows is not None:
        report(0.7, f"HDBSCAN: assigning the other {len(X) - len(rows):,} customers")
        labels, proba = _vote(voter, X)
        labels[rows], proba[rows] = fitted_labels, model.probabilities_
        notes.append(
            f"HDBSCAN fitted on a stratified sample of {len(rows):,} customers (min_cluster_size "
            f"{params['min_cluster_size']:,} scaled to {min_size:,} for the sample); the other "
            f"{len(X) - len(rows):,} were assigned by a vote of their {voter.n_neighbors} "
            f"nearest among {len(voters):,} sampled customers, Unassigned included."
        )
    proba[labels < 0] = 0.0
    n_segments = int(labels.max()) + 1
    if n_segments == 0:
        notes.append(
            "HDBSCAN found no dense group: every customer is Unassigned. "
            "Try a smaller min_cluster_size."
        )
    centers = centroids(X, labels, n_segments)
    extra = {
        "noise_share": float(np.mean(labels < 0)),
        "min_cluster_size_used": int(min_size),
        "min_samples_used": int(min_samples),
    }
    sample_size = None if rows is None else len(rows)
    return FitResult(labels, proba, centers, voter, sample_size, notes, extra)


def _vote(voter: KNeighborsClassifier, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The neighbours' majority label and its vote share (a tie goes to the lower label, so
    Unassigned wins a tie)."""
    labels, shares = np.empty(len(X), dtype=np.int64), np.empty(len(X))
    for i in range(0, len(X), CHUNK):
        proba = voter.predict_proba(X[i : i + CHUNK])
        best = proba.argmax(axis=1)
        labels[i : i + CHUNK] = voter.classes_[best]
        shares[i : i + CHUNK] = proba[np.arange(len(best)), best]
    return labels, shares


FITTERS = {"kmeans": _fit_kmeans, "gmm": _fit_gmm, "hdbscan": _fit_hdbscan}

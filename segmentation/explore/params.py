"""The choices behind a projection (method, dimensions, UMAP settings), their limits and help.

>>> check_params("umap", sample=500).key
'umap-2d-n15-d0.1-euclidean-s500-r0'
>>> check_params("pca", dims=3).to_dict()
{'method': 'pca', 'dims': 3}
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, param_error

METHODS = ("pca", "umap")
METRICS = ("euclidean", "manhattan", "chebyshev", "cosine", "correlation")
DEFAULT_SAMPLE = 20_000  # UMAP fits on at most this many customers unless asked otherwise
MIN_SAMPLE = 10
MAX_NEIGHBORS = 200
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
    if not is_int(dims) or dims not in (2, 3):
        raise param_error("dims", "2 or 3", dims)
    if method == "pca":
        if sample is not None:
            raise InvalidParameterError(
                f"The 'sample' parameter applies to UMAP only: PCA projects every customer. "
                f"Got {sample!r}; leave it out."
            )
        return ProjectionParams("pca", int(dims))
    sample = DEFAULT_SAMPLE if sample is None else sample
    _check_umap(sample, metric, min_dist, seed)
    fitted = min(sample, customers) if customers else sample
    high = min(MAX_NEIGHBORS, fitted - 1)
    if not is_int(n_neighbors) or not 2 <= n_neighbors <= high:
        rule = f"an int in the range [2, {high}] (below the {fitted:,} customers fitted)"
        raise param_error("n_neighbors", rule, n_neighbors)
    return ProjectionParams(
        "umap", int(dims), int(sample), int(n_neighbors), float(min_dist), metric, int(seed)
    )


def _check_umap(sample: Any, metric: Any, min_dist: Any, seed: Any) -> None:
    """The UMAP settings that do not depend on the run's size."""
    if not is_int(sample) or sample < MIN_SAMPLE:
        raise param_error("sample", f"an int of at least {MIN_SAMPLE}", sample)
    if metric not in METRICS:
        raise param_error("metric", f"one of {', '.join(METRICS)}", metric)
    if not isinstance(min_dist, int | float) or isinstance(min_dist, bool):
        raise param_error("min_dist", "a number in the range [0, 1]", min_dist)
    if not 0 <= min_dist <= 1:
        raise param_error("min_dist", "a number in the range [0, 1]", min_dist)
    if not is_int(seed) or seed < 0:
        raise param_error("seed", "an int of at least 0", seed)


def is_int(value: object) -> bool:
    """Whether ``value`` is an int (Python or NumPy), and not a bool.

    >>> is_int(3), is_int(np.int64(3)), is_int(True), is_int(3.0)
    (True, True, False, False)
    """
    return isinstance(value, int | np.integer) and not isinstance(value, bool)

"""A projection's result: the coordinates of a run's customers, and how they were made.

>>> from segmentation.explore.params import ProjectionParams
>>> import pandas as pd
>>> p = Projection("r1", ProjectionParams("pca"), pd.DataFrame({"x": [0.0], "y": [1.0]}), 1,
...                (0.6, 0.3), None, 0.1, 0.1, False)
>>> p.axis_titles, p.sampled
(['PC1 (60%)', 'PC2 (30%)'], False)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..segment.runs import Run
from .params import ProjectionParams

AXES = ("x", "y", "z")


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


def named(points: pd.DataFrame, run: Run) -> pd.DataFrame:
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
    for axis in AXES:
        if axis in points:
            out[axis] = points[axis].to_numpy(np.float32)
    return out

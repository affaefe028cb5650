"""Audiences: the customers of a run's segments, written to files for campaigns."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .errors import InvalidParameterError, SegmentationError
from .runs import assignments
from .workspace import Workspace

FORMATS = ("csv", "parquet")


def export_run(ws: Workspace, run_id: str, out: str | Path, *, fmt: str = "csv") -> dict[str, Any]:
    """Write ``customer_id, segment_id, segment`` for every customer of a run.

    Returns ``{"files", "rows", "segments", "sha256"}``.
    """
    if fmt not in FORMATS:
        raise InvalidParameterError(
            f"The 'format' parameter must be one of {', '.join(FORMATS)}. Got {fmt!r} instead."
        )
    frame = assignments(ws, run_id)[["customer_id", "segment_id", "segment"]]
    path = Path(out)
    try:
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    except OSError as exc:
        raise SegmentationError(f"Cannot write {path}: {exc.strerror}. Check the folder.") from exc
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return {
        "files": [str(path)],
        "rows": len(frame),
        "segments": sorted(frame["segment_id"].unique().tolist()),
        "sha256": {str(path): digest},
    }

"""Customer segmentation studio: the library behind the app and the `segment` command.

The flow, one subpackage per stage: workspace -> ingest -> features -> segment -> explore ->
profiles -> export -> measure. Every step is a plain function over a
:class:`~segmentation.workspace.Workspace`; the names below are the flow for notebook users,
imported on first use (so ``import segmentation`` stays quick). This package never imports
streamlit.

>>> import segmentation
>>> segmentation.run_segmentation.__module__
'segmentation.segment.runs'
>>> ws = segmentation.open_workspace("/tmp/notebook.duckdb")  # doctest: +SKIP
>>> segmentation.ingest_file(ws, "orders.csv")  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_FLOW = {
    "open_workspace": "segmentation.workspace",
    "ingest_file": "segmentation.ingest.load",
    "build_features": "segmentation.features.build",
    "run_segmentation": "segmentation.segment.runs",
    "project": "segmentation.explore.project",
    "build_profile": "segmentation.profiles.build",
    "export_audience": "segmentation.export.plan",
    "campaign_readout": "segmentation.measure.readout",
    "migrate": "segmentation.measure.migration",
}
__all__ = [*_FLOW, "__version__"]


def __getattr__(name: str) -> Any:
    if name in _FLOW:
        value = getattr(importlib.import_module(_FLOW[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'segmentation' has no attribute {name!r}")

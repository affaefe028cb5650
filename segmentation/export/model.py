"""The data of an export: the options chosen, the plan worked out, the files written, the result.

:mod:`.plan` makes an :class:`ExportPlan` from :class:`ExportOptions`; :mod:`.files` writes it
as :class:`ExportFile` s; :mod:`.log` records them; :class:`ExportResult` is what the caller gets.

>>> ExportOptions(segments=(2,), holdout=0.1).to_dict()["segments"]
[2]
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from .formats import DEFAULT_MIN_SIZE
from .power import minimum_detectable_effect
from .suppression import Suppression

if TYPE_CHECKING:
    from ..segment.runs import Run


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how; checked once by :func:`plan_export`."""

    fmt: str = "csv"
    segments: tuple[int, ...] | None = None  # None: every segment (unless audiences are chosen)
    audiences: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    contacts: str | None = None
    holdout: float | None = None
    seed: int = 0
    suppression: Suppression | None = None
    default_country: str | None = None
    min_size: int = DEFAULT_MIN_SIZE
    value_column: str | None = None
    base_rate: float | None = None
    prediction: str | None = None  # a stored prediction: the predicted_clv column, Meta's value
    recommendations: str | None = None  # a recommendation set (id or name): rec_1 .. rec_N
    rec_top: int | None = None  # N (default: the set's number per customer)

    def to_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "suppression"}
        out["segments"] = list(self.segments) if self.segments is not None else None
        out.update(audiences=list(self.audiences), columns=list(self.columns))
        out["suppression"] = self.suppression.to_dict() if self.suppression else None
        return out


@dataclass
class ExportPlan:
    """What an export will write (nothing is written yet).

    ``audience`` and ``holdout``: the rows of the files. ``segments``: one row per segment with
    ``selected, suppressed, dropped_invalid, rows, holdout_rows``, the match readiness
    (``valid_email_pct, valid_phone_pct, duplicate_emails, duplicate_phones``; NaN without a
    contact table), ``small`` (under ``min_size``) and ``mde`` / ``mde_relative`` (with a
    holdout and a base rate).
    """

    run: Run
    options: ExportOptions
    contacts: str | None
    audience: pd.DataFrame
    holdout: pd.DataFrame
    segments: pd.DataFrame
    selected: int
    overlap: int
    suppressed: int
    dropped_invalid: int
    invalid: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return len(self.audience)

    @property
    def holdout_rows(self) -> int:
        return len(self.holdout)

    @property
    def small(self) -> list[int]:
        """Segment ids whose list is under the minimum size."""
        return [int(s) for s in self.segments.loc[self.segments["small"], "segment_id"]]

    def mde(self) -> float:
        """The minimum detectable effect over all chosen segments together (NaN if none)."""
        rate = self.options.base_rate
        return minimum_detectable_effect(self.rows, self.holdout_rows, rate) if rate else math.nan


@dataclass(frozen=True)
class ExportFile:
    """One written file: ``role`` is ``audience`` or ``holdout``."""

    role: str
    path: str
    rows: int
    sha256: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ExportResult:
    """A finished export: its audit id, files and counts."""

    export_id: str
    plan: ExportPlan
    files: list[ExportFile]

    @property
    def rows(self) -> int:
        return self.plan.rows

    @property
    def holdout_rows(self) -> int:
        return self.plan.holdout_rows

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``segment --json export`` prints."""
        plan = self.plan
        segments = json.loads(plan.segments.to_json(orient="records"))
        return {
            "export_id": self.export_id,
            "run_id": plan.run.run_id,
            "format": plan.options.fmt,
            "files": [f.path for f in self.files],
            "sha256": {f.path: f.sha256 for f in self.files},
            "rows": plan.rows,
            "holdout_rows": plan.holdout_rows,
            "suppressed": plan.suppressed,
            "dropped_invalid": plan.dropped_invalid,
            "invalid": plan.invalid,
            "overlap": plan.overlap,
            "contacts": plan.contacts,
            "segments": segments,
            "small_segments": plan.small,
            "notes": plan.notes,
        }

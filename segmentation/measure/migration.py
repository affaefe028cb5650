"""Segment migration: the same customers at a later date, under the run's frozen model.

Features are rebuilt at the new ``as_of`` from the run's source table (or another table with
the same roles) by the features build, then assigned by the run's fitted preparation and model
exactly as ``segment run --recipe`` re-applies a recipe (no refit: segment 3 means the same in
both periods; RFM runs score against their first-period rules). The later assignment is kept as
a run of its own (its segments carry the first run's names), and the migration, with one row
per customer, in ``_seg.migrations`` / ``_seg.migration_customers``.

>>> m = migrate(ws, "r1", as_of="2011-12-01")  # doctest: +SKIP
>>> m.stayed_share, m.new, m.gone  # doctest: +SKIP
(0.81, 120, 35)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ..errors import InvalidParameterError, param_error
from ..features.build import build_features, parse_as_of
from ..segment.recipe import apply_run
from ..segment.runs import Run, delete_run, fitted, get_run, rename_run, set_segment_names
from ..workspace import Workspace
from . import store

Progress = Callable[[float, str], None]
NEW, GONE = store.NEW, store.GONE


@dataclass(frozen=True)
class Migration:
    """How a run's customers moved between two dates (see :func:`migrate`)."""

    migration_id: str
    run_id: str
    to_run_id: str
    from_as_of: date
    to_as_of: date
    table: str
    customers: int
    stayed_share: float
    new: int
    gone: int
    matrix: (
        pd.DataFrame
    )  # from_segment_id, from_segment, to_segment_id, to_segment, customers, row_share

    def to_dict(self) -> dict[str, Any]:
        """The JSON `segment --json migrate` prints."""
        rows = self.matrix[["from_segment_id", "to_segment_id", "customers"]]
        return {
            "run_id": self.run_id,
            "from_as_of": self.from_as_of.isoformat(),
            "to_as_of": self.to_as_of.isoformat(),
            "customers": self.customers,
            "stayed_share": self.stayed_share,
            "new": self.new,
            "gone": self.gone,
            "matrix": [
                {
                    "from_segment_id": _int_or_none(r.from_segment_id),
                    "to_segment_id": _int_or_none(r.to_segment_id),
                    "customers": int(r.customers),
                }
                for r in rows.itertuples()
            ],
        }

    def table_of_shares(self) -> pd.DataFrame:
        """The from x to matrix as a wide table of row shares (each row sums to 1)."""
        return self.matrix.pivot_table(
            index="from_segment", columns="to_segment", values="row_share", sort=False, fill_value=0
        )


def _int_or_none(value: object) -> int | None:
    return None if pd.isna(value) else int(value)


def _source(run: Run) -> dict[str, Any]:
    source = run.recipe.get("source") or {}
    if source.get("kind") != "features" or not source.get("built_from"):
        raise InvalidParameterError(
            f"Run {run.run_id} was made from table {run.table!r}, which was not built by the "
            "features step, so there is no source to rebuild its features from at another date. "
            "Migration needs a run on a feature table (`segment features TABLE`)."
        )
    return source


def _check(ws: Workspace, run: Run, as_of: object, table: str | None) -> tuple[date, date, str]:
    """Everything that can be wrong, checked before anything is built."""
    source = _source(run)
    try:
        to_as_of = parse_as_of(as_of)  # type: ignore[arg-type]
    except InvalidParameterError:
        raise param_error("as_of", "a date written YYYY-MM-DD (e.g. '2011-12-10')", as_of) from None
    if to_as_of is None:
        raise param_error("as_of", "a date written YYYY-MM-DD (e.g. '2011-12-10')", as_of)
    from_as_of = date.fromisoformat(str(source["as_of"])[:10])
    if to_as_of < from_as_of:
        raise InvalidParameterError(
            f"The date {to_as_of.isoformat()} is before run {run.run_id}'s as_of date "
            f"{from_as_of.isoformat()}; migration follows customers forward. Choose a date on "
            "or after it."
        )
    raw = table or source["built_from"]
    if not ws.has_table(raw):
        raise InvalidParameterError(
            f"Table {raw!r} is not in the workspace; load it (`segment ingest FILE`) or name "
            "another transactions table with --table."
        )
    model = fitted(ws, run.run_id)["model"]
    if not hasattr(model, "predict"):
        raise InvalidParameterError(
            f"Run {run.run_id}'s model ({run.algorithm}) cannot assign new customers, so its "
            "segments cannot be followed to another date. Run its recipe on the later data "
            "instead (`segment run --recipe`)."
        )
    return from_as_of, to_as_of, raw


def _features_at(ws: Workspace, run: Run, raw: str, as_of: date, own: bool, progress) -> str:
    """The feature table of ``raw`` at ``as_of``, built as the run's source was (reused when an
    identical one exists)."""
    source = _source(run)
    name = f"{raw[:40]}_features_{as_of:%Y%m%d}"
    if ws.has_table(name):
        opts = ws.table(name).options
        if opts.get("source") == raw and opts.get("as_of") == as_of.isoformat():
            return name
    result = build_features(
        ws,
        raw,
        name=name,
        as_of=as_of,
        roles=(source.get("roles") or None) if own else None,
        top_categories=int(source.get("top_categories", 8)),
        progress=progress,
    )
    return result.table


def _assign_later(ws: Workspace, run: Run, table: str, as_of: date, progress) -> Run:
    """The run's fitted preparation and model on the later features (no refit), by
    :func:`segmentation.segment.recipe.apply_run`: what `segment run --recipe` does for a newer
    file. The later run is named after the first and carries its segment names."""
    later = apply_run(ws, run.run_id, table, progress=progress)
    later = rename_run(ws, later.run_id, f"{run.name} at {as_of.isoformat()}")
    present = {s.segment_id for s in later.segments}
    names = {s.segment_id: (s.name, s.description) for s in run.segments if s.segment_id in present}
    return set_segment_names(ws, later.run_id, names) if names else later


def migrate(
    ws: Workspace,
    run_id: str,
    *,
    as_of: date | str,
    table: str | None = None,
    progress: Progress | None = None,
) -> Migration:
    """Follow run ``run_id``'s customers to ``as_of`` (see the module's docstring).

    ``table``: another transactions table with the same roles (its own saved roles are used);
    by default the run's source table. Customers only at the later date are ``New``; customers
    of the run missing at the later date are ``Gone``. Nothing is kept when a check fails.
    """
    report = progress or (lambda _f, _m: None)
    run = get_run(ws, run_id)
    from_as_of, to_as_of, raw = _check(ws, run, as_of, table)
    own = raw == _source(run)["built_from"]
    existed = ws.has_table(f"{raw[:40]}_features_{to_as_of:%Y%m%d}")
    report(0.02, f"Building features of {raw} at {to_as_of.isoformat()}")
    feature_table = _features_at(
        ws, run, raw, to_as_of, own, lambda f, m: report(0.02 + 0.5 * f, m)
    )
    later = None
    try:
        report(0.55, "Assigning with the run's model")
        later = _assign_later(
            ws, run, feature_table, to_as_of, lambda f, m: report(0.55 + 0.3 * f, m)
        )
        report(0.9, "Recording the migration")
        migration_id = store.record(
            ws, run.run_id, later.run_id, from_as_of, to_as_of, feature_table
        )
    except BaseException:
        if later is not None:
            delete_run(ws, later.run_id)
        if not existed and ws.has_table(feature_table):
            ws.drop_table(feature_table)
        raise
    report(1.0, f"Migration {migration_id} recorded")
    return get_migration(ws, migration_id)


def get_migration(ws: Workspace, migration_id: str) -> Migration:
    """A recorded migration with its matrix."""
    row = store.summary(ws, migration_id)
    return Migration(**row, matrix=store.matrix(ws, migration_id))


def migration_customers(ws: Workspace, migration_id: str) -> pd.DataFrame:
    """Per customer: ``customer_id, from_segment_id, from_segment, to_segment_id, to_segment``."""
    return store.customers(ws, migration_id)


def latest_migration(ws: Workspace, run_id: str) -> str | None:
    """The id of the newest migration into or out of a run, or None."""
    return store.latest(ws, run_id)

"""Audiences: the customers of a run's segments (or saved audiences) written to campaign files.

:func:`plan_export` works out what an export would write without writing it: the customers of
the chosen segments and audiences (their overlap counted), minus a suppression list, a seeded
holdout per segment, and for ad platforms the normalized and hashed identifiers, with a
match-readiness report per segment. :func:`export_audience` writes the files
(:mod:`.files`, which lists the formats), then records the export (files and their SHA-256)
in the workspace; :func:`.log.list_exports` lists those records. The data: :mod:`.model`.

>>> result = export_audience(ws, "r1", "vip.csv", segments=[2], holdout=0.1)  # doctest: +SKIP
>>> result.files, result.rows, result.holdout_rows  # doctest: +SKIP
(['vip.csv', 'vip-holdout.csv'], 1082, 120)
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError, SegmentationError, param_error
from ..progress import Progress, reporter
from ..workspace import META, TableInfo, Workspace, quote_ident
from ..workspace.types import is_numeric
from . import identifiers, platforms
from .contacts import column_choices as column_choices  # the page's entry
from .contacts import column_names, contact_roles, contact_sql, extra_columns, find_contacts
from .files import KEY_COLUMNS, write_files
from .formats import FORMATS, HASHED
from .log import record_export
from .model import ExportOptions, ExportPlan, ExportResult
from .power import holdout_size, minimum_detectable_effect
from .previous import MIGRATION_COLUMNS, has_previous, previous_join
from .suppression import Suppression, suppression_key
from .suppression import read_suppression as read_suppression  # the page's and CLI's entry

if TYPE_CHECKING:
    from ..segment.runs import Run

PREDICTED = "predicted_clv"  # the column a prediction adds (its clv), and Meta's value from it


# -- planning ------------------------------------------------------------------------------------


def _check(run: Run, opts: ExportOptions) -> ExportOptions:
    """The one place where the export's parameters are checked; returns them cleaned."""
    if opts.fmt not in FORMATS:
        raise param_error("format", f"one of {', '.join(FORMATS)}", opts.fmt)
    known = {s.segment_id for s in run.segments}
    segments = None
    if opts.segments is not None:
        try:
            segments = tuple(sorted({int(s) for s in opts.segments}))
        except (TypeError, ValueError):
            raise param_error("segments", "a list of segment ids", opts.segments) from None
        unknown = [s for s in segments if s not in known]
        if unknown:
            raise InvalidParameterError(
                f"Run {run.run_id} has no segment {unknown[0]}; its segments are "
                f"{', '.join(map(str, sorted(known)))}."
            )
        if not segments and not opts.audiences:
            raise InvalidParameterError("Choose at least one segment or a saved audience.")
    holdout = opts.holdout
    if holdout is not None and not (isinstance(holdout, int | float) and 0 < holdout < 1):
        raise param_error("holdout", "a fraction in the open interval (0, 1)", holdout)
    if not isinstance(opts.seed, int | np.integer) or opts.seed < 0:
        raise param_error("seed", "an int >= 0", opts.seed)
    if not isinstance(opts.min_size, int | np.integer) or opts.min_size < 1:
        raise param_error("min_size", "an int >= 1", opts.min_size)
    if opts.base_rate is not None and not 0 < opts.base_rate < 1:
        raise param_error("base_rate", "a rate in the open interval (0, 1)", opts.base_rate)
    country = None
    if opts.default_country:
        country = identifiers.country_code(opts.default_country)
        if country is None:
            raise param_error(
                "default_country", "an ISO country code such as GB or US", opts.default_country
            )
    if opts.fmt in HASHED and opts.columns:
        raise InvalidParameterError(
            f"Columns cannot be chosen for {opts.fmt}: its file has the platform's own columns. "
            "Leave --columns out."
        )
    if opts.value_column and opts.fmt != "meta":
        raise InvalidParameterError("A value column applies to the meta format only.")
    columns = tuple(dict.fromkeys(c for c in opts.columns if c not in KEY_COLUMNS))
    if opts.prediction is not None and opts.fmt not in HASHED:
        columns = tuple(dict.fromkeys((*columns, PREDICTED)))
    return ExportOptions(
        **{**opts.__dict__, "segments": segments, "columns": columns, "default_country": country}
    )


def plan_export(
    ws: Workspace, run_id: str, *, readiness: bool = False, **options: Any
) -> ExportPlan:
    """Work out an export without writing it; ``options`` are the fields of
    :class:`ExportOptions`. ``readiness`` computes the match-readiness columns for file formats
    too (hashed formats always have them).

    >>> plan = plan_export(ws, "r1", fmt="meta", segments=[1, 3], holdout=0.1)  # doctest: +SKIP
    >>> plan.rows, plan.holdout_rows, plan.small  # doctest: +SKIP
    (2350, 262, [])
    """
    from ..segment.runs import get_run

    run = get_run(ws, run_id)
    opts = _check(run, ExportOptions(**options))
    opts = _check_recommendations(ws, run, opts)
    src = _sources(ws, run, opts, readiness)
    opts = ExportOptions(**{**opts.__dict__, "value_column": src.value_column})
    frame, flags = _select(ws, run, opts, src)
    overlap = int((frame[flags].sum(axis=1) >= 2).sum()) if len(flags) > 1 else 0
    suppressed = _suppressed(frame, opts.suppression)
    ident = None
    if src.info is not None and (readiness or opts.fmt in HASHED):
        contacts = frame[[c for c in frame if c.startswith("__c_")]].rename(columns=lambda c: c[4:])
        platform = HASHED.get(opts.fmt, "google")
        ident = platforms.platform_rows(contacts, platform, default_country=opts.default_country)
    usable = ident.usable if opts.fmt in HASHED else pd.Series(True, index=frame.index)
    dropped = ~usable & ~suppressed
    held = _holdout_mask(frame["segment_id"], ~suppressed & usable, opts.holdout, opts.seed)
    keep = ~suppressed & usable & ~held
    if opts.fmt in HASHED:
        audience = pd.concat([frame[list(KEY_COLUMNS)], ident.frame], axis=1)[keep]
        holdout = frame.loc[held, list(KEY_COLUMNS)]
    else:
        named = frame.rename(columns={f"__c_{c}": c for c in src.contact_columns})
        audience = named.loc[keep, [*KEY_COLUMNS, *opts.columns]]
        holdout = named.loc[held, [*KEY_COLUMNS, *opts.columns]]
        if opts.recommendations:  # offers for the audience; the holdout gets none
            audience = _with_recommendations(ws, opts, audience)
    return ExportPlan(
        run=run,
        options=opts,
        contacts=src.info.name if src.info else None,
        audience=audience.reset_index(drop=True),
        holdout=holdout.reset_index(drop=True),
        segments=_segment_report(run, opts, frame, suppressed, dropped, keep, held, ident),
        selected=len(frame),
        overlap=overlap,
        suppressed=int(suppressed.sum()),
        dropped_invalid=int(dropped.sum()),
        invalid=ident.invalid if ident else {},
        notes=_audience_notes(ws, run, opts, frame),
    )


def _check_recommendations(ws: Workspace, run: Run, opts: ExportOptions) -> ExportOptions:
    """The recommendation set of an export: made for this run, for a file format; its id."""
    if opts.recommendations is None:
        if opts.rec_top is not None:
            raise InvalidParameterError("--rec-top needs a recommendation set (--recommendations).")
        return opts
    from ..recommend.store import get_set

    chosen = get_set(ws, opts.recommendations)
    if chosen.run_id != run.run_id:
        raise InvalidParameterError(
            f"Recommendation set {chosen.recommendation_id} was made for "
            f"{chosen.run_id or chosen.source}, not run {run.run_id}; make one for this run "
            f"with `segment recommend {run.run_id}`."
        )
    if opts.fmt in HASHED:
        raise InvalidParameterError(
            f"Recommendations cannot go into a {opts.fmt} file: it has the platform's own "
            "columns. Choose csv, zip, xlsx or parquet."
        )
    top = chosen.top if opts.rec_top is None else opts.rec_top
    if not isinstance(top, int | np.integer) or not 1 <= top <= chosen.top:
        raise param_error("rec_top", f"an int in the range [1, {chosen.top}]", opts.rec_top)
    return ExportOptions(
        **{**opts.__dict__, "recommendations": chosen.recommendation_id, "rec_top": int(top)}
    )


def _with_recommendations(ws: Workspace, opts: ExportOptions, audience: pd.DataFrame):
    from ..recommend.store import wide_rows

    wide = wide_rows(ws, opts.recommendations, opts.rec_top)
    return audience.merge(wide, on="customer_id", how="left")


@dataclass(frozen=True)
class _Sources:
    """Where an export's columns come from: the contact table (None when not needed or absent),
    the contact fields and features chosen, Meta's extra fields and the value column."""

    info: TableInfo | None
    contact_columns: list[str]
    features: list[str]
    extras: dict[str, str]
    value_column: str | None
    previous: list[str] = field(default_factory=list)  # previous_segment, segment_changed
    prediction: str | None = None  # the prediction's id, when one gives predicted_clv


def _sources(ws: Workspace, run: Run, opts: ExportOptions, readiness: bool) -> _Sources:
    from .audiences import get_audience

    for name in opts.audiences:
        get_audience(ws, name)
    info = find_contacts(ws, run.run_id, opts.contacts)
    table = ws.table(run.table)
    fields = contact_roles(info) if info else []
    previous = [c for c in opts.columns if c in MIGRATION_COLUMNS and c not in column_names(table)]
    if previous and not has_previous(ws, run.run_id):
        previous = []  # not known for this run: reported as an unknown column below
    pid = _prediction_id(ws, opts.prediction)
    known = [*fields, *column_names(table), *previous, *([PREDICTED] if pid else [])]
    missing = [c for c in opts.columns if c not in known]
    if missing:
        raise _unknown_column(ws, run.run_id, opts, missing[0])
    contact_columns = [c for c in opts.columns if c in fields]
    supp = opts.suppression
    needs = "hashed formats" if opts.fmt in HASHED else None
    needs = needs or ("contact columns" if contact_columns else None)
    needs = needs or ("suppression by e-mail" if supp and supp.emails else None)
    if info is None and needs:
        raise InvalidParameterError(
            f"The {needs} need a customer table with contact fields (email, phone, names, zip, "
            f"country) for run {run.run_id}'s customers, and the workspace has none. Load one on "
            "the Data page (or `segment ingest`), or name it with --contacts TABLE."
        )
    value_column = opts.value_column
    if opts.fmt == "meta" and value_column is None and pid:
        value_column = PREDICTED  # value-based lookalikes from the predicted value
    if opts.fmt == "meta" and value_column is None and "monetary" in column_names(table):
        value_column = "monetary"
    if (
        value_column is not None
        and not (pid and value_column == PREDICTED)
        and (
            value_column not in column_names(table)
            or not is_numeric(table.column(value_column).type)
        )
    ):
        raise InvalidParameterError(
            f"The value column must be a numeric column of table {run.table!r}; got "
            f"{value_column!r}."
        )
    wanted = readiness or opts.fmt in HASHED or supp is not None or contact_columns
    info = info if wanted else None
    extras = extra_columns(info) if info is not None and opts.fmt == "meta" else {}
    features = [
        c
        for c in opts.columns
        if c not in fields and c not in previous and not (pid and c == PREDICTED)
    ]
    return _Sources(info, contact_columns, features, extras, value_column, previous, pid)


def _prediction_id(ws: Workspace, prediction: str | None) -> str | None:
    """The id of a stored prediction given by id or name (None for None)."""
    if prediction is None:
        return None
    from ..predict.store import read_prediction

    return read_prediction(ws, prediction)["summary"]["prediction_id"]


def _unknown_column(
    ws: Workspace, run_id: str, opts: ExportOptions, name: str
) -> SegmentationError:
    choices = column_choices(ws, run_id, opts.contacts)
    known = choices["contact_fields"] + choices["features"]
    return InvalidParameterError(
        f"There is no column {name!r} to export; choose among {', '.join(known) or 'none'}."
    )


def _select(
    ws: Workspace, run: Run, opts: ExportOptions, src: _Sources
) -> tuple[pd.DataFrame, list[str]]:
    """The chosen customers with their segment, features and contact fields, and the names of
    the membership flag columns (one for the segments, one per audience)."""
    exprs = [
        ("a.customer_id", "customer_id"),
        ("a.segment_id", "segment_id"),
        ("s.name", "segment"),
    ]
    params: list[Any] = []
    joins = []
    table = ws.table(run.table)
    info, features, value_column = src.info, src.features, src.value_column
    predicted_value = src.prediction is not None and value_column == PREDICTED
    if features or (value_column and not predicted_value):
        joins.append(
            f"LEFT JOIN {quote_ident(run.table)} f ON CAST(f.{quote_ident(table.roles['customer_id'])} "
            "AS VARCHAR) = a.customer_id"
        )
        exprs += [(f"f.{quote_ident(c)}", c) for c in features]
        if value_column and not predicted_value:
            exprs.append((f"f.{quote_ident(value_column)}", "__c_value"))
    join_params: list[Any] = []
    if src.prediction is not None:
        joins.append(
            f"LEFT JOIN {META}.prediction_customers pc ON pc.prediction_id = ? "
            "AND pc.customer_id = a.customer_id"
        )
        join_params.append(src.prediction)
        exprs += [("pc.clv", PREDICTED)] if PREDICTED in opts.columns else []
        exprs += [("pc.clv", "__c_value")] if predicted_value else []
    if info is not None:
        sources = {r: info.roles[r] for r in contact_roles(info)} | src.extras
        joins.append(f"LEFT JOIN ({contact_sql(info, sources)}) c ON c.__cid = a.customer_id")
        exprs += [(f"c.{quote_ident(n)}", f"__c_{n}") for n in sources]
    if src.previous:
        join, previous_params = previous_join(run.run_id)
        joins.append(join)
        join_params += previous_params
        exprs += [(f"p.{quote_ident(c)}", c) for c in src.previous]
    flags = []
    if opts.segments is not None:
        exprs.append(("list_contains(?::INTEGER[], a.segment_id)", "__in_segments"))
        params.append(list(opts.segments))
        flags.append("__in_segments")
    for i, name in enumerate(opts.audiences):
        member = f"SELECT customer_id FROM {META}.audience_members WHERE name = ?"
        exprs.append((f"a.customer_id IN ({member})", f"__in_audience_{i}"))
        params.append(name)
        flags.append(f"__in_audience_{i}")
    aliases = [f"__{i}" for i in range(len(exprs))]
    select = ", ".join(f"{e} AS {a}" for (e, _), a in zip(exprs, aliases, strict=True))
    where = " OR ".join(aliases[len(exprs) - len(flags) :]) or "TRUE"
    sql = (
        f"SELECT * FROM (SELECT {select} FROM {META}.assignments a JOIN {META}.segments s "
        f"ON a.run_id = s.run_id AND a.segment_id = s.segment_id {' '.join(joins)} "
        f"WHERE a.run_id = ?) t WHERE {where} ORDER BY __1, __0"
    )
    frame = ws.query_df(sql, [*params, *join_params, run.run_id])
    frame.columns = [name for _, name in exprs]
    frame["customer_id"] = frame["customer_id"].astype(str)
    return frame, flags


def _audience_notes(ws: Workspace, run: Run, opts: ExportOptions, frame: pd.DataFrame) -> list[str]:
    from .audiences import get_audience

    notes = []
    for i, name in enumerate(opts.audiences):
        audience = get_audience(ws, name)
        found = int(frame[f"__in_audience_{i}"].sum())
        if found < audience.size:
            notes.append(
                f"{audience.size - found:,} of the {audience.size:,} customers of audience "
                f"{name!r} are not in run {run.run_id} and are left out."
            )
    return notes


def _suppressed(frame: pd.DataFrame, supp: Suppression | None) -> pd.Series:
    mask = pd.Series(False, index=frame.index)
    if supp is None:
        return mask
    if supp.ids:
        mask |= frame["customer_id"].isin(supp.ids)
    if supp.emails and "__c_email" in frame:
        mask |= frame["__c_email"].map(suppression_key).isin(supp.emails)
    return mask


def _holdout_mask(segment_ids: pd.Series, eligible: pd.Series, fraction, seed: int) -> pd.Series:
    """A seeded random holdout of ``fraction`` of each segment's eligible customers (rounded
    half up); each segment draws from its own generator ``(seed, segment_id)``, over its
    customers in id order, so a segment's holdout does not depend on the other segments."""
    held = np.zeros(len(segment_ids), dtype=bool)
    if fraction:
        positions = np.flatnonzero(eligible.to_numpy())
        groups = pd.Series(positions).groupby(segment_ids.to_numpy()[positions]).indices
        for segment_id, where in groups.items():
            members = positions[where]  # in (segment, customer id) order from the query
            k = holdout_size(fraction, len(members))
            rng = np.random.default_rng([int(seed), int(segment_id)])
            held[members[rng.choice(len(members), size=k, replace=False)]] = True
    return pd.Series(held, index=segment_ids.index)


def _segment_report(run, opts, frame, suppressed, no_identifier, keep, held, ident) -> pd.DataFrame:
    names = {s.segment_id: s.name for s in run.segments}
    by = frame["segment_id"]
    parts = {
        "selected": by.value_counts(),
        "suppressed": by[suppressed].value_counts(),
        "dropped_invalid": by[no_identifier].value_counts(),
        "rows": by[keep].value_counts(),
        "holdout_rows": by[held].value_counts(),
    }
    ids = sorted(set(by.unique()) | set(opts.segments or []))
    report = pd.DataFrame({"segment_id": ids, "segment": [names[i] for i in ids]})
    for name, counts in parts.items():
        report[name] = report["segment_id"].map(counts).fillna(0).astype(int)
    report["valid_email_pct"] = report["valid_phone_pct"] = np.nan
    report["duplicate_emails"] = report["duplicate_phones"] = np.nan
    if ident is not None:
        present = ~suppressed
        email_key = ident.frame.iloc[:, 0].where(ident.valid_email)
        phone_key = ident.frame.iloc[:, 1].where(ident.valid_phone)
        grouped = pd.DataFrame(
            {
                "s": by,
                "e": ident.valid_email,
                "p": ident.valid_phone,
                "ek": email_key,
                "pk": phone_key,
            }
        )[present]
        stats = grouped.groupby("s").agg(
            e=("e", "mean"),
            p=("p", "mean"),
            de=("ek", lambda s: int(s.dropna().duplicated().sum())),
            dp=("pk", lambda s: int(s.dropna().duplicated().sum())),
        )
        report["valid_email_pct"] = report["segment_id"].map(stats["e"] * 100).round(1)
        report["valid_phone_pct"] = report["segment_id"].map(stats["p"] * 100).round(1)
        report["duplicate_emails"] = report["segment_id"].map(stats["de"])
        report["duplicate_phones"] = report["segment_id"].map(stats["dp"])
    report["small"] = report["rows"] < opts.min_size
    rate = opts.base_rate
    report["mde"] = [
        minimum_detectable_effect(n, h, rate) if rate else math.nan
        for n, h in zip(report["rows"], report["holdout_rows"], strict=True)
    ]
    report["mde_relative"] = report["mde"] / rate if rate else math.nan
    return report


# -- writing and recording ------------------------------------------------------------------------


def export_audience(
    ws: Workspace,
    run_id: str,
    out: str | os.PathLike[str],
    *,
    location: str | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> ExportResult:
    """Plan, write and record an export (see :func:`plan_export` for ``options``).

    ``out`` is the file (the ``.zip`` for zip); holdout files go beside it. Files are written
    under temporary names and renamed when all are complete; nothing is written or recorded when
    a choice is wrong. ``location`` replaces the folder in the audit record (the app writes to a
    private temporary folder and records ``download``).
    """
    report = reporter(progress)
    report(0.05, "Selecting customers")
    plan = plan_export(ws, run_id, **options)
    path = Path(out).expanduser().absolute()
    if not path.parent.is_dir():
        raise SegmentationError(f"The folder {path.parent} does not exist; create it first.")
    report(0.6, "Writing files")
    files = write_files(plan, path)
    report(0.9, "Recording the export")
    try:
        export_id = record_export(ws, plan, files, location)
    except BaseException:
        for f in files:
            Path(f.path).unlink(missing_ok=True)
        raise
    report(1.0, f"Export {export_id}: {plan.rows:,} customers")
    return ExportResult(export_id, plan, files)


def export_run(ws: Workspace, run_id: str, out: str | Path, *, fmt: str = "csv") -> dict[str, Any]:
    """Write ``customer_id, segment_id, segment`` for every customer of a run (kept for callers
    of the first version); returns the JSON of :meth:`ExportResult.to_dict`."""
    return export_audience(ws, run_id, out, fmt=fmt).to_dict()

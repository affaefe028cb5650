"""`segment readout` (an export's audience against its holdout) and `segment migrate` (a run's
customers at a later date under its frozen model)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_commands(sub, shared) -> None:
    p = sub.add_parser(
        "readout",
        help="did the campaign work: an export's audience against its holdout",
        description="Compare an export's audience with its holdout over a window of an "
        "outcomes (transactions) table: conversion, revenue and orders per customer, per "
        "segment and overall, with 95%% intervals, Holm-adjusted p-values and a sample-ratio "
        "check.",
    )
    p.add_argument("export_id")
    p.add_argument("--outcomes", required=True, metavar="TABLE", help="the transactions table")
    p.add_argument("--start", metavar="YYYY-MM-DD", help="first day (default: the export's date)")
    p.add_argument("--days", type=int, default=30, help="days in the window (default 30)")
    p.add_argument(
        "--cuped", action="store_true", help="adjust revenue by the revenue before the window"
    )
    p.add_argument("--out", metavar="FILE.json", help="also write the readout's JSON here")

    def readout(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        import json

        from ..measure import campaign_readout

        result = campaign_readout(
            shared.workspace(args),
            args.export_id,
            args.outcomes,
            start=args.start,
            days=args.days,
            cuped=args.cuped,
            progress=shared.progress(args),
        )
        data = result.to_dict()
        if args.out:
            _write(args.out, json.dumps(data, indent=2, default=str) + "\n")
        return data, _readout_text(result)

    p.set_defaults(run=readout)

    p = sub.add_parser(
        "migrate",
        help="how a run's customers moved between segments by a later date",
        description="Build the run's features again at a later as_of (from its source table "
        "or --table), assign them with the run's fitted model (no refit) and compare: a "
        "from x to matrix with New and Gone customers, kept in the workspace.",
    )
    p.add_argument("run_id")
    p.add_argument("--as-of", required=True, metavar="YYYY-MM-DD", help="the later date")
    p.add_argument("--table", metavar="TABLE", help="another transactions table (same roles)")
    p.add_argument("--out", metavar="FILE.csv", help="write one row per customer here")

    def migrate(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..measure import migrate as follow
        from ..measure import migration_customers

        ws = shared.workspace(args)
        result = follow(
            ws, args.run_id, as_of=args.as_of, table=args.table, progress=shared.progress(args)
        )
        if args.out:
            frame = migration_customers(ws, result.migration_id)
            _write(args.out, frame.to_csv(index=False))
        return result.to_dict(), _migration_text(result)

    p.set_defaults(run=migrate)


def _write(path: str, text: str) -> None:
    from ..errors import SegmentationError

    target = Path(path).expanduser()
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SegmentationError(f"Cannot write {target}: {exc.strerror}.") from exc


def _readout_text(result) -> str:
    w = result.window
    lines = [
        f"Readout of export {result.export_id} over {result.outcomes}, {w.start} to {w.end}: "
        f"{result.overall.audience:,} in the audience, {result.overall.holdout:,} held out."
    ]
    lines += [s.verdict for s in result.segments] + [result.overall.verdict]
    lines += [f"warning: {text}" for text in result.warnings]
    return "\n".join(lines)


def _migration_text(m) -> str:
    stayed = "n/a" if m.stayed_share is None else f"{m.stayed_share:.1%}"
    lines = [
        f"Migration {m.migration_id}: run {m.run_id} from {m.from_as_of} to {m.to_as_of} "
        f"(later run {m.to_run_id}); {m.customers:,} customers, {stayed} stayed, {m.new:,} new, "
        f"{m.gone:,} gone."
    ]
    for r in m.matrix.itertuples():
        lines.append(f"  {r.from_segment} -> {r.to_segment}: {r.customers:,} ({r.row_share:.0%})")
    return "\n".join(lines)

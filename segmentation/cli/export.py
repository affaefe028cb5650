"""`segment export` (targeting lists per segment) and `segment exports` (the audit log)."""

from __future__ import annotations

import argparse
from typing import Any

from ..export.formats import DEFAULT_MIN_SIZE, FORMATS


def add_commands(sub, shared) -> None:
    _export_parser(sub).set_defaults(run=lambda args: _export(args, shared))
    p = sub.add_parser("exports", help="list the recorded exports (the audit log)")
    p.add_argument("--run", dest="of_run", metavar="RUN_ID", help="only the exports of one run")
    p.set_defaults(run=lambda args: _exports(args, shared))


def _export_parser(sub) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "export",
        help="write a run's segments (or a saved audience) to files for campaigns",
        description="Write the customers of a run's segments, or of saved audiences, to a file: "
        "csv, zip (one CSV per segment), xlsx (a sheet per segment), parquet, or an ad "
        "platform's hashed upload file (google-ads, meta). Holdout files go beside --out.",
    )
    p.add_argument("run_id")
    chosen = p.add_mutually_exclusive_group()
    chosen.add_argument("--segments", metavar="ID,ID", help="segment ids (default: all)")
    chosen.add_argument(
        "--audience",
        action="append",
        default=[],
        metavar="NAME",
        help="a saved custom audience (repeatable)",
    )
    p.add_argument("--format", default="csv", choices=list(FORMATS))
    p.add_argument("--out", required=True, metavar="PATH", help="the file (the .zip for zip)")
    p.add_argument("--columns", metavar="A,B", help="contact fields and features to add")
    p.add_argument("--contacts", metavar="TABLE", help="the customer table with contact fields")
    p.add_argument(
        "--holdout", type=float, metavar="FRACTION", help="hold out this share of each segment"
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the holdout draw (default 0)")
    p.add_argument("--suppress", metavar="FILE", help="customer ids or e-mails to leave out")
    p.add_argument(
        "--default-country", metavar="CC", help="country of phone numbers without one (e.g. GB)"
    )
    p.add_argument(
        "--min-size",
        type=int,
        default=DEFAULT_MIN_SIZE,
        help=f"flag smaller lists (default {DEFAULT_MIN_SIZE})",
    )
    p.add_argument("--value", metavar="COLUMN", help="meta: the value column (default monetary)")
    p.add_argument(
        "--prediction",
        metavar="ID",
        help="a stored prediction (id or name): adds predicted_clv; meta's value comes from it",
    )
    p.add_argument(
        "--recommendations", metavar="SET", help="add rec_1 .. rec_N from a recommendation set"
    )
    p.add_argument("--rec-top", type=int, metavar="N", help="how many (default: all of the set's)")
    return p


def _export(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..errors import InvalidParameterError
    from ..export.plan import export_audience
    from ..export.suppression import read_suppression

    try:
        segments = [int(s) for s in shared.columns(args.segments)] if args.segments else None
    except ValueError:
        raise InvalidParameterError(
            f"The '--segments' option must be segment ids such as 1,3. Got {args.segments!r}."
        ) from None
    result = export_audience(
        shared.workspace(args),
        args.run_id,
        args.out,
        fmt=args.format,
        segments=segments,
        audiences=tuple(args.audience),
        columns=tuple(shared.columns(args.columns) or ()),
        contacts=args.contacts,
        holdout=args.holdout,
        seed=args.seed,
        suppression=read_suppression(args.suppress) if args.suppress else None,
        default_country=args.default_country,
        min_size=args.min_size,
        value_column=args.value,
        prediction=args.prediction,
        recommendations=args.recommendations,
        rec_top=args.rec_top,
        progress=shared.progress(args),
    )
    data = result.to_dict()
    return data, _text(data, args.min_size)


def _exports(args: argparse.Namespace, shared) -> tuple[dict[str, Any], str]:
    from ..export.log import list_exports

    records = list_exports(shared.workspace(args), args.of_run)
    data = {"exports": [r.to_dict() for r in records]}
    if not records:
        return data, "No exports yet. Make one with `segment export RUN_ID --out FILE`."
    lines = [f"{'export':<7} {'when':<19} {'run':<5} {'format':<10} {'rows':>9} {'holdout':>8}"]
    for r in records:
        when = r.created_at.isoformat(sep=" ", timespec="seconds")
        lines.append(
            f"{r.export_id:<7} {when:<19} {r.run_id:<5} {r.format:<10} {r.rows:>9,} "
            f"{r.holdout_rows:>8,}  " + ", ".join(f["path"] for f in r.files)
        )
    return data, "\n".join(lines)


def _text(data: dict[str, Any], min_size: int) -> str:
    files = data["files"]
    lines = [f"Export {data['export_id']}: {data['rows']:,} customers to {files[0]}"]
    if data["holdout_rows"]:
        lines.append(f"Holdout: {data['holdout_rows']:,} customers to {', '.join(files[1:])}")
    if data["suppressed"]:
        lines.append(f"Suppressed: {data['suppressed']:,} customers")
    if data["dropped_invalid"]:
        lines.append(f"Left out without a valid identifier: {data['dropped_invalid']:,}")
    lines += [f"note: {n}" for n in data["notes"]]
    lines += [
        f"warning: segment {s['segment_id']} ({s['segment']}) has {s['rows']:,} customers, "
        f"under {min_size}: ad platforms may refuse or not serve so small a list."
        for s in data["segments"]
        if s["small"]
    ]
    return "\n".join(lines)

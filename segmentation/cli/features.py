"""`segment features`: one row per customer, built in the workspace."""

from __future__ import annotations

import argparse
from typing import Any

from ..features.definitions import DEFAULT_TOP_CATEGORIES, MAX_TOP_CATEGORIES, ON_DUPLICATE
from . import common


def add_commands(sub, shared=common) -> None:
    p = sub.add_parser("features", help="build one row per customer (RFM and behaviour)")
    p.add_argument("table", help="a transactions or customers table")
    p.add_argument("--name", help="feature table name (default: TABLE_features)")
    p.add_argument("--as-of", help="YYYY-MM-DD (default: the day after the last transaction)")
    p.add_argument(
        "--role",
        action="append",
        default=[],
        metavar="ROLE=COLUMN",
        help="use COLUMN for ROLE in this build (repeatable); ROLE= unsets it",
    )
    p.add_argument("--replace", action="store_true", help="replace a feature table of that name")
    p.add_argument(
        "--top-categories",
        type=int,
        default=DEFAULT_TOP_CATEGORIES,
        help=f"share_<category> columns (default {DEFAULT_TOP_CATEGORIES}, at most {MAX_TOP_CATEGORIES})",
    )
    p.add_argument(
        "--on-duplicate",
        choices=list(ON_DUPLICATE),
        default="refuse",
        help="customer tables: refuse repeated ids, or keep the first row of each",
    )
    p.set_defaults(run=cmd_features)


def cmd_features(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    from ..features.build import build_features
    from ..ingest.roles import ROLES

    result = build_features(
        common.workspace(args),
        args.table,
        name=args.name,
        as_of=args.as_of,
        roles={  # a column name is kept as written (spaces too); ROLE= unsets the role
            role: column or None
            for role, column in common.pairs(
                args.role, "--role", "ROLE=COLUMN", "amount=Sales", strip=False
            ).items()
        },
        replace=args.replace,
        top_categories=args.top_categories,
        on_duplicate=args.on_duplicate,
        progress=common.progress(args),
    )
    lines = [
        f"Built {result.table!r}: {result.customers:,} customers, as of {result.as_of}.",
        f"Features: {', '.join(result.features)}",
    ]
    lines += [
        f"Left out: {n:,} {what.replace('_', ' ')}" for what, n in result.excluded.items() if n
    ]
    lines += [
        f"Not built: {feat} (give a column the '{why}' role to add it)"
        if why in ROLES
        else f"Not used: {feat}: {why}"
        for feat, why in result.missing.items()
    ]
    return result.to_dict(), "\n".join(lines)

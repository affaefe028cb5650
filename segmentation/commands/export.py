"""`segment export`: write each customer's segment to a file (the export step extends it)."""

from __future__ import annotations

import argparse
from typing import Any


def add_commands(sub, shared) -> None:
    p = sub.add_parser("export", help="write each customer's segment to a file")
    p.add_argument("run_id")
    p.add_argument("--format", default="csv", choices=["csv", "parquet"])
    p.add_argument("--out", required=True, metavar="PATH")

    def run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..audiences import export_run

        result = export_run(shared.workspace(args), args.run_id, args.out, fmt=args.format)
        return result, f"Wrote {result['rows']:,} customers to {', '.join(result['files'])}"

    p.set_defaults(run=run)

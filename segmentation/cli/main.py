"""The `segment` command: the library's functions from a terminal.

Global options come before the command: ``segment --workspace W --json ingest FILE``.
With ``--json`` exactly one JSON object is printed on stdout; otherwise readable text.
Errors print a message on stderr and exit with 1 (2 for usage errors), never a traceback.
Heavy modules are imported inside each command, so start-up stays quick.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence

from . import MODULES, common

EXIT_ERROR, EXIT_USAGE = 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segment",
        description="Customer segmentation studio: load customer or transaction files into a "
        "DuckDB workspace and work with them from the terminal.",
        epilog="Examples:\n  segment demo\n  segment ingest orders.csv --table orders\n"
        "  segment --json tables\n  segment features orders --as-of 2024-01-01\n"
        "  segment --workspace other.duckdb ingest crm.xlsx",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--workspace",
        metavar="PATH",
        help="the workspace file (default: $SEGMENT_WORKSPACE, else ./workspace.duckdb)",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in MODULES:
        importlib.import_module(f".{name}", __package__).add_commands(sub, common)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `segment` console script; returns the exit code."""
    parser = _parser()
    args, extra = parser.parse_known_args(argv)  # exits with 2 on usage errors
    if getattr(args, "pass_through", False):
        args.options = extra  # `segment bench ...`: the benchmark's own options
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from ..errors import SegmentationError

    try:
        result = args.run(args)
    except SegmentationError as exc:
        return _fail(args, str(exc))
    except KeyboardInterrupt:
        return _fail(args, "Interrupted; the workspace was left as it was.")
    except Exception as exc:  # a bug: say so plainly, without a traceback
        if str(exc) == "Query interrupted":  # DuckDB's answer to Ctrl-C during a statement
            return _fail(args, "Interrupted; the workspace was left as it was.")
        if os.environ.get("SEGMENT_DEBUG"):
            raise
        return _fail(
            args,
            f"Unexpected error ({type(exc).__name__}: {exc}). Set SEGMENT_DEBUG=1 "
            "to see the details, and please report it.",
        )
    if isinstance(result, int):  # a command that printed its own output (segment bench)
        return result
    data, text = result
    try:
        print(json.dumps(data, default=str) if args.json else text)
        sys.stdout.flush()
    except BrokenPipeError:  # `segment ... | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _fail(args: argparse.Namespace, message: str) -> int:
    print(f"segment: error: {message}", file=sys.stderr)
    return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

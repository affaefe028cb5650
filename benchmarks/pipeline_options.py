"""The options of the pipeline benchmark, apart so that `segment` can offer them cheaply.

Only the standard library is imported here: ``segment``'s parser is built on every command,
and ``segment bench`` adds these options to it.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

DEFAULT_LINES = 10_000_000
DEFAULT_KEEP = Path("/tmp/segment-bench-pipeline")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


# -- sizes --------------------------------------------------------------------------------
def parse_size(text: str) -> int:
    """'10M' -> 10_000_000, '500k' -> 500_000, '2500' -> 2500."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"a size such as 1M, 500k or 20000, not {text!r}")
    scale = {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    return int(float(match.group(1)) * scale)


def _sizes(text: str) -> list[int]:
    return [parse_size(x) for x in text.split(",") if x.strip()]


def short_size(n: int) -> str:
    if n >= 1_000_000 and n % 100_000 == 0:
        return f"{n / 1_000_000:g}M"
    if n >= 1_000 and n % 100 == 0:
        return f"{n / 1_000:g}k"
    return str(n)


# -- the command line ------------------------------------------------------------------------------
def add_options(parser: argparse.ArgumentParser) -> None:
    """The benchmark's options (shared by ``python -m benchmarks.bench_pipeline`` and
    ``segment bench``)."""
    parser.add_argument(
        "--lines",
        type=parse_size,
        default=DEFAULT_LINES,
        help="transaction lines of the main run (default 10M; 1M, 500k ... accepted)",
    )
    parser.add_argument(
        "--customers",
        type=parse_size,
        help="customers generated for them (default lines / 20; the first N lines are kept)",
    )
    parser.add_argument(
        "--big-customers",
        type=parse_size,
        default=1_000_000,
        help="customers of the synthetic feature table for the 1M targets (default 1M)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=DEFAULT_KEEP,
        metavar="DIR",
        help=f"folder for the data, workspaces and outputs (default {DEFAULT_KEEP})",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of the timed stages; the fastest counts"
    )
    parser.add_argument(
        "--scale",
        type=_sizes,
        default=[],
        metavar="SIZES",
        help="also run the pipeline at these line counts, e.g. 1M,10M,30M (growth table)",
    )
    parser.add_argument(
        "--skip-1m", action="store_true", help="leave out the 1M-customer stage targets"
    )
    parser.add_argument("--skip-pages", action="store_true", help="leave out the page timings")
    parser.add_argument(
        "--skip-extras",
        action="store_true",
        help="at the main size, only the pipeline, peer and floor (no sweep/PCA/UMAP/profile)",
    )
    parser.add_argument(
        "--no-record", action="store_true", help=f"do not append the results to {RESULTS.name}"
    )
    parser.add_argument("--results", type=Path, default=RESULTS, metavar="FILE")

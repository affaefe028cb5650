"""`segment bench`: the whole pipeline at scale against pandas + scikit-learn and the scan floor.

It runs ``benchmarks/bench_pipeline.py`` from the source checkout (the benchmarks are not part
of the installed package): each stage is the real ``segment`` command in its own process, timed
with its peak memory; the results are printed and appended to ``benchmarks/RESULTS.md``.
Progress goes to stderr while it runs (a full-size run takes several minutes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any


def _checkout() -> Path | None:
    """The repository root holding ``benchmarks/bench_pipeline.py``, if this is a checkout."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "benchmarks" / "bench_pipeline.py").is_file() else None


def add_commands(sub, shared) -> None:
    p = sub.add_parser(
        "bench",
        help="benchmark the pipeline at scale (10M lines) against pandas + scikit-learn",
        description="Generate (or reuse) a transaction file, run ingest, features, k-means, "
        "export, k-sweep, PCA, UMAP and profile as separate `segment` processes, time the "
        "pandas + scikit-learn way and DuckDB's scan floor on the same file, the 1M-customer "
        "targets and the pages; print each stage with its target and record the results in "
        "benchmarks/RESULTS.md. Needs the source checkout; takes minutes at full size.",
    )
    root = _checkout()
    if root is not None:
        if str(root) not in sys.path:
            sys.path.append(str(root))
        from benchmarks.pipeline_options import add_options  # the standard library only

        add_options(p)
    # `segment bench --json` as well as `segment --json bench` (SUPPRESS: never unsets it)
    p.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print one JSON object"
    )

    def run(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
        from ..errors import InvalidParameterError

        if root is None:
            raise InvalidParameterError(
                "segment bench needs the source checkout (benchmarks/bench_pipeline.py): "
                "run it from the repository's .venv."
            )
        if args.repeat < 1:
            raise InvalidParameterError(f"--repeat must be at least 1. Got {args.repeat}.")
        from benchmarks.bench_pipeline import run_benchmark

        report = run_benchmark(args)
        return report.to_dict(), report.text()

    p.set_defaults(run=run)

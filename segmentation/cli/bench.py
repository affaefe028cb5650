"""`segment bench`: the whole pipeline at scale against pandas + scikit-learn and the scan floor.

It runs ``python -m benchmarks.bench_pipeline`` in the source checkout (the benchmarks are not
part of the installed package), passing every argument through: each stage is the real
``segment`` command in its own process, timed with its peak memory; the results are printed and
appended to ``benchmarks/RESULTS.md``. ``segment bench --help`` lists the benchmark's options.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path


def checkout() -> Path | None:
    """The repository root holding ``benchmarks/bench_pipeline.py``, if this is a checkout."""
    root = Path(__file__).resolve().parents[2]
    return root if (root / "benchmarks" / "bench_pipeline.py").is_file() else None


def add_commands(sub, shared) -> None:
    p = sub.add_parser(
        "bench",
        add_help=False,
        help="benchmark the pipeline at scale (10M lines) against pandas + scikit-learn",
        description="Generate (or reuse) a transaction file, run ingest, features, k-means, "
        "export, k-sweep, PCA, UMAP and profile as separate `segment` processes, time the "
        "pandas + scikit-learn way and DuckDB's scan floor on the same file, the 1M-customer "
        "targets and the pages; print each stage with its target and record the results in "
        "benchmarks/RESULTS.md. Needs the source checkout; takes minutes at full size.",
    )
    p.set_defaults(pass_through=True)  # main() hands every other argument to the benchmark

    def run(args: argparse.Namespace) -> int:
        from ..errors import InvalidParameterError

        root = checkout()
        if root is None:
            raise InvalidParameterError(
                "segment bench needs the source checkout (benchmarks/bench_pipeline.py): "
                "run it from the repository's .venv."
            )
        options = list(args.options)
        if args.json and "--json" not in options:
            options.append("--json")
        command = [sys.executable, "-m", "benchmarks.bench_pipeline", *options]
        return subprocess.run(command, cwd=root, check=False).returncode

    p.set_defaults(run=run)

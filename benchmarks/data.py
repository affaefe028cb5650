"""The benchmarks' input: synthetic transaction lines, written once to Parquet and reused.

The lines come from :func:`segmentation.sample.generate` (about 21 lines per customer). A file
is reused while its parameters and the generator's source are unchanged; it is written to a
temporary name and renamed, so an interrupted run never leaves a half file to be reused.

    python -m benchmarks.data --customers 500000 --out /tmp/segment-bench/tx.parquet
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

from benchmarks.harness import ROOT, StageRun, run_stage

SEED = 1
GENERATOR = ROOT / "segmentation" / "sample.py"


def dataset_path(keep: Path, customers: int, lines: int | None, seed: int = SEED) -> Path:
    """Where the lines for these parameters are kept, e.g. ``transactions-c500000-s1-all``."""
    return Path(keep) / f"transactions-c{customers}-s{seed}-{lines or 'all'}.parquet"


def _fingerprint() -> str:
    return hashlib.sha256(GENERATOR.read_bytes()).hexdigest()[:16]


def ensure_transactions(
    keep: Path, customers: int, lines: int | None = None, *, seed: int = SEED
) -> tuple[Path, dict, StageRun | None]:
    """The Parquet file of transaction lines, its facts, and the generating run (None if reused).

    The facts are ``{"customers", "seed", "lines", "distinct_customers", "generator"}``.
    """
    path = dataset_path(keep, customers, lines, seed)
    facts_path = path.with_suffix(".json")
    if path.exists() and facts_path.exists():
        facts = json.loads(facts_path.read_text())
        if facts.get("generator") == _fingerprint():
            return path, facts, None
    Path(keep).mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "benchmarks.data", "--customers", str(customers)]
    command += ["--seed", str(seed), "--out", str(path)]
    command += ["--lines", str(lines)] if lines else []
    run = run_stage("generate data", command, note=f"cached as {path.name}")
    return path, json.loads(facts_path.read_text()), run


def write_transactions(path: Path, customers: int, lines: int | None, seed: int) -> dict:
    """Generate the lines, keep the first ``lines`` (in date order) and write them to ``path``."""
    from segmentation.sample import generate

    tx = generate(customers, seed=seed).transactions
    if lines is not None:
        if lines > len(tx):
            raise SystemExit(
                f"--lines {lines:,} is more than the {len(tx):,} lines generated for "
                f"{customers:,} customers; raise --customers (about 21 lines per customer)."
            )
        tx = tx.iloc[:lines]
    facts = {
        "customers": customers,
        "seed": seed,
        "lines": len(tx),
        "distinct_customers": int(tx["customer_id"].nunique()),
        "generator": _fingerprint(),
    }
    tmp = path.with_name(path.name + ".tmp")
    tx.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    path.with_suffix(".json").write_text(json.dumps(facts) + "\n")
    return facts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, required=True)
    parser.add_argument("--lines", type=int, help="keep only the first N lines (date order)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    args = parser.parse_args(argv)
    print(json.dumps(write_transactions(args.out, args.customers, args.lines, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

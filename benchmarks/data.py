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
GENERATOR = ROOT / "segmentation" / "demo" / "sample.py"


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
    from segmentation.demo.sample import generate

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


LINES_PER_CUSTOMER = 20  # the generator makes ~21.4 lines per customer: N lines need N / 20


def customers_for(lines: int) -> int:
    """How many customers to generate for ``lines`` transaction lines (at least 10)."""
    return max(10, -(-lines // LINES_PER_CUSTOMER))


def lines_path(keep: Path, lines: int, seed: int = SEED, fmt: str = "csv") -> Path:
    """Where ``lines`` lines are kept, e.g. ``transactions-10000000-s1.csv`` (or .parquet)."""
    return Path(keep) / f"transactions-{lines}-s{seed}.{fmt}"


def ensure_csv(
    keep: Path, lines: int, customers: int | None = None, *, seed: int = SEED
) -> tuple[Path, dict, list[StageRun]]:
    """A CSV file of exactly ``lines`` transaction lines: :func:`ensure_lines` as CSV."""
    return ensure_lines(keep, lines, customers, seed=seed, fmt="csv")


def ensure_lines(
    keep: Path, lines: int, customers: int | None = None, *, seed: int = SEED, fmt: str = "csv"
) -> tuple[Path, dict, list[StageRun]]:
    """A file (``fmt`` csv or parquet) of exactly ``lines`` transaction lines, its facts, and
    the runs that made it.

    The lines are the first ``lines`` (in date order) of ``generate(customers, seed)``, with
    ``customers`` = ``lines / 20`` unless given. Beyond what one generated set holds (the
    generator's limit and memory), copies of it are appended with ``-2``, ``-3``, ... added to
    the customer and order ids, so customers stay distinct. Written by DuckDB (CSV with a
    header, or Parquet) to a temporary name and renamed; reused while the generator is unchanged.
    The facts are ``{"lines", "customers", "distinct_customers", "bytes", "seed", "copies",
    "generator"}``.
    """
    keep = Path(keep)
    path = lines_path(keep, lines, seed, fmt)
    facts_path = path.with_name(path.name + ".json")
    if path.exists() and facts_path.exists():
        facts = json.loads(facts_path.read_text())
        if facts.get("generator") == _fingerprint() and facts.get("lines") == lines:
            return path, facts, []
    base_customers = min(customers or customers_for(lines), 500_000)
    parquet, base, run = ensure_transactions(keep, base_customers, None, seed=seed)
    command = [sys.executable, "-m", "benchmarks.data", "--lines-from", str(parquet)]
    command += ["--lines", str(lines), "--out", str(path)]
    made = run_stage(f"write {fmt}", command, note=f"DuckDB writes {path.name}")
    facts = json.loads(made.stdout) | {
        "customers": base_customers,
        "seed": seed,
        "generator": _fingerprint(),
    }
    facts_path.write_text(json.dumps(facts) + "\n")
    return path, facts, [r for r in (run, made) if r is not None]


def write_lines(parquet: Path, lines: int, path: Path) -> dict:
    """The first ``lines`` lines of ``parquet`` (repeated with suffixed ids if need be), written
    as CSV (with a header) or, for a ``.parquet`` path, as Parquet."""
    import duckdb

    con = duckdb.connect()
    have = con.execute("SELECT count(*) FROM read_parquet(?)", [str(parquet)]).fetchall()[0][0]
    copies = -(-lines // have)
    parts = []
    for i in range(copies):
        suffix = "" if i == 0 else f" || '-{i + 1}'"
        parts.append(
            f"SELECT order_id{suffix} AS order_id, customer_id{suffix} AS customer_id, "
            f"order_date, product, category, quantity, unit_price, country, {i} AS _copy "
            "FROM read_parquet(?)"
        )
    body = " UNION ALL ".join(parts)
    order = " ORDER BY _copy" if copies > 1 else ""
    parquet_out = path.suffix == ".parquet"
    reader = "read_parquet" if parquet_out else "read_csv"
    tmp = path.with_name(path.name + ".tmp")
    # the file names are bound parameters and the writer takes its path: none is in the SQL text
    rel = con.sql(
        f"SELECT * EXCLUDE (_copy) FROM ({body}){order} LIMIT {int(lines)}",
        params=[str(parquet)] * copies,
    )
    if parquet_out:
        rel.write_parquet(str(tmp))
    else:
        rel.write_csv(str(tmp), header=True)
    distinct = con.execute(
        f"SELECT count(*), count(DISTINCT customer_id) FROM {reader}(?)", [str(tmp)]
    ).fetchall()[0]
    os.replace(tmp, path)
    return {
        "lines": int(distinct[0]),
        "distinct_customers": int(distinct[1]),
        "bytes": path.stat().st_size,
        "copies": copies,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int)
    parser.add_argument(
        "--lines-from", type=Path, metavar="PARQUET", help="write --out (CSV or Parquet) from this"
    )
    parser.add_argument("--lines", type=int, help="keep only the first N lines (date order)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, required=True, metavar="FILE")
    args = parser.parse_args(argv)
    if args.lines_from:
        print(json.dumps(write_lines(args.lines_from, args.lines, args.out)))
        return 0
    if args.customers is None:
        parser.error("--customers is required")
    print(json.dumps(write_transactions(args.out, args.customers, args.lines, args.seed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

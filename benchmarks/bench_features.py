"""Customer features at scale: `segment features` (DuckDB) against pandas ``groupby``.

The target (features issue): 10M transaction lines, about 500k customers, the feature table in
at most 10 s on a 2-core machine, at least 2x faster than pandas ``groupby`` in the same run.

Each stage is its own process, timed from start to exit, with its peak resident memory:

1. generate data: ``segmentation.sample.generate(customers, seed=1)`` to Parquet (cached);
2. ingest: ``segment --workspace W --json ingest FILE`` (no target, shown for the record);
3. features: ``segment --workspace W --json features TABLE`` (target 10 s, start-up included);
4. pandas: ``python -m benchmarks.pandas_features`` reads the same Parquet and computes the same
   features; it times its read and its ``groupby`` work apart.

The ratio is pandas ``groupby`` (from an in-memory DataFrame, read excluded) over `segment
features` (the whole CLI process, reading the workspace table that ingest wrote). Both outputs
are then compared on every customer and column: a fast wrong answer is worth nothing.

    .venv/bin/python -m benchmarks.bench_features [--customers N] [--lines N] [--keep DIR]
                                                  [--repeat N] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.data import SEED, ensure_transactions
from benchmarks.harness import (
    RESULTS,
    SEGMENT,
    Ratio,
    Stage,
    StageRun,
    append_results,
    best_of,
    format_table,
    load_average,
    machine,
    run_stage,
)

TARGET_SECONDS = 10.0
TARGET_RATIO = 2.0
TABLE = "transactions"
FEATURES = f"{TABLE}_features"
DEFAULT_KEEP = Path("/tmp/segment-bench")
RTOL = 1e-6  # numbers agree to 1e-6 relative (1e-6 absolute near zero)
CHOICE = (
    "ratio = pandas groupby compute (from an in-memory DataFrame; its Parquet read is timed "
    "apart) / segment features (the whole CLI process, start-up included, reading the "
    "workspace table that ingest wrote)"
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_features",
        description="Time `segment features` against pandas groupby on synthetic transactions.",
    )
    parser.add_argument("--customers", type=int, default=500_000, help="default 500000")
    parser.add_argument(
        "--lines", type=int, help="keep only the first N transaction lines (date order)"
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=DEFAULT_KEEP,
        metavar="DIR",
        help=f"folder for the cached data, the workspace and outputs (default {DEFAULT_KEEP})",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of features and pandas; the best counts"
    )
    parser.add_argument(
        "--no-record", action="store_true", help=f"do not append the results to {RESULTS.name}"
    )
    parser.add_argument(
        "--results", type=Path, default=RESULTS, metavar="FILE", help=f"default {RESULTS}"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1. Got {args.repeat}.")
    keep = args.keep.resolve()
    path, facts, generated = ensure_transactions(keep, args.customers, args.lines)
    title = (
        f"Customer features, {facts['lines']:,} lines / {facts['distinct_customers']:,} customers"
    )
    print(title)
    described = machine()
    print(f"machine: {described['cpu']}, {described['cores']}, {described['memory']}")
    print(f"data: {path} ({'generated' if generated else 'reused'}, seed {SEED})")

    workspace = keep / "bench.duckdb"
    for stale in (workspace, workspace.with_name(workspace.name + ".wal")):
        stale.unlink(missing_ok=True)
    ingest = _ingest(workspace, path)
    peer_out = keep / "pandas_features.parquet"
    feature_runs, pandas_runs = [], []
    for _ in range(args.repeat):  # interleaved, so both sides see the same machine load
        feature_runs.append(_features(workspace))
        pandas_runs.append(_pandas(path, peer_out))
    features = best_of(feature_runs)
    duck_facts = json.loads(features.stdout)
    read, groupby, peer_facts = _pandas_stages(pandas_runs)

    agree, problems = compare_outputs(workspace, duck_facts, peer_out, peer_facts)
    stages = [ingest.stage, features.stage, read, groupby]
    if generated:
        stages.insert(0, generated.stage)
    ratios = [
        Ratio("pandas / duckdb", groupby, features.stage, TARGET_RATIO),
        Ratio("pandas / duckdb, cpu", groupby, features.stage, cpu=True),
    ]
    notes = _notes(facts, features.stage, ratios[0], agree, problems, args.repeat)
    notes.append(f"load average at end: {load_average()}")
    print()
    print(format_table(stages, ratios))
    print()
    for note in notes:
        print(note)
    if not agree:
        print("Not recorded: the two results disagree.", file=sys.stderr)
        return 1
    if not args.no_record:
        recorded = append_results(
            args.results, title, stages, described, ratios=ratios, notes=notes
        )
        print(f"recorded in {recorded}")
    return 0


# -- the stages --------------------------------------------------------------------------------
def _done(run: StageRun) -> StageRun:
    """Say on stderr that a stage ended: a full-size run takes minutes."""
    s = run.stage
    print(f"  {s.name}: {s.seconds:.2f} s, {s.peak_mb or 0:,.0f} MB peak", file=sys.stderr)
    return run


def _ingest(workspace: Path, path: Path) -> StageRun:
    command = [SEGMENT, "--workspace", workspace, "--json", "ingest", path, "--table", TABLE]
    run = _done(run_stage("ingest", command, note="segment ingest: Parquet -> workspace table"))
    loaded = json.loads(run.stdout)
    roles = {c["role"] for c in loaded["columns"]}
    needed = {"customer_id", "order_id", "timestamp", "quantity", "unit_price"}
    if loaded["kind"] != "transactions" or not needed <= roles:
        raise SystemExit(
            f"ingest read the file as a {loaded['kind']!r} table with roles {sorted(roles)}; "
            f"the benchmark needs a transactions table with {sorted(needed)}."
        )
    return run


def _features(workspace: Path) -> StageRun:
    command = [SEGMENT, "--workspace", workspace, "--json", "features", TABLE, "--replace"]
    run = run_stage(
        "features", command, target_seconds=TARGET_SECONDS, note="segment features: whole process"
    )
    return _done(run)


def _pandas(path: Path, out: Path) -> StageRun:
    command = [sys.executable, "-m", "benchmarks.pandas_features", path, out]
    return _done(run_stage("pandas", command))


def _pandas_stages(runs: list[StageRun]) -> tuple[Stage, Stage, dict]:
    """The pandas peer's read and groupby stages (best of the runs) and the fastest's facts."""
    reports = [json.loads(r.stdout) for r in runs]
    facts = min(reports, key=lambda r: r["compute_seconds"])
    fastest_read = min(reports, key=lambda r: r["read_seconds"])
    read_times = [r["read_seconds"] for r in reports]
    compute_times = [r["compute_seconds"] for r in reports]
    read = Stage(
        "pandas read",
        fastest_read["read_seconds"],
        max(r["read_peak_mb"] for r in reports),
        note=_note("pd.read_parquet, not in the ratio", read_times),
        cpu_seconds=fastest_read["read_cpu_seconds"],
    )
    groupby = Stage(
        "pandas groupby",
        facts["compute_seconds"],
        max(r.stage.peak_mb or 0 for r in runs),
        note=_note("compute from the DataFrame; peak = whole process", compute_times),
        cpu_seconds=facts["compute_cpu_seconds"],
    )
    return read, groupby, facts


def _note(text: str, times: list[float]) -> str:
    if len(times) == 1:
        return text
    return f"{text}; best of {len(times)}: {', '.join(f'{t:.2f}' for t in times)} s"


# -- checking that both computed the same thing ------------------------------------------------
def compare_outputs(
    workspace: Path, duck_facts: dict, peer_out: Path, peer_facts: dict
) -> tuple[bool, list[str]]:
    """Whether the feature table and the pandas result agree on every customer and column.

    Numbers agree to 1e-6 relative (1e-6 absolute near zero), empty values must be empty on
    both sides, text must be equal. Returns (agree, problems).
    """
    import numpy as np
    import pandas as pd

    from segmentation.workspace import open_workspace, quote_ident

    ws = open_workspace(workspace)
    try:
        duck = ws.query_df(f"SELECT * FROM {quote_ident(duck_facts['table'])}")
    finally:
        ws.close()
    peer = pd.read_parquet(peer_out)
    problems = []
    if duck_facts["as_of"] != peer_facts["as_of"]:
        problems.append(f"as_of: segment {duck_facts['as_of']}, pandas {peer_facts['as_of']}")
    if len(duck) != len(peer):
        problems.append(f"customers: segment {len(duck):,}, pandas {len(peer):,}")
        return False, problems
    duck = duck.sort_values("customer_id", ignore_index=True)
    peer = peer.sort_values("customer_id", ignore_index=True)
    only = set(duck.columns) ^ set(peer.columns)
    if only:
        problems.append(f"columns on one side only: {', '.join(sorted(only))}")
    for column in [c for c in duck.columns if c in peer.columns]:
        a, b = duck[column], peer[column]
        if a.dtype.kind in "biuf" and b.dtype.kind in "biuf":
            x, y = a.to_numpy(float), b.to_numpy(float)
            same = np.isclose(x, y, rtol=RTOL, atol=RTOL, equal_nan=True)
        else:
            same = (a.isna() & b.isna()) | (a.astype(object) == b.astype(object)).to_numpy()
        bad = int(len(same) - np.count_nonzero(same))
        if bad:
            i = int(np.flatnonzero(~np.asarray(same))[0])
            problems.append(
                f"{column}: {bad:,} customers differ, e.g. {duck['customer_id'][i]}: "
                f"segment {a[i]!r}, pandas {b[i]!r}"
            )
    return not problems, problems


def _notes(
    facts: dict, features: Stage, ratio: Ratio, agree: bool, problems: list[str], repeat: int
) -> list[str]:
    yes = {True: "met", False: "NOT met"}
    notes = [
        f"features <= {TARGET_SECONDS:g} s: {yes[bool(features.met)]} ({features.seconds:.2f} s)",
        f"pandas / duckdb >= {TARGET_RATIO:g}x: {yes[bool(ratio.met)]} ({ratio.value:.2f}x)",
        f"agree: {'yes' if agree else 'no'} (every customer and column; numbers to {RTOL:g})",
        *[f"  disagreement: {p}" for p in problems],
        CHOICE,
        "the pandas peer computes every feature segment features builds, the 8 share_<category> "
        "columns included; cpu = user + system seconds of all threads",
        f"data: segmentation.sample.generate({facts['customers']}, seed={facts['seed']}), "
        f"{facts['lines']:,} lines; features with the defaults (8 category shares); "
        f"best of {repeat} run(s)",
    ]
    return notes


if __name__ == "__main__":
    sys.exit(main())

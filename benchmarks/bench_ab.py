"""Two checkouts of the project, the four CLI commands interleaved: before and after a change.

On a shared machine the figures of one run an hour later say little (this project's machine
changed its DuckDB load floor from 5.2 to 7.5 s within an hour). This benchmark times the
same commands of two source trees in the same minutes: each command as its own process
(``python -m segmentation.cli.main`` run inside the checkout, so that checkout's package is
the one imported), on its own workspace, alternating which side goes first, and reports the
median and the fastest of each, with CPU seconds. The pandas + scikit-learn peer runs in the
same minutes too.

    python -m benchmarks.bench_ab --before /path/to/old/checkout [--after .] [--lines 10M]
        [--repeat 3] [--keep DIR] [--json]

Make the old checkout with ``git worktree add --detach /tmp/before COMMIT``. Nothing is
recorded in RESULTS.md: paste the table where it belongs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

from benchmarks.harness import ROOT, load_average, run_stage
from benchmarks.pipeline_options import DEFAULT_KEEP, parse_size

K = 6
COMMANDS = ("ingest", "features", "run", "export")


def _arguments(command: str, csv: Path, run_id: str, out: Path) -> list[str]:
    return {
        "ingest": ["ingest", str(csv), "--table", "transactions", "--replace"],
        "features": ["features", "transactions", "--replace"],
        "run": ["run", "transactions_features", "--algorithm", "kmeans", "--k", str(K)],
        "export": ["export", run_id, "--format", "csv", "--out", str(out)],
    }[command]


def compare(before: Path, after: Path, csv: Path, folder: Path, repeat: int) -> dict:
    """``{side: {command: [(wall, cpu), ...]}}`` and the peer's, each command interleaved."""
    sides = {"before": before.resolve(), "after": after.resolve()}
    timings: dict[str, dict[str, list]] = {side: {c: [] for c in COMMANDS} for side in sides}
    run_ids: dict[str, str] = {}
    folder.mkdir(parents=True, exist_ok=True)
    for side in sides:
        for stale in folder.glob(f"ab-{side}.duckdb*"):
            stale.unlink()
    for command in COMMANDS:
        for i in range(repeat):
            order = list(sides) if i % 2 == 0 else list(sides)[::-1]
            for side in order:
                workspace = folder / f"ab-{side}.duckdb"
                args = _arguments(command, csv, run_ids.get(side, ""), folder / f"ab-{side}.csv")
                done = run_stage(
                    f"{side}: {command}",
                    [sys.executable, "-m", "segmentation.cli.main", "--workspace", workspace]
                    + ["--json", *args],
                    cwd=sides[side],
                    timeout=1800,
                )
                if command == "run":
                    run_ids[side] = json.loads(done.stdout)["run_id"]
                stage = done.stage
                timings[side][command].append((stage.seconds, stage.cpu_seconds or 0.0))
                print(f"  {side:6s} {command:8s} {stage.seconds:6.2f} s", file=sys.stderr)
    peer = []
    for _ in range(repeat):
        done = run_stage(
            "peer",
            [sys.executable, "-m", "benchmarks.pandas_pipeline", csv, folder / "ab-peer.csv"],
            timeout=1800,
        )
        peer.append((done.stage.seconds, done.stage.cpu_seconds or 0.0))
        print(f"  peer            {done.stage.seconds:6.2f} s", file=sys.stderr)
    return {"sides": {k: str(v) for k, v in sides.items()}, "timings": timings, "peer": peer}


def table(found: dict) -> str:
    """The markdown table: median and fastest wall seconds, median CPU, per command and side."""
    header = "| command | before median | after median | change | before fastest | after fastest "
    rows = [header + "| cpu before | cpu after |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    totals = {"before": 0.0, "after": 0.0}
    for command in COMMANDS:
        cells = {}
        for side in ("before", "after"):
            runs = found["timings"][side][command]
            cells[side] = (
                statistics.median(w for w, _ in runs),
                min(w for w, _ in runs),
                statistics.median(c for _, c in runs),
            )
            totals[side] += cells[side][1]
        b, a = cells["before"], cells["after"]
        rows.append(
            f"| {command} | {b[0]:.2f} | {a[0]:.2f} | {100 * (a[0] / b[0] - 1):+.0f}% "
            f"| {b[1]:.2f} | {a[1]:.2f} | {b[2]:.2f} | {a[2]:.2f} |"
        )
    peer = min(w for w, _ in found["peer"])
    rows.append(
        f"| the four, fastest of each | | | | {totals['before']:.2f} | {totals['after']:.2f} | | |"
    )
    rows.append(
        f"\nPeer (pandas + scikit-learn) fastest {peer:.2f} s in the same minutes: peer / "
        f"pipeline {peer / totals['before']:.2f}x before, {peer / totals['after']:.2f}x after."
    )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the old checkout")
    parser.add_argument("--after", type=Path, default=ROOT, help="the new one (this checkout)")
    parser.add_argument("--lines", type=parse_size, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=DEFAULT_KEEP, metavar="DIR")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error(f"--repeat must be at least 1. Got {args.repeat}.")
    from benchmarks.data import ensure_csv

    keep = args.keep.resolve()
    csv, facts, _ = ensure_csv(keep, args.lines)
    start = load_average()
    found = compare(args.before, args.after, csv, keep / "ab", args.repeat)
    found |= {"facts": facts, "load_average": [start, load_average()]}
    ended = found["load_average"][1]
    print(json.dumps(found) if args.json else f"{table(found)}\nload average: {start} -> {ended}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

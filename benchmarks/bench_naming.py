"""What naming the segments when a run is made adds to `segment run` (issue 14, bug 6).

For the sample data (3,000 customers: the demo's transactions, ingested and built into
features) and for a synthetic feature table of 100,000 customers (the one bench_export
builds), a k-means run is made without names and then named by
``profiles.naming.name_segments``, which is what ``namer=`` adds to the run: the figure is those
extra seconds (best of ``--repeat``), with the run's own time beside it.

    .venv/bin/python -m benchmarks.bench_naming [--customers 3000,100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def _sample_workspace(folder: Path, customers: int):
    from segmentation.demo.sample import write_sample
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.workspace import open_workspace

    paths = write_sample(folder / "sample", customers=customers, seed=42)
    ws = open_workspace(folder / "ws.duckdb")
    ingest_file(ws, paths["transactions"], table="tx")
    build_features(ws, "tx", name="feat")
    return ws, "feat"


def _synthetic_workspace(folder: Path, customers: int):
    from benchmarks.bench_export import TABLE, build_workspace
    from segmentation.workspace import open_workspace

    build_workspace(folder / "ws.duckdb", customers)
    return open_workspace(folder / "ws.duckdb"), TABLE


def measure(customers: int, repeat: int) -> dict[str, float]:
    from segmentation.profiles.naming import name_segments
    from segmentation.segment.runs import run_segmentation

    with tempfile.TemporaryDirectory(prefix="bench-naming-") as tmp:
        make = _sample_workspace if customers <= 10_000 else _synthetic_workspace
        ws, table = make(Path(tmp), customers)
        plain, naming = [], []
        for _ in range(repeat):  # the extra work of namer=: name_segments on the stored run
            start = time.perf_counter()
            run = run_segmentation(ws, table, params={"n_clusters": 5}, seed=1)
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            run = name_segments(ws, run.run_id)
            naming.append(time.perf_counter() - start)
        ws.close()
    return {
        "customers": customers,
        "run_s": min(plain),
        "extra_s": min(naming),
        "names": ", ".join(s.name for s in run.segments),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", default="3000,100000")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print("| customers | run without names (s) | naming (s) | extra |")
    print("|---:|---:|---:|---:|")
    for n in (int(x) for x in args.customers.split(",")):
        m = measure(n, args.repeat)
        share = m["extra_s"] / m["run_s"]
        print(f"| {m['customers']:,} | {m['run_s']:.2f} | {m['extra_s']:.3f} | {share:+.0%} |")
        print(f"names: {m['names']}")


if __name__ == "__main__":
    main()

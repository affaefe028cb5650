"""The app itself at scale: the Features-to-Segment flow and every page, with Streamlit's AppTest.

The targets (speed issue):

- flow: on a workspace holding a transactions table of ``--lines`` lines (1M by default), the
  time from a click on **Build features** to a finished k-means run is at most 10 s. One AppTest
  session opens Home and the Features page (untimed), then times each step as a user makes it:
  the Build click (the features are built and the page rerenders with the new table), opening
  the Segment page, choosing k-means and the number of segments (a rerun), and the Run click
  (the run is fitted, stored, and shown). The sum of those steps is the figure with the target;
  the run must be listed in the workspace afterwards, with the algorithm and k asked for.
- pages: on a workspace of 1M customers with a feature table and two runs (what
  :mod:`benchmarks.bench_pages` needs; made here with ``bench_pipeline.setup_big`` when no
  ``--workspace`` is given), every page of app.py's navigation is shown twice in one session:
  first (cold: it fills the caches; no target), then again after all the others (the "once
  cached" render) with a 2 s target. A page that raises fails the benchmark, named.

Each step is timed around ``AppTest.run`` (the whole script, router, sidebar and page, as the
server reruns it), in this process. Items are shaped like bench_pages' ``interactions`` (page,
interaction, seconds, target_seconds) so the pipeline benchmark can fold them into its report.
With ``--profile``, a cached render over its target is rendered once more under cProfile and
its heaviest calls are printed on stderr.

With ``--real``, the pages' workspace is :mod:`benchmarks.bench_workspace`'s, made from
transaction lines (a prediction, recommendations, an export with a holdout; the Results page
reads out the campaign and follows the customers), and the Predict, Recommend, Results and
Customer pages must show their full state: an empty one fails the benchmark, named.

    python -m benchmarks.bench_app [--lines 1M] [--workspace W.duckdb | --customers 1M]
                                   [--real] [--keep DIR] [--data DIR] [--skip-flow]
                                   [--skip-pages] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import sys
import threading
import time
from pathlib import Path

from benchmarks.harness import ROOT, load_average, self_peak_mb
from benchmarks.pipeline_options import parse_size, short_size

FLOW_TARGET_SECONDS = 10.0
PAGE_TARGET_SECONDS = 2.0
K = 6
TABLE = "transactions"
DEFAULT_KEEP = Path("/tmp/segment-bench-app")  # the workspaces
DEFAULT_DATA = Path("/tmp/segment-bench")  # the generated lines, shared with other benchmarks
TIMEOUT = 1800
APP = ROOT / "app.py"


def app_pages() -> list[str]:
    """The pages of app.py's navigation, in its order: ``["pages/home.py", ...]``."""
    return re.findall(r"st\.Page\(\s*\"(pages/[\w/]+\.py)\"", APP.read_text(encoding="utf-8"))


def _page_name(path: str) -> str:
    return Path(path).stem


class Session:
    """One AppTest session on a workspace; each :meth:`timed` run becomes an item."""

    def __init__(self, workspace: Path) -> None:
        os.environ["SEGMENT_WORKSPACE"] = str(workspace)
        from streamlit.testing.v1 import AppTest

        self.at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        self.items: list[dict] = []
        self.errors: list[str] = []

    def timed(self, page: str, what: str, target: float | None) -> float:
        """Run the script once; fail on an exception; keep (and say) the seconds."""
        start = time.perf_counter()
        self.at.run(timeout=TIMEOUT)
        seconds = time.perf_counter() - start
        if self.at.exception:
            raise SystemExit(f"{page}: {what} raised {self.at.exception[0].value}")
        for shown in self.at.error:
            self.errors.append(f"{page}: {what}: {shown.value}")
            print(f"  {page}: {what}: the page shows an error: {shown.value}", file=sys.stderr)
        self.items.append(
            {"page": page, "interaction": what, "seconds": seconds, "target_seconds": target}
        )
        flag = "" if target is None else (" (met)" if seconds <= target else " (NOT met)")
        print(f"  {page}: {what}: {seconds:.2f} s{flag}", file=sys.stderr, flush=True)
        return seconds

    def profiled(self, page: str, top: int = 40) -> str:
        """One more render of the current page under cProfile: its heaviest calls, as text."""
        profiler = cProfile.Profile()

        def start(*_args) -> None:  # in the thread AppTest runs the script in
            sys.setprofile(None)
            profiler.enable()

        threading.setprofile(start)  # cProfile sees only the threads it was enabled in
        profiler.enable()
        try:
            self.at.run(timeout=TIMEOUT)
        finally:
            threading.setprofile(None)
            profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(top)
        return f"-- profile of {page}'s cached render --\n{out.getvalue()}"


def _button(at, label: str):
    """The button labelled ``label`` on the page (the Build button has no key)."""
    found = [b for b in at.button if b.label == label]
    if not found:
        raise SystemExit(f"no button {label!r} on the page: {[b.label for b in at.button]}")
    return found[0]


# -- the flow: Build features to a finished k-means run --------------------------------------------
def make_flow_workspace(folder: Path, lines: int, data: Path) -> tuple[Path, dict]:
    """A new workspace in ``folder`` with ``lines`` generated transaction lines (Parquet from
    :func:`benchmarks.data.ensure_lines`, kept in ``data``) ingested as ``transactions``."""
    from benchmarks.data import ensure_lines
    from segmentation.ingest.load import ingest_file
    from segmentation.workspace import open_workspace

    source, facts, _ = ensure_lines(data, lines, fmt="parquet")
    folder.mkdir(parents=True, exist_ok=True)
    workspace = folder / f"flow-{lines}.duckdb"
    for stale in (workspace, workspace.with_name(workspace.name + ".wal")):
        stale.unlink(missing_ok=True)
    start = time.perf_counter()
    ws = open_workspace(workspace)
    try:
        ingest_file(ws, source, table=TABLE)
    finally:
        ws.close()
    return workspace, facts | {"ingest_seconds": time.perf_counter() - start, "data": str(source)}


def flow(
    workspace_dir: Path, lines: int = 1_000_000, *, data: Path = DEFAULT_DATA, k: int = K
) -> dict:
    """Time Build features -> a finished k-means run with ``k`` segments on ``lines`` lines.

    Returns ``{"items", "facts", "run_id", "total_seconds", "met", "errors"}``; the items are
    each timed step (no target of their own) and their sum (the 10 s target).
    """
    workspace, facts = make_flow_workspace(Path(workspace_dir), lines, Path(data))
    label = short_size(lines)
    print(f"flow on {facts['lines']:,} lines ({workspace})", file=sys.stderr, flush=True)
    session = Session(workspace)
    at = session.at
    session.timed("home", "first render, before the flow (opens the workspace)", None)
    at.switch_page("pages/features.py")
    session.timed("features", "first render, before the flow", None)
    _button(at, "Build features").click()
    steps = [session.timed("features", f"Build features on {label} lines (click to rerun)", None)]
    if not _feature_tables(workspace):
        raise SystemExit(f"features: the Build click made no feature table: {session.errors}")
    at.switch_page("pages/segment.py")
    steps.append(session.timed("segment", "open the page (the new feature table)", None))
    at.selectbox(key="seg_algorithm").set_value("kmeans")
    at.number_input(key="seg_kmeans_n_clusters").set_value(k)
    steps.append(session.timed("segment", f"choose k-means, {k} segments", None))
    at.button(key="seg_run").click()
    steps.append(session.timed("segment", f"Run k-means k={k} (click to rerun)", None))
    run = _check_run(workspace, k)
    total = sum(steps)
    session.items.append(
        {
            "page": "flow",
            "interaction": f"Build features to a finished k-means run ({label} lines)",
            "seconds": total,
            "target_seconds": FLOW_TARGET_SECONDS,
        }
    )
    met = total <= FLOW_TARGET_SECONDS
    verdict = "met" if met else "NOT met"
    print(f"  flow: Build features to a finished run: {total:.2f} s ({verdict})", file=sys.stderr)
    facts |= {"customers_in_run": run.customers, "table": run.table}
    return {
        "items": session.items,
        "facts": facts,
        "run_id": run.run_id,
        "total_seconds": total,
        "met": met,
        "errors": session.errors,
    }


def _feature_tables(workspace: Path) -> list[str]:
    from segmentation.workspace import open_workspace

    return [t.name for t in open_workspace(workspace).tables(kind="features")]


def _check_run(workspace: Path, k: int):
    """The run the flow made, read back from the workspace: k-means, ``k`` segments."""
    from segmentation.segment.runs import list_runs
    from segmentation.workspace import open_workspace

    found = list_runs(open_workspace(workspace))  # the app's own connection (one per process)
    if not found:
        raise SystemExit("segment: the Run click stored no run")
    run = found[-1]
    if run.algorithm != "kmeans" or len(run.segments) != k:
        raise SystemExit(
            f"segment: the stored run {run.run_id} is {run.algorithm} with "
            f"{len(run.segments)} segments, not kmeans with {k}"
        )
    return run


# -- every page, cold then cached -----------------------------------------------------------------
def make_pages_workspace(keep: Path, customers: int) -> Path:
    """bench_pipeline's 1M-customer workspace (a synthetic 8-feature table) with two k-means
    runs (k=6, k=4), made in ``keep`` (the table is kept and reused; the runs are made anew)."""
    from benchmarks.bench_pipeline import BIG_TABLE, setup_big
    from segmentation.segment.runs import run_segmentation
    from segmentation.workspace import open_workspace

    keep.mkdir(parents=True, exist_ok=True)
    workspace = keep / f"pages-c{customers}.duckdb"
    start = time.perf_counter()
    setup_big(workspace, customers)
    ws = open_workspace(workspace)
    try:
        for k in (K, 4):
            run_segmentation(ws, BIG_TABLE, algorithm="kmeans", params={"n_clusters": k})
    finally:
        ws.close()
    print(f"  pages workspace ready: {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return workspace


def pages(workspace: Path, *, profile: bool = False, full=None) -> dict:
    """Every page of the app, first (cold) then once cached, in one AppTest session; on the
    Customer page (an id box at first) a customer is looked up too, then another once cached.

    Returns ``{"items", "over_target", "profiles", "errors", "runs", "customers"}``.
    ``workspace`` needs a feature table and two runs. ``full`` (a
    :class:`benchmarks.bench_workspace.FullState`, on a real workspace) adds its clicks after
    each cold render and checks every render shows the page's full state.
    """
    from segmentation.segment.runs import list_runs
    from segmentation.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        found = list_runs(ws)
        customers = max((t.rows for t in ws.tables(kind="features")), default=0)
        people = list(ws.preview(found[-1].table, 2)["customer_id"]) if found else []
    finally:
        ws.close()
    if len(found) < 2:
        raise SystemExit(f"{workspace}: the page benchmark needs two runs, found {len(found)}.")
    print(f"pages on {customers:,} customers ({workspace})", file=sys.stderr, flush=True)
    session = Session(workspace)
    over, profiles = [], []

    def check(page: str, what: str) -> None:
        if full is not None:
            full.check(session.at, page, what)

    def cached(page: str, what: str) -> None:
        if session.timed(page, what, PAGE_TARGET_SECONDS) > PAGE_TARGET_SECONDS:
            over.append(page)
            if profile:
                profiles.append(session.profiled(page))
                print(profiles[-1], file=sys.stderr, flush=True)

    for path in app_pages():
        if path != "pages/home.py":
            session.at.switch_page(path)
        session.timed(_page_name(path), "first render (cold: fills the caches)", None)
        check(_page_name(path), "first")
        if full is not None:
            full.act(session, _page_name(path))
        if _page_name(path) == "customer":
            session.at.text_input(key="customer_id").set_value(people[0])
            session.timed(
                "customer", "look up a customer (first: places the run's customers)", None
            )
            check("customer", "lookup")
    for path in app_pages():
        session.at.switch_page(path)
        cached(_page_name(path), "render once cached (second visit)")
        check(_page_name(path), "cached")
        if _page_name(path) == "customer":
            session.at.text_input(key="customer_id").set_value(people[1])
            cached("customer", "look up another customer (cached)")
            check("customer", "lookup")
    return {
        "items": session.items,
        "over_target": over,
        "profiles": profiles,
        "errors": session.errors,
        "runs": [r.run_id for r in found],
        "customers": customers,
    }


# -- the command line -----------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.bench_app", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--lines", type=parse_size, default=1_000_000, help="flow: transaction lines (1M)"
    )
    parser.add_argument("--k", type=int, default=K, help=f"flow: number of segments ({K})")
    parser.add_argument(
        "--workspace", type=Path, help="pages: a workspace with a feature table and two runs"
    )
    parser.add_argument(
        "--customers",
        type=parse_size,
        default=1_000_000,
        help="pages: customers of the workspace made when no --workspace is given (1M)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        default=DEFAULT_KEEP,
        metavar="DIR",
        help=f"workspaces ({DEFAULT_KEEP})",
    )
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA,
        metavar="DIR",
        help=f"generated transaction lines, made once and reused ({DEFAULT_DATA})",
    )
    parser.add_argument(
        "--real",
        action="store_true",
        help="pages: a workspace made from transaction lines, with a prediction, a "
        "recommendation set, an export and its readout (benchmarks/bench_workspace.py), and "
        "every page checked to show its full state (also on a --workspace)",
    )
    parser.add_argument("--skip-flow", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile a cached render over its target"
    )
    return parser


def _pages_target(found: dict, customers: int | None = None) -> dict:
    """The pages' one verdict: every cached render within its target, and the slowest
    (``customers``: the workspace's, where its feature table holds fewer)."""
    cached = [i for i in found["items"] if i["target_seconds"] is not None]
    slowest = max(cached, key=lambda i: i["seconds"])
    return {
        "target": f"app: every page's render once cached, "
        f"{short_size(customers or found['customers'])} customers",
        "goal": f"<= {PAGE_TARGET_SECONDS:g} s each",
        "figure": f"slowest {slowest['seconds']:.2f} s: {slowest['page']}",
        "met": not found["over_target"],
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    keep = args.keep.resolve()
    out: dict = {"load_average_start": load_average(), "interactions": [], "targets": []}
    if not args.skip_flow:
        found = flow(keep / "flow", args.lines, data=args.data.resolve(), k=args.k)
        out["flow"] = {key: v for key, v in found.items() if key != "items"}
        out["interactions"] += found["items"]
        out["targets"].append(
            {
                "target": f"app: Build features to a finished k-means run, "
                f"{short_size(args.lines)} lines",
                "goal": f"<= {FLOW_TARGET_SECONDS:g} s",
                "figure": f"{found['total_seconds']:.2f} s",
                "met": found["met"],
            }
        )
    if not args.skip_pages:
        from benchmarks.bench_workspace import FullState, make_real_workspace

        if args.workspace:
            workspace = args.workspace.resolve()
        elif args.real:
            workspace = make_real_workspace(keep, args.customers)
        else:
            workspace = make_pages_workspace(keep, args.customers)
        found = pages(workspace, profile=args.profile, full=FullState() if args.real else None)
        out["pages"] = {key: v for key, v in found.items() if key != "items"}
        out["interactions"] += found["items"]
        made = args.customers if args.real and not args.workspace else None
        out["targets"].append(_pages_target(found, made))
    out["load_average_end"] = load_average()
    out["peak_mb"] = self_peak_mb()
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())

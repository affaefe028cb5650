"""Page interactions at scale: Streamlit's AppTest on a workspace of many customers.

The target (pages issue): on 1M customers, a widget change on a page reruns it in at most 2 s
once the page has been shown once (its caches filled). Each interaction is timed from the
widget's new value to the end of the rerun (``AppTest.run``: the whole script, sidebar and
page, as the server reruns it), in one process, after a first render of each page that is
timed too but has no target:

- Segment: switch the run selectbox to the other run and back, twice (the first view of a run
  fills its silhouette cache; the later switches are cached), change the algorithm selectbox
  (it drives the parameter widgets);
- Profiles: choose another segment in the Segment tab, and another feature in Distributions;
- Explore: colour the map by a feature (first time: its chart points are computed), then by
  segment again (cached).

The workspace needs a feature table and at least two runs (the pipeline benchmark builds it).

    python -m benchmarks.bench_pages --workspace W.duckdb   # prints one JSON object
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.harness import ROOT, self_peak_mb

TARGET_SECONDS = 2.0


def measure(workspace: Path, timeout: float = 900) -> dict:
    """Every interaction's seconds, whether it has the 2 s target, and any exception."""
    os.environ["SEGMENT_WORKSPACE"] = str(workspace)
    from streamlit.testing.v1 import AppTest

    from segmentation.segment.runs import list_runs
    from segmentation.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        found = list_runs(ws)
        ids = [r.run_id for r in found]
        columns = [c.name for c in ws.table(found[-1].table).columns] if found else []
    finally:
        ws.close()
    if len(ids) < 2:
        raise SystemExit(f"{workspace}: the page benchmark needs two runs, found {len(ids)}.")
    timings: list[dict] = []

    def timed(at: AppTest, page: str, what: str, target: bool) -> AppTest:
        start = time.perf_counter()
        at.run(timeout=timeout)
        seconds = time.perf_counter() - start
        if at.exception:
            raise SystemExit(f"{page}: {what} raised {at.exception[0].value}")
        timings.append(
            {
                "page": page,
                "interaction": what,
                "seconds": seconds,
                "target_seconds": TARGET_SECONDS if target else None,
            }
        )
        print(f"  {page}: {what}: {seconds:.2f} s", file=sys.stderr)
        return at

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    timed(at, "home", "first render (opens the workspace)", False)

    # Segment: the current run is the last; switch to the one before and back.
    at.switch_page("pages/segment.py")
    timed(at, "segment", "first render", False)
    current = at.selectbox(key="segment_run").value
    other = next(i for i in reversed(ids) if i != current)
    at.selectbox(key="segment_run").set_value(other)
    timed(at, "segment", f"switch run {current} -> {other} (first view of {other})", False)
    at.selectbox(key="segment_run").set_value(current)
    timed(at, "segment", f"switch run {other} -> {current} (cached)", True)
    at.selectbox(key="segment_run").set_value(other)
    timed(at, "segment", f"switch run {current} -> {other} (cached)", True)
    at.selectbox(key="segment_run").set_value(current)
    timed(at, "segment", f"switch run {other} -> {current} (cached, again)", True)
    at.selectbox(key="seg_algorithm").set_value("gmm")
    timed(at, "segment", "algorithm kmeans -> gmm (parameter widgets)", True)
    at.selectbox(key="seg_algorithm").set_value("kmeans")
    timed(at, "segment", "algorithm gmm -> kmeans", True)

    # Profiles of the current run (the last one: the page falls back to the last run once the
    # Segment page's widget state is gone, so the last run keeps the timings about one run).
    at.switch_page("pages/profiles.py")
    timed(at, "profiles", "first render (profiles the run)", False)
    run = at.selectbox(key="profiles_run").value
    box = at.selectbox(key=f"profiles_segment_{run}")
    box.set_value(_another(box, range(1, len(box.options) + 1)))
    timed(at, "profiles", "choose another segment", True)
    box = at.selectbox(key=f"profiles_dist_feature_{run}")
    box.set_value(_another(box, columns))
    timed(at, "profiles", "distribution of another feature", True)

    # Explore the same run: PCA map, coloured by a feature, then by segment again.
    at.switch_page("pages/explore.py")
    timed(at, "explore", "first render (PCA map)", False)
    colour = at.selectbox(key="explore_colour")
    feature_name = next(o for o in colour.options if o != "Segment")
    colour.set_value(feature_name)
    timed(at, "explore", f"colour by {feature_name} (first time)", True)
    at.selectbox(key="explore_colour").set_value("Segment")
    timed(at, "explore", "colour by segment (cached)", True)
    at.selectbox(key="explore_colour").set_value(feature_name)
    timed(at, "explore", f"colour by {feature_name} (cached)", True)
    return {"interactions": timings, "runs": ids, "peak_mb": self_peak_mb()}


def _another(box, values) -> object:
    """A value other than the selectbox's current one, among ``values``, that it offers."""
    shown = set(box.options)
    for value in values:
        label = box.format_func(value) if box.format_func else str(value)
        if value != box.value and label in shown:
            return value
    raise SystemExit(f"no other choice in the selectbox {box.key!r}: {box.options}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workspace", type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.workspace.resolve())))
    return 0


if __name__ == "__main__":
    sys.exit(main())

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
  segment again (cached); rerun the map once cached; a box selection around the middle of the
  map (about ``ZOOM_CUSTOMERS`` customers: the on_select path, from the chart's event to the
  selection's profile, as the browser's box would send it), "Zoom to this area" (every
  customer of the area drawn), a box selection inside the zoomed map, "Whole map" again.

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
ZOOM_CUSTOMERS = 20_000  # customers in the area the benchmark zooms in on (a fifth at tiny sizes)


def measure(workspace: Path, timeout: float = 900) -> dict:
    """Every interaction's seconds, whether it has the 2 s target, and any exception."""
    os.environ["SEGMENT_WORKSPACE"] = str(workspace)
    from streamlit.testing.v1 import AppTest

    from segmentation.segment.runs import list_runs
    from segmentation.workspace import open_workspace

    ws = open_workspace(workspace)  # kept open: the Explore part reads the page's stored map
    try:
        return _measure(ws, AppTest, list_runs(ws), timeout)
    finally:
        ws.close()


def _measure(ws, AppTest, found: list, timeout: float) -> dict:
    ids = [r.run_id for r in found]
    columns = [c.name for c in ws.table(found[-1].table).columns] if found else []
    if len(ids) < 2:
        raise SystemExit(f"{ws.path}: the page benchmark needs two runs, found {len(ids)}.")
    timings: list[dict] = []

    def timed(at: AppTest, page: str, what, target: bool, before=None) -> AppTest:
        """Time ``before()`` (what the server does ahead of the rerun) and the rerun; ``what``
        may be a callable, called after the rerun, for words that need its result."""
        start = time.perf_counter()
        if before is not None:
            before()
        at.run(timeout=timeout)
        seconds = time.perf_counter() - start
        what = what() if callable(what) else what
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
    at.selectbox(key="explore_colour").set_value("Segment")
    timed(at, "explore", "colour by segment again (cached)", True)
    timed(at, "explore", "rerun of the map (cached)", True)
    _zoom(ws, at, timed, run)
    return {"interactions": timings, "runs": ids, "peak_mb": self_peak_mb()}


def _zoom(ws, at, timed, run_id: str) -> None:
    """Select a box of about ZOOM_CUSTOMERS customers, zoom to it, select inside, go back."""
    from segmentation.explore.points import chart_points
    from segmentation.explore.project import project
    from segmentation.explore.selection import map_selection
    from segmentation.explore.window import inside

    if at.selectbox(key="explore_run").value != run_id:
        raise SystemExit(f"explore: the page shows {at.selectbox(key='explore_run').value}")
    proj = project(ws, run_id, "pca")  # the map the page has just stored: read back
    want = min(ZOOM_CUSTOMERS, len(proj.points) // 5)
    area = _box_of(proj.points, want)
    event = _box_event(chart_points(ws, proj), area)  # the drawn points inside the box

    def select(event) -> None:
        at.session_state["explore_selection"] = map_selection(event, proj)  # on_select's work

    def chosen() -> int:
        return len(at.session_state["explore_selection"].ids)

    timed(
        at,
        "explore",
        lambda: f"box selection ({chosen():,} customers)",
        True,
        before=lambda: select(event),
    )
    at.button(key="explore_zoom").click()
    timed(at, "explore", lambda: f"zoom to the selected area ({_caption_count(at)})", True)
    inner = _box_of(proj.points.iloc[inside(proj.points, area)], want // 2)
    event = _box_event(chart_points(ws, proj, window=area), inner)
    timed(
        at,
        "explore",
        lambda: f"box selection in the zoomed map ({chosen():,} customers)",
        True,
        before=lambda: select(event),
    )
    at.button(key="explore_whole").click()
    timed(at, "explore", lambda: f"whole map again ({_caption_count(at)})", True)


def _box_of(points, customers: int):
    """The box around the map's median point holding about ``customers`` customers (a square
    in units of each axis's spread)."""
    import numpy as np

    from segmentation.explore.window import Window

    x, y = points["x"].to_numpy(np.float64), points["y"].to_numpy(np.float64)
    cx, cy, sx, sy = np.median(x), np.median(y), x.std() or 1.0, y.std() or 1.0
    reach = np.maximum(np.abs(x - cx) / sx, np.abs(y - cy) / sy)
    r = float(np.partition(reach, customers - 1)[customers - 1]) or 1e-6
    return Window(cx - r * sx, cx + r * sx, cy - r * sy, cy + r * sy)


def _box_event(drawn, window) -> dict:
    """The event a box over ``window`` sends: its drawn points (customdata) and the box."""
    from segmentation.explore.window import inside

    frame = drawn.frame.iloc[inside(drawn.frame, window)]
    points = [{"customdata": [c]} for c in frame["customer_id"]]
    box = {"xref": "x", "yref": "y", "x": [window.x0, window.x1], "y": [window.y0, window.y1]}
    return {"selection": {"points": points, "box": [box], "lasso": []}}


def _caption_count(at) -> str:
    """The page's words on how many customers the map draws."""
    for caption in at.caption:
        text = str(caption.value)
        for start in ("Zoomed in: ", "Showing "):
            if start in text:
                words = text[text.index(start) + len(start) :].split(";")[0].split(" (")[0]
                return words.rstrip(".")
    return "no caption"


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

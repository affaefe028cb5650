"""The app benchmark at tiny sizes: the flow and every page run and print every figure.

No timing is asserted here: figures at 20k lines and 3,000 customers say nothing about 1M.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
FLOW_STEPS = (
    ("features", "Build features on 20k lines (click to rerun)"),
    ("segment", "open the page (the new feature table)"),
    ("segment", "choose k-means, 3 segments"),
    ("segment", "Run k-means k=3 (click to rerun)"),
)


def _app_pages() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from benchmarks.bench_app import app_pages

    return [Path(p).stem for p in app_pages()]


def test_app_pages_lists_every_page_of_the_navigation():
    pages = _app_pages()
    assert pages[0] == "home" and {"features", "segment", "explore", "results"} <= set(pages)
    assert len(pages) == (ROOT / "app.py").read_text().count('st.Page("pages/')


def test_app_benchmark_runs_and_prints_every_figure(tmp_path):
    before = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else None
    command = [sys.executable, "-m", "benchmarks.bench_app", "--lines", "20k", "--k", "3"]
    command += ["--customers", "3000", "--keep", str(tmp_path), "--data", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout)
    items = {(i["page"], i["interaction"]): i for i in out["interactions"]}
    for key in FLOW_STEPS:
        assert items[key]["target_seconds"] is None, key
    total = items[("flow", "Build features to a finished k-means run (20k lines)")]
    steps = sum(items[key]["seconds"] for key in FLOW_STEPS)
    assert total["target_seconds"] == 10.0 and abs(total["seconds"] - steps) < 1e-9
    assert out["flow"]["run_id"] == "r1" and out["flow"]["facts"]["lines"] == 20_000
    for page in _app_pages():
        cold = items[(page, "first render (cold: fills the caches)")]
        cached = items[(page, "render once cached (second visit)")]
        assert cold["target_seconds"] is None and cached["target_seconds"] == 2.0, page
    assert items[("customer", "look up a customer (first: places the run's customers)")]
    assert items[("customer", "look up another customer (cached)")]["target_seconds"] == 2.0
    assert not [e for e in out["pages"]["errors"] if e.startswith("customer")]
    assert all(isinstance(i["seconds"], float) and i["seconds"] > 0 for i in items.values())
    targeted = [i for i in out["interactions"] if i["target_seconds"] is not None]
    flags = result.stderr.count(" s (met)") + result.stderr.count(" s (NOT met)")
    assert flags == len(targeted)  # on stderr: each figure with a target, and its verdict
    assert out["pages"]["runs"] == ["r1", "r2"] and out["pages"]["customers"] == 3000
    verdicts = {t["target"]: t for t in out["targets"]}
    flow = verdicts["app: Build features to a finished k-means run, 20k lines"]
    shown = verdicts["app: every page's render once cached, 3k customers"]
    assert flow["goal"] == "<= 10 s" and shown["goal"] == "<= 2 s each"
    assert isinstance(flow["met"], bool) and isinstance(shown["met"], bool)
    assert (RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else None) == before

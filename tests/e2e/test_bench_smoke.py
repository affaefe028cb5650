"""The benchmarks at tiny sizes: they run end to end and print every figure.

No timing is asserted here: figures at 300 customers say nothing about 500k.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def _results_text() -> str | None:
    return RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else None


def test_features_benchmark_runs_and_prints_every_figure(tmp_path):
    before = _results_text()
    command = [sys.executable, "-m", "benchmarks.bench_features", "--customers", "300"]
    command += ["--keep", str(tmp_path), "--no-record"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for figure in ("generate data", "ingest", "features", "pandas read", "pandas groupby"):
        assert f"\n{figure} " in out, f"no {figure!r} row in:\n{out}"
    assert "pandas / duckdb " in out
    assert "features <= 10 s: " in out
    assert "pandas / duckdb >= 2x: " in out
    assert "agree: yes" in out
    assert _results_text() == before  # --no-record leaves the history alone


def test_append_results_keeps_earlier_sections(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT))
    from benchmarks.harness import Ratio, Stage, append_results, machine

    path = tmp_path / "RESULTS.md"
    fast = Stage("features", 4.0, 900.0, target_seconds=10, cpu_seconds=7.5)
    slow = Stage("pandas groupby", 12.0, 3000.0)
    append_results(path, "First", [fast, slow], machine(), ratios=[Ratio("x", slow, fast, 2)])
    append_results(path, "Second", [fast], {"cpu": "test"}, notes=["a note"])
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# Benchmark results")
    assert text.index("## First (") < text.index("## Second (")
    assert "| features | 4.00 | 7.50 | 900 | <= 10 s | yes |" in text
    assert "| x | 3.00x | >= 2x | yes |" in text
    assert "- cores: " in text and "- a note" in text


PIPELINE_ROWS = (
    "write csv",
    "scan floor",
    "parse floor",
    "load floor",
    "start-up floor",
    "import floor",
    "ingest",
    "features",
    "k-means k=6",
    "export csv",
    "CLI pipeline (4 processes)",
    "pandas + sklearn peer",
    "  peer: read",
    "  peer: groupby rfm",
    "  peer: scale + kmeans",
    "  peer: write csv",
    "k-sweep k=2-12",
    "pca",
    "umap cold",
    "umap cached",
    "profile",
    "3k: setup",
    "3k: k-means k=6 (3,000 x 8)",
    "3k: pca view",
    "3k: umap view (cold)",
    "3k: umap view (cached)",
    "3k: export csv",
    "3k: segment: first render",
    "3k: segment: algorithm kmeans -> gmm",
    "3k: profiles: choose another segment",
    "3k: explore: colour by",
    "3k: explore: rerun of the map (cached)",
    "3k: explore: box selection (",
    "3k: explore: zoom to the selected area (all ",
    "3k: explore: box selection in the zoomed map (",
    "3k: explore: whole map again (",
    "3k: pages (AppTest)",
    "app: flow: Build features to a finished k-means run (20k lines)",
    "app: segment: ",
    "app (AppTest)",
    "scale 10k: ingest",
    "scale 10k: CLI pipeline (4 processes)",
    "scale 10k: pandas + sklearn peer",
)
PIPELINE_TARGETS = (
    "features (whole process, target at 10M lines) <= 2.5 s: ",
    "k-means k=6 (whole process, target at 10M lines) <= 2 s: ",
    "ingest / load floor <= 1.2x: ",
    "peer / pipeline, wall >= 1x: ",
    "peer / pipeline, peak memory >= 2x: ",
    "k-means on 3k x 8 <= 15 s: ",
    "pca view on 3k <= 3 s: ",
    "umap view (cold) on 3k <= 45 s: ",
    "umap view (cached) on 3k <= 1 s: ",
    "export of 3k rows <= 10 s: ",
    "page interactions on 3k customers, once cached <= 2 s each: ",
    "app: Build features to a finished k-means run, 20k lines <= 10 s: ",
    "app: every page's render once cached, 3k customers <= 2 s each: ",
)


def test_pipeline_benchmark_runs_and_prints_every_figure(tmp_path):
    before = _results_text()
    command = [sys.executable, "-m", "benchmarks.bench_pipeline", "--lines", "20k"]
    command += ["--big-customers", "3000", "--scale", "10k,20k", "--keep", str(tmp_path)]
    command += ["--no-record"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for row in PIPELINE_ROWS:
        assert f"\n{row}" in out, f"no {row!r} row in:\n{out}"
    for ratio in ("ingest / scan floor ", "peer / pipeline, wall ", "peer / pipeline, peak memory"):
        assert f"\n{ratio}" in out, f"no {ratio!r} ratio in:\n{out}"
    for target in PIPELINE_TARGETS:
        assert target in out, f"no {target!r} verdict in:\n{out}"
    assert (
        "growth with the input" in out and "growth 10k -> 20k lines (csv, x2): ingest time" in out
    )
    assert "\nstage " in out and "AppTest: widget change to finished rerun" in out
    assert (
        "\ningest / parse floor " in out
        and "\ningest / load floor " in out
        and "largest input run here: 20,000 lines" in out
    )
    assert _results_text() == before  # --no-record leaves the history alone


def test_segment_bench_command(tmp_path):
    segment = Path(sys.executable).with_name("segment")
    result = subprocess.run(
        [segment, "bench", "--help"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    for option in ("--lines", "--customers", "--scale", "--repeat", "--no-record", "--json"):
        assert option in result.stdout


def test_ab_benchmark_compares_two_checkouts_and_prints_the_table(tmp_path):
    command = [sys.executable, "-m", "benchmarks.bench_ab", "--before", str(ROOT)]
    command += ["--lines", "20k", "--repeat", "2", "--keep", str(tmp_path)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    out = result.stdout
    for row in ("| ingest |", "| features |", "| run |", "| export |", "| the four, fastest"):
        assert row in out, f"no {row!r} row in:\n{out}"
    assert "peer / pipeline" in out and "x before" in out and "x after" in out

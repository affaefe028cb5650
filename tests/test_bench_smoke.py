"""The features benchmark at a tiny size: it runs end to end and prints every figure.

No timing is asserted here: figures at 300 customers say nothing about 500k.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
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

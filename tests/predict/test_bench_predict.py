"""The predict benchmark runs (at a tiny size) and prints its table: a smoke test, no timing."""

from __future__ import annotations

import pytest

from benchmarks import bench_predict

pytest.importorskip("lifetimes")


def test_the_benchmark_prints_every_stage_and_the_comparison(capsys):
    assert bench_predict.main(["--customers", "3000", "--lifetimes-sample", "1000"]) == 0
    out = capsys.readouterr().out
    for row in ("| fit |", "| outputs |", "| intervals |", "| peak memory (MB) |"):
        assert row in out
    assert "| lifetimes 0.11.3 |" in out and "on the first 1,000 customers" in out

"""A process killed in the middle of a load, a feature build or a run leaves the workspace whole.

A child process opens a workspace that already holds tables and a finished run, starts a long
job whose progress callback says "started" and then blocks, and is killed with SIGKILL there. The
workspace then opens with everything it held before, and nothing half-made.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from corpus import catalog

from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment.runs import list_runs, run_segmentation
from segmentation.workspace import META, Workspace, open_workspace

SEGMENT = Path(sys.executable).with_name("segment")

# The child: run one job with a progress callback that blocks at the first step past a threshold
# whose message holds a marker.
_CHILD = """
import sys, time
from segmentation.workspace import open_workspace
ws_path, job, threshold, marker, arg = sys.argv[1:6]
threshold = float(threshold)
fired = False

def progress(fraction, message):
    global fired
    if fraction >= threshold and marker in message and not fired:
        fired = True
        print("started", round(fraction, 3), message, flush=True)
        time.sleep(60)

ws = open_workspace(ws_path)
if job == "ingest":
    from segmentation.ingest.load import ingest_file
    ingest_file(ws, arg, table="big", progress=progress)
elif job == "features":
    from segmentation.features.build import build_features
    build_features(ws, arg, name="tx_features_2", progress=progress)
else:
    from segmentation.segment.runs import run_segmentation
    run_segmentation(ws, arg, algorithm="kmeans", params={"n_clusters": 4}, progress=progress)
print("finished", flush=True)
"""


def _customers(path: Path, n: int = 400) -> Path:
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i:05d}" for i in range(n)],
            "age": rng.integers(18, 80, n),
            "income": rng.gamma(3.0, 15_000, n).round(2),
            "score": rng.integers(1, 100, n),
        }
    )
    frame.to_csv(path, index=False)
    return path


def _transactions(path: Path, n: int = 3000) -> Path:
    rng = np.random.default_rng(6)
    days = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
    frame = pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(n)],
            "customer_id": [f"C{i:05d}" for i in rng.integers(0, 300, n)],
            "order_date": days.strftime("%Y-%m-%d"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory) -> Path:
    """A 300,000-line file: several read batches, so a kill can land inside the load."""
    path = tmp_path_factory.mktemp("big") / "big.csv"
    n = 300_000
    ids = np.arange(n) % 50_000
    with path.open("w") as out:
        out.write("customer_id,order_date,amount\n")
        out.writelines(
            f"C{i:05d},2024-{1 + i % 12:02d}-{1 + i % 28:02d},{i % 997}.5\n" for i in ids
        )
    return path


def snapshot(ws: Workspace) -> dict:
    """Everything a user could see: tables, rows, runs, segments and every assignment."""
    return {
        "catalog": catalog(ws),
        "runs": [
            (r.run_id, r.name, r.customers, [(s.segment_id, s.name, s.size) for s in r.segments])
            for r in list_runs(ws)
        ],
        "assignments": ws.query(
            f"SELECT run_id, customer_id, segment_id FROM {META}.assignments ORDER BY 1, 2"
        ),
        "meta_rows": [
            ws.query(f"SELECT count(*) FROM {META}.{t}")[0][0]
            for t in ("tables", "runs", "segments", "assignments")
        ],
    }


def _orphans(ws: Workspace) -> list[int]:
    return [
        ws.query(
            f"SELECT count(*) FROM {META}.{t} WHERE run_id NOT IN (SELECT run_id FROM {META}.runs)"
        )[0][0]
        for t in ("assignments", "segments")
    ]


@pytest.fixture
def prepared(tmp_path):
    """A workspace file with a customer table, a transactions table and a finished run."""
    ws_path = tmp_path / "ws.duckdb"
    ws = open_workspace(ws_path)
    ingest_file(ws, _customers(tmp_path / "crm.csv"))
    ingest_file(ws, _transactions(tmp_path / "tx.csv"))
    run = run_segmentation(ws, "crm", algorithm="kmeans", params={"n_clusters": 3}, seed=1)
    assert run.run_id == "r1"
    before = snapshot(ws)
    ws.close()
    return ws_path, before


def _wait_for(child: subprocess.Popen, word: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ready, _, _ = select.select([child.stdout], [], [], 0.2)
        if ready:
            line = child.stdout.readline()
            if line.startswith(word):
                return line
            if not line and child.poll() is not None:
                break
    child.kill()
    rest = child.communicate()[0]
    pytest.fail(f"the child never said {word!r} (exit {child.returncode}): {rest[-2000:]}")


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("job", "threshold", "marker"),
    [
        pytest.param("ingest", 0.05, "Reading", id="ingest_while_reading"),
        pytest.param("ingest", 0.9, "Checking quality", id="ingest_after_create_table"),
        pytest.param("features", 0.9, "Recording", id="features_after_create_table"),
        pytest.param("run", 0.2, "k-means:", id="run_while_fitting"),
        pytest.param("run", 0.9, "Saving", id="run_while_saving"),
    ],
)
def test_a_killed_job_leaves_the_workspace_as_it_was(prepared, big_csv, job, threshold, marker):
    ws_path, before = prepared
    arg = {"ingest": str(big_csv), "features": "tx", "run": "crm"}[job]
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(ws_path), job, str(threshold), marker, arg],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert marker in _wait_for(child, "started", 90)
    finally:
        child.kill()  # SIGKILL: no clean-up, no rollback, no atexit
        child.wait()
    assert child.returncode == -9
    ws = open_workspace(ws_path)
    try:
        assert snapshot(ws) == before
        assert _orphans(ws) == [0, 0]
        tables = {
            r[0]
            for r in ws.query("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main'")
        }
        assert tables == {"crm", "tx"}
        # ... and it still works: a load, a feature build and a run go through.
        assert ingest_file(ws, big_csv, table="big").rows == 300_000
        assert build_features(ws, "tx", name="tx_features_2").customers > 0
        again = run_segmentation(ws, "crm", algorithm="kmeans", params={"n_clusters": 3}, seed=1)
        assert again.run_id == "r2"
        first = {s.segment_id: s.size for s in list_runs(ws)[0].segments}
        assert {s.segment_id: s.size for s in again.segments} == first
    finally:
        ws.close()


# -- the command line while another process holds the workspace -------------------------------------
_HOLDER = """
import sys, time
from segmentation.workspace import open_workspace
open_workspace(sys.argv[1])
print("held", flush=True)
time.sleep(60)
"""


@pytest.mark.timeout(120)
def test_ingest_features_and_run_say_in_use_while_another_process_holds_it(prepared, tmp_path):
    ws_path, before = prepared
    extra = _customers(tmp_path / "more.csv", 50)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(ws_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(holder, "held", 60)
        results = [
            subprocess.run(
                [str(SEGMENT), "--workspace", str(ws_path), *args],
                capture_output=True,
                text=True,
                timeout=60,
            )
            for args in (
                ["ingest", str(extra)],
                ["--json", "ingest", str(extra), "--table", "more2"],
                ["features", "tx"],
                ["run", "crm", "--algorithm", "kmeans", "--k", "3"],
                ["--json", "run", "crm", "--algorithm", "rfm"],
            )
        ]
    finally:
        holder.kill()
        holder.wait()
    for result in results:
        assert result.returncode == 1, result.args
        assert "is in use by another process" in result.stderr, result.stderr
        assert "--workspace" in result.stderr  # says what to do
        assert "Traceback" not in result.stderr + result.stdout
        assert result.stdout == ""
    ws = open_workspace(ws_path)
    try:
        assert snapshot(ws) == before
    finally:
        ws.close()


# -- Ctrl-C (or a Streamlit rerun) in the middle of a load ---------------------------------------
@pytest.mark.parametrize("how", ["raised by the progress callback", "signal while waiting"])
def test_an_interrupted_load_rolls_back_and_the_workspace_keeps_working(prepared, big_csv, how):
    ws_path, before = prepared
    ws = open_workspace(ws_path)
    try:
        fired = []

        def progress(fraction, message):
            if message.startswith("Reading") and not fired:
                fired.append(fraction)
                if how.startswith("raised"):
                    raise KeyboardInterrupt  # as Streamlit's StopException would
                signal.signal(signal.SIGALRM, _interrupt)
                signal.setitimer(signal.ITIMER_REAL, 0.01)  # arrives while the load runs

        with pytest.raises(KeyboardInterrupt):
            ingest_file(ws, big_csv, table="big", progress=progress)
        assert fired
        assert snapshot(ws) == before  # rolled back: no table, nothing registered
        assert ingest_file(ws, big_csv, table="big").rows == 300_000  # the loader is usable
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        ws.close()


def _interrupt(*_):
    raise KeyboardInterrupt


def test_ctrl_c_during_segment_ingest_says_nothing_changed(prepared, big_csv):
    # In a terminal (a pty, so the command shows its progress): Ctrl-C once reading has begun.
    ws_path, before = prepared
    main, side = pty.openpty()
    child = subprocess.Popen(
        [str(SEGMENT), "--workspace", str(ws_path), "ingest", str(big_csv), "--table", "big"],
        stdout=subprocess.PIPE,
        stderr=side,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    os.close(side)
    shown = b""
    deadline = time.monotonic() + 60
    while b"Reading" not in shown and time.monotonic() < deadline:
        if select.select([main], [], [], 0.5)[0]:
            shown += os.read(main, 4096)
    child.send_signal(signal.SIGINT)
    child.wait(timeout=60)
    while select.select([main], [], [], 0.2)[0]:
        try:
            shown += os.read(main, 4096)
        except OSError:  # the child closed its side
            break
    os.close(main)
    ws = open_workspace(ws_path)
    try:
        assert b"Reading" in shown, shown
        assert child.returncode == 1, shown
        assert b"Interrupted; the workspace was left as it was." in shown
        assert b"Traceback" not in shown and b"terminate called" not in shown
        assert snapshot(ws) == before
    finally:
        ws.close()


def test_an_interrupted_feature_build_rolls_back(prepared, big_csv):
    # Ctrl-C while DuckDB runs the build's statement comes back as RuntimeError('Query
    # interrupted') (the CLI says "Interrupted"); in Python code as KeyboardInterrupt.
    ws_path, _ = prepared
    ws = open_workspace(ws_path)
    try:
        ingest_file(ws, big_csv, table="big")
        before = snapshot(ws)

        def progress(fraction, message):
            if message.startswith("Writing"):
                signal.signal(signal.SIGALRM, _interrupt)
                signal.setitimer(signal.ITIMER_REAL, 0.005)

        finished = []
        with pytest.raises((KeyboardInterrupt, RuntimeError)) as caught:
            build_features(ws, "big", progress=progress)
            finished.append(True)  # (rare) the build ended first: the signal lands below
            time.sleep(1)
        if caught.type is RuntimeError:
            assert str(caught.value) == "Query interrupted"
        if finished:  # whole, not half: the table is there and listed
            assert ws.table("big_features").rows == 50_000
        else:
            assert snapshot(ws) == before
        assert build_features(ws, "big", replace=True).customers == 50_000
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        ws.close()

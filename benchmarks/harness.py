"""Time a stage, measure its peak memory, print the figures and keep them in RESULTS.md.

Each stage runs in its own process, as a user runs the `segment` command: the wall time is
measured around the process (start-up included) and the peak resident memory is the process's
own ``ru_maxrss``, read with :func:`os.wait4` when it ends, so one stage's memory never hides
another's.

>>> run = run_stage("features", [SEGMENT, "--workspace", "w.duckdb", "features", "tx"],
...                 target_seconds=10)  # doctest: +SKIP
>>> print(format_table([run.stage]))  # doctest: +SKIP
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SEGMENT = Path(sys.executable).with_name("segment")
_RESULTS_HEADER = (
    "# Benchmark results\n\n"
    "One section per recorded run, oldest first: the history of the project's speed. "
    "How to run and read them: [README.md](README.md).\n"
)


@dataclass(frozen=True)
class Stage:
    """One measured stage: wall seconds, peak resident memory (MB), and its time target.

    ``cpu_seconds`` (user + system, all threads) shows how much of the wall time was work: on a
    shared machine the wall time also holds the time spent waiting for a core.
    """

    name: str
    seconds: float
    peak_mb: float | None = None
    target_seconds: float | None = None
    note: str = ""
    cpu_seconds: float | None = None

    @property
    def met(self) -> bool | None:
        """Whether the stage met its time target; None when it has none."""
        if self.target_seconds is None:
            return None
        return self.seconds <= self.target_seconds


@dataclass(frozen=True)
class Ratio:
    """How many times slower ``slower`` was than ``faster``, against an optional target.

    With ``cpu`` the ratio is of CPU seconds instead of wall seconds; with ``memory`` it is of
    peak memory (MB). The target is a minimum (``value >= target``), or with ``at_most`` a
    maximum (``value <= target``: e.g. ingest at most 1.5x the scan floor).
    """

    name: str
    slower: Stage
    faster: Stage
    target: float | None = None
    cpu: bool = False
    memory: bool = False
    at_most: bool = False

    def _seconds(self, stage: Stage) -> float:
        if self.memory:
            return stage.peak_mb or 0.0
        return (stage.cpu_seconds or 0.0) if self.cpu else stage.seconds

    @property
    def value(self) -> float:
        slow, fast = self._seconds(self.slower), self._seconds(self.faster)
        return slow / fast if fast else float("inf")

    @property
    def met(self) -> bool | None:
        if self.target is None:
            return None
        return self.value <= self.target if self.at_most else self.value >= self.target

    def describe(self, stage: Stage) -> str:
        """``stage``'s figure as this ratio reads it: '12.30 s', '3.10 s (cpu)' or '2,048 MB'."""
        if self.memory:
            return f"{self._seconds(stage):,.0f} MB"
        return f"{self._seconds(stage):.2f} s" + (" (cpu)" if self.cpu else "")


@dataclass(frozen=True)
class StageRun:
    """A finished stage process: its figures and what it printed."""

    stage: Stage
    stdout: str
    stderr: str


class StageFailed(RuntimeError):
    """A stage's process exited with an error, or ran past its time limit."""


def run_stage(
    name: str,
    command: Sequence[str | os.PathLike[str]],
    *,
    target_seconds: float | None = None,
    timeout: float | None = None,
    cwd: str | os.PathLike[str] | None = ROOT,
    note: str = "",
) -> StageRun:
    """Run ``command`` as its own process; time it and read its peak memory.

    Raises :class:`StageFailed` (with the end of its stderr) when it exits non-zero.

    >>> run_stage("hello", [sys.executable, "-c", "print('hi')"]).stdout  # doctest: +SKIP
    'hi\\n'
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen([os.fspath(c) for c in command], stdout=out, stderr=err, cwd=cwd)
        timed_out = threading.Event()

        def stop() -> None:
            timed_out.set()
            proc.kill()

        timer = threading.Timer(timeout, stop) if timeout else None
        if timer:
            timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # e.g. Ctrl-C: leave no stage running
            proc.kill()
            proc.wait()
            raise
        finally:
            if timer:
                timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if proc.returncode != 0:
        why = (
            f"ran past its time limit of {timeout:g} s"
            if timed_out.is_set()
            else f"was killed by signal {-proc.returncode} (out of memory?)"
            if proc.returncode < 0
            else "failed"
        )
        raise StageFailed(
            f"stage {name!r} {why} (exit {proc.returncode}): {' '.join(map(str, command))}\n"
            f"{stderr[-2000:]}"
        )
    cpu = usage.ru_utime + usage.ru_stime
    stage = Stage(name, seconds, maxrss_mb(usage.ru_maxrss), target_seconds, note, cpu)
    return StageRun(stage, stdout, stderr)


def best_of(runs: Sequence[StageRun]) -> StageRun:
    """The fastest of repeated runs of one stage, with the highest peak memory among them."""
    fastest = min(runs, key=lambda r: r.stage.seconds)
    peaks = [r.stage.peak_mb for r in runs if r.stage.peak_mb is not None]
    s = fastest.stage
    note = s.note
    if len(runs) > 1:
        times = ", ".join(f"{r.stage.seconds:.2f}" for r in runs)
        note = "; ".join(filter(None, [note, f"best of {len(runs)}: {times} s"]))
    peak = max(peaks) if peaks else None
    stage = Stage(s.name, s.seconds, peak, s.target_seconds, note, s.cpu_seconds)
    return StageRun(stage, fastest.stdout, fastest.stderr)


def maxrss_mb(maxrss: int) -> float:
    """``ru_maxrss`` in MB (kilobytes on Linux, bytes on macOS)."""
    return maxrss / 2**20 if sys.platform == "darwin" else maxrss / 1024


def self_peak_mb() -> float:
    """This process's peak resident memory so far, in MB (for stages timed from inside)."""
    import resource

    return maxrss_mb(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


# -- showing and keeping the figures -----------------------------------------------------------
def _yes_no(flag: bool | None) -> str:
    return "" if flag is None else ("yes" if flag else "NO")


def _markdown(header: Sequence[str], rows: Sequence[Sequence[str]], right: set[int]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join("---:" if i in right else "---" for i in range(len(header))) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _stage_rows(stages: Sequence[Stage]) -> list[list[str]]:
    return [
        [
            s.name,
            f"{s.seconds:.2f}",
            "" if s.cpu_seconds is None else f"{s.cpu_seconds:.2f}",
            "" if s.peak_mb is None else f"{s.peak_mb:,.0f}",
            "" if s.target_seconds is None else f"<= {s.target_seconds:g} s",
            _yes_no(s.met),
            s.note,
        ]
        for s in stages
    ]


def _ratio_rows(ratios: Sequence[Ratio]) -> list[list[str]]:
    return [
        [
            r.name,
            f"{r.value:.2f}x",
            "" if r.target is None else f"{'<=' if r.at_most else '>='} {r.target:g}x",
            _yes_no(r.met),
            f"{r.slower.name} {r.describe(r.slower)} / {r.faster.name} {r.describe(r.faster)}",
        ]
        for r in ratios
    ]


_STAGE_HEADER = ("stage", "seconds", "cpu s", "peak MB", "target", "met", "note")
_RATIO_HEADER = ("ratio", "value", "target", "met", "from")


def format_table(stages: Sequence[Stage], ratios: Sequence[Ratio] = ()) -> str:
    """The figures as aligned plain-text tables, for a terminal."""

    def aligned(header: Sequence[str], rows: list[list[str]], right: set[int]) -> list[str]:
        widths = [max(len(x) for x in col) for col in zip(header, *rows, strict=True)]
        out = []
        for row in [list(header), *rows]:
            cells = [
                c.rjust(w) if i in right else c.ljust(w)
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            ]
            out.append("  ".join(cells).rstrip())
        return out

    lines = aligned(_STAGE_HEADER, _stage_rows(stages), {1, 2, 3})
    if ratios:
        lines += [""] + aligned(_RATIO_HEADER, _ratio_rows(ratios), {1})
    return "\n".join(lines)


def machine() -> dict[str, str]:
    """What the figures were measured on: CPU, cores, memory, OS and library versions."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or cpu
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = f"{int(line.split()[1]) / 2**20:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = ", ".join(
        f"{name} {_version(name)}" for name in ("duckdb", "pandas", "numpy", "pyarrow")
    )
    return {
        "cpu": cpu,
        "cores": f"{usable} usable ({os.cpu_count()} online)",
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "libraries": versions,
        "load average at start": f"{load_average()} (1, 5, 15 min; above the cores = busy)",
    }


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: above the core count, others share the machine."""
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def append_results(
    path: str | os.PathLike[str],
    title: str,
    rows: Sequence[Stage],
    machine: dict[str, str],
    *,
    ratios: Sequence[Ratio] = (),
    notes: Sequence[str] = (),
    when: datetime | None = None,
    extra: Sequence[str] = (),
) -> Path:
    """Append a dated markdown section (machine, stage table, ratios, notes) to ``path``.

    Earlier sections are kept: the file is the history. It is created with a header if missing.
    ``extra`` lines (e.g. another markdown table) are written after the notes, as they are.

    >>> append_results(RESULTS, "Customer features", stages, machine())  # doctest: +SKIP
    """
    path = Path(path)
    stamp = (when or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["", f"## {title} ({stamp})", ""]
    lines += [f"- {key}: {value}" for key, value in machine.items()]
    lines += [""] + _markdown(_STAGE_HEADER, _stage_rows(rows), {1, 2, 3})
    if ratios:
        lines += [""] + _markdown(_RATIO_HEADER, _ratio_rows(ratios), {1})
    if notes:
        lines += [""] + [f"- {note}" for note in notes]
    if extra:
        lines += ["", *extra]
    existing = path.read_text(encoding="utf-8") if path.exists() else _RESULTS_HEADER
    path.write_text(existing.rstrip("\n") + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@contextmanager
def numba_cache(folder: Path | None) -> Iterator[None]:
    """An empty numba cache in ``folder`` for a cold UMAP: nothing compiled by an earlier run is
    reused (the first UMAP after installing), while the user's own cache is left alone. ``None``:
    nothing changes."""
    if folder is None:
        yield
        return
    shutil.rmtree(folder, ignore_errors=True)
    before = os.environ.get("NUMBA_CACHE_DIR")
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    try:
        yield
    finally:
        if before is None:
            del os.environ["NUMBA_CACHE_DIR"]
        else:
            os.environ["NUMBA_CACHE_DIR"] = before

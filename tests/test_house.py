"""The house rules, checked: no import cycles, no private names across modules, modules of a
few hundred lines, a library without the UI, thin pages, and a package that installs whole."""

from __future__ import annotations

import ast
import graphlib
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRARY = ROOT / "segmentation"
MAX_MODULE_LINES = 500
MAX_PAGE_LINES = 250


def _modules() -> dict[str, Path]:
    found = {}
    for path in LIBRARY.rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The library modules ``name`` imports anywhere in its file, TYPE_CHECKING blocks aside."""
    tree = ast.parse(path.read_text())
    skipped = {
        id(n)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        for n in ast.walk(node)
    }
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = node.module or ""
            if node.level:
                target = f"{base}.{target}" if target else base
            names = [f"{target}.{a.name}" for a in node.names]
            found |= {n for n in names if n in modules} or (
                {target} if target in modules else set()
            )
    found.discard(name)
    if path.name == "__init__.py":  # a package re-exporting its own modules is no cycle
        found = {m for m in found if not m.startswith(name + ".")}
    return found


def test_the_library_has_no_import_cycle():
    modules = _modules()
    graph = {name: _imports(name, path, modules) for name, path in modules.items()}
    try:
        list(graphlib.TopologicalSorter(graph).static_order())
    except graphlib.CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")


def test_a_cycle_would_be_found(tmp_path):
    graph = {"a": {"b"}, "b": {"a"}}
    with pytest.raises(graphlib.CycleError):
        list(graphlib.TopologicalSorter(graph).static_order())


def test_no_private_name_is_imported_from_another_module():
    private = re.compile(r"^\s*from \.+[\w.]* import .*\b_[a-z]", re.M)
    offenders = [
        f"{p.relative_to(ROOT)}: {m.group(0).strip()}"
        for p in LIBRARY.rglob("*.py")
        for m in private.finditer(p.read_text())
    ]
    assert offenders == []


def test_modules_stay_under_the_size_limit():
    long = {
        str(p.relative_to(ROOT)): n
        for p in LIBRARY.rglob("*.py")
        if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_the_library_never_imports_streamlit():
    ui = re.compile(r"^\s*(import streamlit|from streamlit)", re.M)
    assert [str(p) for p in LIBRARY.rglob("*.py") if ui.search(p.read_text())] == []


def test_pages_hold_no_sql_and_no_models_and_stay_short():
    heavy = re.compile(r"^\s*(import|from) (duckdb|sklearn|umap)\b|\.execute\(", re.M)
    pages = [*ROOT.glob("pages/*.py"), ROOT / "app.py"]
    assert [str(p.name) for p in pages if heavy.search(p.read_text())] == []
    long = {p.name: n for p in pages if (n := len(p.read_text().splitlines())) > MAX_PAGE_LINES}
    assert long == {}


def test_every_library_module_has_a_test_file():
    tests = {p.stem for p in (ROOT / "tests").rglob("test_*.py")}
    text = "\n".join(p.read_text() for p in (ROOT / "tests").rglob("test_*.py"))
    missing = [
        name
        for name, path in _modules().items()
        if path.name != "__init__.py"
        and f"test_{path.stem}" not in tests
        and not any(t.endswith(f"_{path.stem}") for t in tests)
        and name not in text
    ]
    assert missing == []


def test_test_modules_outside_packages_have_unique_names():
    """pytest imports test modules by their base name unless their folder is a package."""
    loose = [
        p.name
        for p in (ROOT / "tests").rglob("test_*.py")
        if not (p.parent / "__init__.py").exists()
    ]
    assert sorted({n for n in loose if loose.count(n) > 1}) == []


@pytest.mark.slow
def test_a_plain_install_carries_the_sample_data(tmp_path):
    """`pip install .` (no editable install, no checkout beside it) then `segment demo`."""
    source, target = tmp_path / "source", tmp_path / "site"
    tracked = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, tracked):  # a copy: the build leaves nothing in the checkout
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps"]
        + ["--target", str(target), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert (target / "segmentation" / "demo" / "data" / "transactions.csv").is_file()
    code = (
        "import json, segmentation, sys; from segmentation.cli.main import main; "
        "assert segmentation.__file__.startswith(sys.argv[1]), segmentation.__file__; "
        "sys.exit(main(['--workspace', sys.argv[2], '--json', 'demo']))"
    )
    env = dict(os.environ, PYTHONPATH=str(target))
    run = subprocess.run(
        [sys.executable, "-c", code, str(target), str(tmp_path / "ws.duckdb")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert '"sample_transactions"' in run.stdout

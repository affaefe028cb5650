"""Every command module of `segment` builds its parsers; each sub-command's help works.

In-process: segmentation.cli.ingest, segmentation.cli.features, segmentation.cli.segment,
segmentation.cli.explore, segmentation.cli.profiles, segmentation.cli.export and
segmentation.cli.bench add their commands through segmentation.cli.common; the commands
themselves run end to end in tests/e2e/test_cli.py.
"""

from __future__ import annotations

import argparse

import pytest

from segmentation.cli import MODULES, common, main
from segmentation.errors import InvalidParameterError


def _subcommands() -> list[str]:
    parser = main._parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(action.choices)


def test_every_module_adds_its_commands():
    names = _subcommands()
    for expected in ("ingest", "features", "run", "project", "profile", "export", "bench"):
        assert expected in names
    assert len(MODULES) == len(set(MODULES))


@pytest.mark.parametrize("command", [c for c in _subcommands() if c != "bench"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as done:
        main.main([command, "--help"])
    assert done.value.code == 0
    assert f"usage: segment {command}" in capsys.readouterr().out


def test_unknown_arguments_are_a_usage_error(capsys):
    with pytest.raises(SystemExit) as done:
        main.main(["tables", "--nope"])
    assert done.value.code == 2
    assert "unrecognized arguments: --nope" in capsys.readouterr().err


def test_common_parses_key_value_pairs_and_column_lists():
    assert common.pairs(["n_init=20", " k = 5 "], "--param") == {"n_init": "20", "k": "5"}
    assert common.pairs(["amount= Sales "], "--role", strip=False) == {"amount": " Sales "}
    with pytest.raises(InvalidParameterError, match="The '--param' option must be KEY=VALUE"):
        common.pairs(["n_init"], "--param")
    assert common.columns("a, b,,c") == ["a", "b", "c"] and common.columns(None) is None


def test_commands_that_read_no_frame_start_without_pandas_or_scikit_learn(tmp_path):
    """`segment tables` and the like start in a third of a second: importing pandas (0.45 s)
    and scikit-learn (1.1 s) waits for the commands that use them."""
    import subprocess
    import sys

    code = (
        "import sys; from segmentation.cli.main import main; "
        f"main(['--workspace', {str(tmp_path / 'ws.duckdb')!r}, '--json', 'tables']); "
        "print(sorted(m for m in ('pandas', 'sklearn', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"

"""What the command modules share: the workspace, the progress printer, option parsing."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable


def workspace(args: argparse.Namespace):
    from ..workspace import open_workspace

    return open_workspace(args.workspace)


def progress(args: argparse.Namespace) -> Callable[[float, str], None] | None:
    if args.json or not sys.stderr.isatty():
        return None

    def show(fraction: float, message: str) -> None:
        sys.stderr.write(f"\r{fraction:4.0%}  {message[:70]:<70}")
        if fraction >= 1:
            sys.stderr.write("\n")
        sys.stderr.flush()

    return show


def pairs(
    pairs: list[str],
    option: str,
    form: str = "KEY=VALUE",
    example: str = "n_init=20",
    *,
    strip: bool = True,
) -> dict[str, str]:
    """``KEY=VALUE`` options as a dict; keys trimmed, values too unless ``strip`` is False."""
    from ..errors import InvalidParameterError

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidParameterError(
                f"The '{option}' option must be {form}, e.g. {option} {example}. Got {pair!r}."
            )
        out[key.strip()] = value.strip() if strip else value
    return out


def columns(text: str | None) -> list[str] | None:
    return [c.strip() for c in text.split(",") if c.strip()] if text else None

"""The one progress type of the library: ``progress(fraction, message)``.

Long steps take an optional ``progress`` callable and call it with a fraction in [0, 1] and a
short message. A callback may raise to stop the work (Streamlit stops a rerun that way); the
library calls it between steps only, never from inside a third-party library's callback.

>>> seen = []
>>> report = substep(lambda f, m: seen.append((round(f, 2), m)), 0.5, 0.5)
>>> report(0.5, "half of the second half")
>>> seen
[(0.75, 'half of the second half')]
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float, str], None]


def no_progress(_fraction: float, _message: str) -> None:
    """The progress callback that reports nowhere."""


def reporter(progress: Progress | None) -> Progress:
    """``progress`` itself, or :func:`no_progress` when it is None."""
    return progress or no_progress


def substep(report: Progress, start: float, width: float) -> Progress:
    """A callback that maps a step's own [0, 1] onto ``[start, start + width]`` of ``report``."""
    return lambda fraction, message: report(start + width * fraction, message)

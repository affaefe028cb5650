"""The project's exceptions: one base class, subclasses that also subclass the built-ins.

Every message says what was wrong, the value, and what to do about it.
"""

from __future__ import annotations


class SegmentationError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidParameterError(SegmentationError, ValueError):
    """A parameter is outside its allowed range or of the wrong type."""


class IngestError(SegmentationError, ValueError):
    """A file could not be loaded; the workspace was left as it was."""


class TableNotFoundError(SegmentationError, KeyError):
    """A table, run or other named object does not exist in the workspace."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class NameClashError(SegmentationError, ValueError):
    """A name is already taken in the workspace."""


class WorkspaceError(SegmentationError, OSError):
    """The workspace file cannot be opened or written."""


class WorkspaceInUseError(WorkspaceError):
    """Another process holds the workspace file."""


def param_error(name: str, rule: str, value: object) -> InvalidParameterError:
    """Build the standard parameter message.

    >>> str(param_error("n_clusters", "an int in the range [2, 50]", 0))
    "The 'n_clusters' parameter must be an int in the range [2, 50]. Got 0 instead."
    """
    return InvalidParameterError(f"The {name!r} parameter must be {rule}. Got {value!r} instead.")


class QueryError(SegmentationError, RuntimeError):
    """The workspace could not run a statement: a DuckDB error translated at the connection."""


class FileError(SegmentationError, OSError):
    """A file could not be read or written."""

"""File checksums: what the workspace records of every file it reads or writes."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """The SHA-256 of a file's bytes (hex), read in blocks so large files use little memory.

    >>> file_sha256("README.md")  # doctest: +SKIP
    '3f5a...'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()

"""Suppression lists: the customers not to contact, by customer id or e-mail.

>>> suppression_key(" John.Doe+news@GMAIL.com ")
'johndoe@gmail.com'
"""

from __future__ import annotations

import csv
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError, SegmentationError
from .identifiers import cell_text, fold, normalize_email


@dataclass(frozen=True)
class Suppression:
    """Customers not to contact: customer ids and normalized e-mails (:func:`read_suppression`)."""

    ids: frozenset[str] = frozenset()
    emails: frozenset[str] = frozenset()
    source: str = ""
    sha256: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "ids": len(self.ids),
            "emails": len(self.emails),
        }


def suppression_key(email: Any) -> str | None:
    """How e-mails are compared for suppression: Google's normalization (trimmed, lower-case,
    gmail dots and +suffix removed), or the trimmed lower-case text when it is not valid."""
    text = cell_text(email)
    if text is None:
        return None
    return normalize_email(text, platform="google") or text.lower()


def read_suppression(data: bytes | str | os.PathLike[str], name: str | None = None) -> Suppression:
    """Read a suppression list: a CSV/TXT whose header names a ``customer_id``/``id`` or an
    ``email`` column, or one value per line (values with an ``@`` are e-mails).

    >>> sorted(read_suppression(b"email\\n John.Doe@Example.COM \\n").emails)
    ['john.doe@example.com']
    """
    raw, shown = _read_bytes(data, name)
    rows = _rows(raw, shown)
    header = [fold(cell) for cell in rows[0]]
    id_col = next((i for i, h in enumerate(header) if h in _ID_NAMES), None)
    email_col = next((i for i, h in enumerate(header) if h in _EMAIL_NAMES), None)
    if id_col is None and email_col is None:
        ids, emails = _one_value_per_line(rows, shown)
    else:
        ids, emails = _from_columns(rows[1:], id_col, email_col)
    emails.discard("")
    return Suppression(frozenset(ids), frozenset(emails), shown, hashlib.sha256(raw).hexdigest())


_ID_NAMES = ("customerid", "id", "customer", "clientid", "customernumber")
_EMAIL_NAMES = ("email", "emailaddress", "mail")


def _read_bytes(data: bytes | str | os.PathLike[str], name: str | None) -> tuple[bytes, str]:
    """The list's bytes and the name to show for it."""
    if isinstance(data, bytes):
        return data, name or "the suppression list"
    path = Path(data)
    try:
        return path.read_bytes(), name or path.name
    except OSError as exc:
        raise SegmentationError(
            f"Cannot read the suppression list {path}: {exc.strerror}."
        ) from exc


def _rows(raw: bytes, shown: str) -> list[list[str]]:
    """The list's non-blank lines as CSV rows (UTF-8, else cp1252; the header's delimiter)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        raise InvalidParameterError(f"The suppression list {shown} is empty.")
    delimiter = next((d for d in (",", ";", "\t", "|") if d in lines[0]), ",")
    return list(csv.reader(lines, delimiter=delimiter))


def _one_value_per_line(rows: list[list[str]], shown: str) -> tuple[set[str], set[str]]:
    """Ids and e-mail keys of a list without a header: one value per line."""
    if len(rows[0]) > 1:
        looks_like_data = any("@" in c or any(ch.isdigit() for ch in c) for c in rows[0])
        if looks_like_data:  # never echo what may be a customer's e-mail or id
            raise InvalidParameterError(
                f"The suppression list {shown} has several columns and no header; add a "
                "header naming a customer_id (or id) or email column, or give one value "
                "per line."
            )
        raise InvalidParameterError(
            f"The suppression list {shown} has the columns {', '.join(rows[0])}; name one of "
            "them customer_id (or id) or email, or give one value per line."
        )
    ids: set[str] = set()
    emails: set[str] = set()
    for row in rows:
        value = row[0].strip() if row else ""
        if "@" in value:
            emails.add(suppression_key(value) or "")
        elif value:
            ids.add(value)
    return ids, emails


def _from_columns(
    rows: list[list[str]], id_col: int | None, email_col: int | None
) -> tuple[set[str], set[str]]:
    """Ids and e-mail keys from the named columns of the rows under the header."""
    ids: set[str] = set()
    emails: set[str] = set()
    for row in rows:
        if id_col is not None and id_col < len(row) and row[id_col].strip():
            ids.add(row[id_col].strip())
        if (
            email_col is not None
            and email_col < len(row)
            and (key := suppression_key(row[email_col]))
        ):
            emails.add(key)
    return ids, emails

"""Names in SQL and what the workspace knows about a table: the one quoting function.

User text (file names, column names) becomes an SQL name only through :func:`quote_ident`;
values are always bound parameters.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import InvalidParameterError, TableNotFoundError
from .schema import META

TABLE_KINDS = ("transactions", "customers", "features")
MAX_NAME = 63


def quote_ident(name: str) -> str:
    """Quote an SQL identifier for DuckDB: the one way user text becomes a name in SQL.

    >>> quote_ident('Annual Income (k$)')
    '"Annual Income (k$)"'
    >>> quote_ident('say "hi"; drop table x')
    '"say ""hi""; drop table x"'
    """
    if not isinstance(name, str) or name == "":
        raise InvalidParameterError(
            f"An SQL name must be a non-empty string. Got {name!r} instead."
        )
    if "\x00" in name:
        raise InvalidParameterError(f"An SQL name cannot contain a NUL character. Got {name!r}.")
    return '"' + name.replace('"', '""') + '"'


def safe_table_name(text: str) -> str:
    """Make a table name from a file name: lower-case ASCII letters, digits and underscores.

    >>> safe_table_name("Online Retail (2011).csv")
    'online_retail_2011'
    >>> safe_table_name("Kunden-Übersicht.xlsx")
    'kunden_ubersicht'
    """
    stem = Path(text).name
    for suffix in (
        ".gz",
        ".csv",
        ".tsv",
        ".txt",
        ".xlsx",
        ".parquet",
        ".jsonl",
        ".ndjson",
        ".json",
    ):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    ascii_text = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    if not name:
        name = "table"
    if name[0].isdigit():
        name = "t_" + name
    return name[:MAX_NAME].rstrip("_")


def check_table_name(name: str) -> str:
    """Validate a table name given by a user; returns it unchanged or raises."""
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]{0,62}", name):
        raise InvalidParameterError(
            f"Table names use letters, digits and underscores, start with a letter, and have at "
            f"most {MAX_NAME} characters. Got {name!r}; try {safe_table_name(str(name))!r}."
        )
    if name.lower().startswith(META):
        raise InvalidParameterError(
            f"Table names starting with {META!r} are reserved. Got {name!r}."
        )
    return name


@dataclass(frozen=True)
class ColumnInfo:
    """A column of a workspace table: its name, DuckDB type and role."""

    name: str
    type: str
    role: str = "attribute"

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "role": self.role}


@dataclass(frozen=True)
class TableInfo:
    """What the workspace knows about one of its tables."""

    name: str
    kind: str
    rows: int
    columns: list[ColumnInfo]
    source_file: str | None = None
    source_sha256: str | None = None
    loaded_at: datetime | None = None
    quality: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def roles(self) -> dict[str, str]:
        """Role -> column name, for every role other than 'attribute'."""
        return {c.role: c.name for c in self.columns if c.role != "attribute"}

    def column(self, name: str) -> ColumnInfo:
        for col in self.columns:
            if col.name == name:
                return col
        raise TableNotFoundError(f"Table {self.name!r} has no column {name!r}.")

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "kind": self.kind,
            "columns": [c.to_dict() for c in self.columns],
            "source_file": self.source_file,
            "source_sha256": self.source_sha256,
            "loaded_at": self.loaded_at.isoformat(timespec="seconds") if self.loaded_at else None,
            "warnings": self.warnings,
        }


def table_info_from_row(row: dict[str, Any]) -> TableInfo:
    return TableInfo(
        name=row["name"],
        kind=row["kind"],
        rows=int(row["rows"]),
        columns=[ColumnInfo(**c) for c in json.loads(row["columns"])],
        source_file=row["source_file"],
        source_sha256=row["source_sha256"],
        loaded_at=row["loaded_at"],
        quality=json.loads(row["quality"]),
        warnings=json.loads(row["warnings"]),
        options=json.loads(row["options"]),
    )

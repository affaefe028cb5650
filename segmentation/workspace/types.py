"""The one definition of DuckDB column type classes (number, date, text, boolean).

>>> type_class("INTEGER"), type_class("DECIMAL(18,2)"), type_class("TIMESTAMP WITH TIME ZONE")
('number', 'number', 'date')
>>> is_numeric("UBIGINT"), is_numeric("VARCHAR")
(True, False)
>>> type_words("BIGINT"), type_words("DOUBLE"), type_words("VARCHAR")
('Whole number', 'Decimal', 'Text')
"""

from __future__ import annotations

SIGNED_INTEGER_TYPES = ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "HUGEINT")
INTEGER_TYPES = SIGNED_INTEGER_TYPES + tuple("U" + t for t in SIGNED_INTEGER_TYPES)
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")
NUMERIC_TYPES = INTEGER_TYPES + FLOAT_TYPES  # and every DECIMAL(p, s)


def type_class(duck_type: str) -> str:
    """'number', 'date', 'text', 'boolean' or 'other' for a DuckDB type name."""
    t = duck_type.upper().strip()
    if t in NUMERIC_TYPES or t.startswith("DECIMAL"):
        return "number"
    if t == "DATE" or t.startswith("TIMESTAMP"):
        return "date"
    if t == "VARCHAR" or t.startswith("VARCHAR("):
        return "text"
    if t == "BOOLEAN":
        return "boolean"
    return "other"


def is_numeric(duck_type: str) -> bool:
    """Whether a DuckDB type holds numbers (integers of any width, floats, decimals)."""
    return type_class(duck_type) == "number"


def is_integer(duck_type: str) -> bool:
    """Whether a DuckDB type holds whole numbers."""
    return duck_type.upper().strip() in INTEGER_TYPES


def type_words(duck_type: str) -> str:
    """The type in a marketer's words: Whole number, Decimal, Date, Date and time, Text, Yes/no."""
    t = duck_type.upper().strip()
    if is_integer(t):
        return "Whole number"
    if t == "DATE":
        return "Date"
    return {
        "number": "Decimal",
        "date": "Date and time",
        "text": "Text",
        "boolean": "Yes/no",
    }.get(type_class(t), t.title())

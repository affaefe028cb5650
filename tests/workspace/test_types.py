"""One definition of the column type classes."""

from __future__ import annotations

import pytest

from segmentation.workspace.types import is_integer, is_numeric, type_class, type_words


@pytest.mark.parametrize(
    ("duck_type", "expected"),
    [
        ("INTEGER", "number"),  # the booleans of customer tables: once dropped by the Segment page
        ("BIGINT", "number"),
        ("UTINYINT", "number"),
        ("DECIMAL(18,3)", "number"),
        ("DOUBLE", "number"),
        ("DATE", "date"),
        ("TIMESTAMP WITH TIME ZONE", "date"),
        ("VARCHAR", "text"),
        ("BOOLEAN", "boolean"),
        ("BLOB", "other"),
    ],
)
def test_type_class(duck_type, expected):
    assert type_class(duck_type) == expected
    assert is_numeric(duck_type) == (expected == "number")


def test_words_for_marketers():
    assert [type_words(t) for t in ("INTEGER", "DOUBLE", "DATE", "TIMESTAMP", "VARCHAR")] == [
        "Whole number",
        "Decimal",
        "Date",
        "Date and time",
        "Text",
    ]
    assert is_integer("HUGEINT") and not is_integer("DOUBLE")

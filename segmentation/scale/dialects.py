"""The one adapter between the studio's SQL (DuckDB) and other engines: SQLGlot does the rest.

Every query of this package is built once, as DuckDB SQL or as SQLGlot expressions, and written
for an engine by :func:`render`. What differs between engines and is not SQLGlot's business
lives here, and only here: the dialect names, numbers written so that every engine reads the
same double, and the quoting of every identifier.

>>> render(parse("SELECT date_diff('day', a, b) AS d FROM t"), "spark")
'SELECT DATEDIFF(DAY, `a`, `b`) AS `d` FROM `t`'
"""

from __future__ import annotations

import math

import sqlglot
from sqlglot import exp

from ..errors import InvalidParameterError, param_error

DIALECTS: tuple[str, ...] = ("duckdb", "spark", "bigquery", "snowflake")
SOURCE_DIALECT = "duckdb"  # the dialect the feature SQL is written in


def check_dialect(dialect: object) -> str:
    """``dialect`` if it is one of :data:`DIALECTS`, else an error naming them.

    >>> check_dialect("spark")
    'spark'
    """
    if dialect not in DIALECTS:
        raise param_error("dialect", "one of " + ", ".join(map(repr, DIALECTS)), dialect)
    return str(dialect)


def parse(sql: str) -> exp.Expression:
    """One DuckDB statement as a SQLGlot expression."""
    return sqlglot.parse_one(sql, read=SOURCE_DIALECT)


def render(expression: exp.Expression, dialect: str, *, pretty: bool = False) -> str:
    """The expression as SQL of ``dialect``, every identifier quoted (so names keep their case)."""
    return expression.sql(dialect=check_dialect(dialect), identify=True, pretty=pretty)


def number(value: float) -> exp.Expression:
    """A double literal that every engine reads back as exactly ``value``.

    The shortest repr that round-trips, written with an exponent (``0.5e0``): without one,
    DuckDB, Spark and Snowflake read ``0.5`` as a DECIMAL, which is not always the same double.

    >>> number(0.1).sql()
    '0.1e0'
    >>> number(-2.5e-10).sql()
    '-2.5e-10'
    """
    value = float(value)
    if not math.isfinite(value):
        raise InvalidParameterError(
            f"A fitted value is {value!r}, which SQL cannot hold; fit the run again."
        )
    text = repr(abs(value))
    if "e" not in text:
        text += "e0"
    literal = exp.Literal.number(text)
    return exp.Neg(this=literal) if value < 0 or math.copysign(1, value) < 0 else literal


def text(value: str) -> exp.Expression:
    """A string literal (SQLGlot escapes it for each dialect)."""
    return exp.Literal.string(str(value))


def column(name: str, table: str | None = None) -> exp.Column:
    """A quoted column reference."""
    return exp.column(exp.to_identifier(name, quoted=True), table=table)


def table_name(name: str) -> exp.Table:
    """A table name as the user writes it for the engine: ``project.dataset.table`` splits on
    the dots; each part is quoted on output."""
    if not isinstance(name, str) or not name.strip():
        raise param_error("source", "a table name such as 'orders' or 'dataset.orders'", name)
    return exp.to_table(name.strip(), dialect=SOURCE_DIALECT)

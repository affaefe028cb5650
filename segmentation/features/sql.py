"""The SQL building blocks both kinds of feature source use (transactions and customers).

A feature build is one SELECT written as small common table expressions; :class:`Plan` holds
that SQL with what the build leaves out. :func:`customer_id_sql` gives the customer id as the
text users know.

>>> with_ctes([cte("a", "    SELECT 1 AS x")], "SELECT x FROM a")
'WITH a AS (\\n    SELECT 1 AS x\\n)\\nSELECT x FROM a'
>>> cutoff_cte("?")
'cutoff AS (\\n    SELECT CAST(? AS DATE) AS as_of\\n)'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from ..errors import InvalidParameterError
from ..workspace import TableInfo, quote_ident
from ..workspace.types import FLOAT_TYPES, INTEGER_TYPES

MAX_NAME = 63  # as workspace.check_table_name


@dataclass
class Plan:
    """The SQL of a build (with its bound parameters) and what it leaves out."""

    sql: str
    params: list[Any]
    as_of: date
    roles: dict[str, str]  # the roles the build used
    excluded: dict[str, int]
    missing: dict[str, str]
    # transactions: the SELECT counting customers with kept rows but no purchase (only returns),
    # given the new feature table (quoted) once it is written: cheaper than counting distinct
    # customers over every line beforehand
    without_purchases: Callable[[str], str] | None = None


def need_role(info: TableInfo, roles: Mapping[str, str], role: str, what: str) -> str:
    """The column with ``role``, or an error that says how to set it (``what``: why it is needed)."""
    if role not in roles:
        raise InvalidParameterError(
            f"Table {info.name!r} has no column with the role {role!r}, which {what}. Set it on "
            f"the Data page or with `--role {role}=COLUMN`."
        )
    return roles[role]


def customer_id_sql(
    column: str, duck_type: str = "VARCHAR", *, table: str | None = None, clean: bool = False
) -> str:
    """The customer id as text users know: '17850' for 17850.0, digits for an integer.

    ``table`` qualifies the column with a table alias; ``clean``: text is already trimmed with
    '' as NULL (as ingest stores it).

    >>> customer_id_sql("CustomerID", "BIGINT", table="s")
    'CAST(s."CustomerID" AS VARCHAR)'
    """
    q = (f"{table}." if table else "") + quote_ident(column)
    t = duck_type.upper()
    if t == "VARCHAR":
        return q if clean else f"nullif(trim({q}), '')"
    if t in INTEGER_TYPES:
        return f"CAST({q} AS VARCHAR)"
    if t in FLOAT_TYPES or t.startswith("DECIMAL"):
        whole = f"CAST(CAST({q} AS BIGINT) AS VARCHAR)"
        return (
            f"CASE WHEN {q} = trunc({q}) AND abs({q}) < 1e18 THEN {whole} "
            f"ELSE CAST({q} AS VARCHAR) END"
        )
    return f"nullif(trim(CAST({q} AS VARCHAR)), '')"


def amount_sql(roles: Mapping[str, str]) -> str:
    """The SQL of a line's amount: the amount role, else quantity x unit_price (as DOUBLE).

    >>> amount_sql({"quantity": "Qty", "unit_price": "Price"})
    'CAST("Qty" AS DOUBLE) * CAST("Price" AS DOUBLE)'
    """
    if "amount" in roles:
        return f"CAST({quote_ident(roles['amount'])} AS DOUBLE)"
    return (
        f"CAST({quote_ident(roles['quantity'])} AS DOUBLE) * "
        f"CAST({quote_ident(roles['unit_price'])} AS DOUBLE)"
    )


def cte(name: str, body: str) -> str:
    """One common table expression: ``name AS (body)``."""
    return f"{name} AS (\n{body}\n)"


def cutoff_cte(as_of_sql: str) -> str:
    """The ``cutoff`` expression: the as-of date as one row."""
    return cte("cutoff", f"    SELECT CAST({as_of_sql} AS DATE) AS as_of")


def with_ctes(ctes: Sequence[str], select: str) -> str:
    """A SELECT with its common table expressions."""
    return "WITH " + ",\n".join(ctes) + "\n" + select

"""Where recommendations read from: the purchase lines behind a run (or a transactions table).

A run's feature table names its source transactions and the roles used (catalog options); the
lines are read in DuckDB as ``customer_id, order_id, product, day`` (purchases only: returns and
lines on or after the run's as-of date are left out). Without an order id role an order is a
customer's calendar day, as in the features.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import InvalidParameterError, SegmentationError
from ..features.sql import customer_id_sql
from ..segment.runs import get_run
from ..segment.store import Run
from ..workspace import META, TableInfo, Workspace, quote_ident

DESCRIPTION_NAMES = ("description", "product_name", "product_description", "item_name", "title")


class MissingRoleError(SegmentationError, ValueError):
    """A table lacks the column role a recommendation needs."""


@dataclass(frozen=True)
class Lines:
    """SQL of the purchase lines (``customer_id, order_id, product, day``) and its parameters.

    ``run_id`` is set when the lines belong to a run (its customers and segments);
    ``description`` is the SQL of a product's text where the table has a description column.
    """

    sql: str
    params: list[Any]
    table: str
    run_id: str | None
    description: str | None
    description_column: str | None
    has_category: bool = False


def purchase_lines(ws: Workspace, source: str) -> Lines:
    """The purchase lines of a run id (``r1``) or of a transactions table name.

    >>> purchase_lines(ws, "r1").table  # doctest: +SKIP
    'retail'
    """
    run = _maybe_run(ws, source)
    if run is not None:
        info = ws.table(run.table)
        if info.kind == "features":
            name = info.options.get("source")
            if not name or not ws.has_table(name):
                raise MissingRoleError(
                    f"Run {run.run_id} was made from the customer table {run.table!r}, which has "
                    "no transactions behind it; recommendations need a transactions table with "
                    "the roles customer_id and product. Load one and build features from it."
                )
            table, roles = ws.table(name), dict(info.options.get("roles") or {})
            as_of = info.options.get("as_of")
        else:
            table, roles, as_of = info, info.roles, None
        return _lines(table, roles, as_of, run.run_id)
    if not ws.has_table(source):
        raise InvalidParameterError(
            f"{source!r} is neither a run nor a table of the workspace. "
            "List them with `segment runs` and `segment tables`."
        )
    table = ws.table(source)
    return _lines(table, table.roles, None, None)


def _maybe_run(ws: Workspace, source: str) -> Run | None:
    if ws.query(f"SELECT 1 FROM {META}.runs WHERE run_id = ?", [source]):
        return get_run(ws, source)
    return None


def _lines(table: TableInfo, roles: dict[str, str], as_of: str | None, run_id: str | None) -> Lines:
    present = {c.name: c.type for c in table.columns}
    roles = {r: c for r, c in roles.items() if c in present}
    for role, adds in (("customer_id", "whose purchases they are"), ("product", "what was bought")):
        if role not in roles:
            raise MissingRoleError(
                f"Table {table.name!r} has no {role} role ({adds}); recommendations need the "
                f"roles customer_id and product. Set the {role} role on the Data page or with "
                f"`segment features {table.name} --role {role}=COLUMN`."
            )
    q = {r: quote_ident(c) for r, c in roles.items()}
    cid = customer_id_sql(roles["customer_id"], present[roles["customer_id"]])
    product = f"nullif(trim(CAST({q['product']} AS VARCHAR)), '')"
    day = f"CAST({q['timestamp']} AS DATE)" if "timestamp" in roles else "DATE '2000-01-01'"
    order = (
        f"CAST({q['order_id']} AS VARCHAR)" if "order_id" in roles else f"CAST({day} AS VARCHAR)"
    )
    where, params = [f"{cid} IS NOT NULL", f"{product} IS NOT NULL"], []
    if "amount" in roles:
        where.append(f"CAST({q['amount']} AS DOUBLE) >= 0")
    if "quantity" in roles:
        where.append(f"CAST({q['quantity']} AS DOUBLE) > 0")
    if as_of and "timestamp" in roles:
        where.append(f"{day} < CAST(? AS DATE)")
        params.append(as_of)
    text_column = next(
        (
            c.name
            for c in table.columns
            if c.name.lower() in DESCRIPTION_NAMES and c.role != "product"
        ),
        None,
    )
    description = (
        f"nullif(trim(CAST({quote_ident(text_column)} AS VARCHAR)), '')" if text_column else None
    )
    category = (
        f"nullif(trim(CAST({q['category']} AS VARCHAR)), '')" if "category" in roles else None
    )
    sql = (
        f"SELECT {cid} AS customer_id, {order} AS order_id, {product} AS product, {day} AS day"
        + (f", {description} AS description" if description else "")
        + (f", {category} AS category" if category else "")
        + f" FROM {quote_ident(table.name)} WHERE {' AND '.join(where)}"
    )
    return Lines(sql, params, table.name, run_id, description, text_column, category is not None)

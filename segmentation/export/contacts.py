"""Contact tables: the customer table that gives a run's customers their e-mails, phones and
names, and the columns an export can add.

>>> from segmentation.workspace import ColumnInfo, TableInfo
>>> crm = TableInfo("crm", "customers", 0, [ColumnInfo("id", "VARCHAR", "customer_id"),
...                 ColumnInfo("mail", "VARCHAR", "email"), ColumnInfo("Town", "VARCHAR")])
>>> contact_roles(crm), extra_columns(crm)
(['email'], {'city': 'Town'})
"""

from __future__ import annotations

from typing import Any

from ..errors import InvalidParameterError
from ..workspace import META, TableInfo, Workspace, quote_ident
from ..workspace.types import is_numeric
from . import identifiers
from .files import KEY_COLUMNS
from .previous import MIGRATION_COLUMNS, has_previous

_EXTRA_NAMES = {
    "city": ("city", "town"),
    "state": ("state", "province", "region", "county", "statecode"),
    "dob": ("dob", "dateofbirth", "birthdate", "birthday"),
    "gender": ("gender", "sex"),
}


def contact_roles(info: TableInfo) -> list[str]:
    """The contact fields (email, phone, names, zip, country) a table has roles for."""
    return [r for r in identifiers.CONTACT_FIELDS if r in info.roles]


def extra_columns(info: TableInfo) -> dict[str, str]:
    """Meta's extra fields (city, state, dob, gender) found by column name in a contact table."""
    out: dict[str, str] = {}
    for col in info.columns:
        if col.role != "attribute":
            continue
        for extra, names in _EXTRA_NAMES.items():
            if identifiers.fold(col.name) in names and extra not in out:
                out[extra] = col.name
    return out


def _overlap_with_run(ws: Workspace, info: TableInfo, run_id: str) -> int:
    cid = quote_ident(info.roles["customer_id"])
    return ws.query(
        f"SELECT count(*) FROM (SELECT DISTINCT CAST({cid} AS VARCHAR) AS cid "
        f"FROM {quote_ident(info.name)}) c JOIN {META}.assignments a ON a.customer_id = c.cid "
        "WHERE a.run_id = ?",
        [run_id],
    )[0][0]


def find_contacts(ws: Workspace, run_id: str, contacts: str | None = None) -> TableInfo | None:
    """The table holding the run's contact fields (e-mail, phone, names, zip, country).

    ``contacts`` names it; otherwise the ``customers`` table with a customer_id role and
    contact roles that shares the most customers with the run; else the transactions table the
    run's features were built from, when it has contact roles of its own (e-mail, phone, names
    or zip: a country alone matches no one); else None. A table with several rows per customer
    gives each customer its most recent non-empty value (:func:`contact_sql`).
    """
    if contacts:
        info = ws.table(contacts)
        if "customer_id" not in info.roles or not contact_roles(info):
            raise InvalidParameterError(
                f"Table {contacts!r} cannot give contact fields: it needs a customer_id column and "
                "an email, phone, first_name, last_name or zip column (set roles on the Data page)."
            )
        if not _overlap_with_run(ws, info, run_id):
            raise InvalidParameterError(
                f"Table {contacts!r} shares no customer id with run {run_id}; name the customer "
                "table of the run's customers."
            )
        return info
    best, best_overlap = None, 0
    for info in ws.tables(kind="customers"):
        if _has_contacts(info):
            overlap = _overlap_with_run(ws, info, run_id)
            if overlap > best_overlap:
                best, best_overlap = info, overlap
    return best or _source_transactions(ws, run_id)


def _has_contacts(info: TableInfo) -> bool:
    return "customer_id" in info.roles and bool(set(contact_roles(info)) - {"country"})


def _source_transactions(ws: Workspace, run_id: str) -> TableInfo | None:
    """The run's source transactions table (through its feature table), when it has contacts."""
    from ..segment.runs import get_run

    source = ws.table(get_run(ws, run_id).table).options.get("source")
    if not source or source not in {t.name for t in ws.tables(kind="transactions")}:
        return None
    info = ws.table(source)
    return info if _has_contacts(info) and _overlap_with_run(ws, info, run_id) else None


def contact_sql(info: TableInfo, sources: dict[str, str]) -> str:
    """A query of one row per customer id (``__cid``, as text) with a column per contact field
    (field -> column of ``info``): the most recent non-empty value where the table has a
    timestamp role, else the first.

    >>> from segmentation.workspace import ColumnInfo
    >>> tx = TableInfo("tx", "transactions", 0, [ColumnInfo("id", "VARCHAR", "customer_id"),
    ...                ColumnInfo("day", "DATE", "timestamp"), ColumnInfo("mail", "VARCHAR")])
    >>> contact_sql(tx, {"email": "mail"})
    'SELECT CAST("id" AS VARCHAR) AS __cid, arg_max("mail", "day") FILTER (WHERE "mail" IS NOT NULL) AS "email" FROM "tx" GROUP BY 1'
    """
    when = info.roles.get("timestamp")
    picks = [
        f"arg_max({quote_ident(col)}, {quote_ident(when)}) FILTER (WHERE {quote_ident(col)} "
        f"IS NOT NULL) AS {quote_ident(field)}"
        if when
        else f"first({quote_ident(col)}) AS {quote_ident(field)}"
        for field, col in sources.items()
    ]
    return (
        f"SELECT CAST({quote_ident(info.roles['customer_id'])} AS VARCHAR) AS __cid, "
        f"{', '.join(picks)} FROM {quote_ident(info.name)} GROUP BY 1"
    )


def column_choices(ws: Workspace, run_id: str, contacts: str | None = None) -> dict[str, Any]:
    """What an export can add: ``{"contacts": table or None, "contact_fields": [...],
    "features": [...], "numeric": [...]}`` (``numeric``: candidates for Meta's ``value``)."""
    from ..segment.runs import get_run

    run = get_run(ws, run_id)
    info = find_contacts(ws, run_id, contacts)
    fields = contact_roles(info) if info else []
    table = ws.table(run.table)
    id_col = table.roles.get("customer_id")
    features = [c.name for c in table.columns if c.name not in (id_col, *KEY_COLUMNS, *fields)]
    numeric = [c.name for c in table.columns if c.name != id_col and is_numeric(c.type)]
    if has_previous(ws, run_id):  # a run made by `segment migrate`: the earlier segment too
        features += [c for c in MIGRATION_COLUMNS if c not in features]
    return {
        "contacts": info.name if info else None,
        "contact_fields": fields,
        "features": features,
        "numeric": numeric,
    }


def column_names(info: TableInfo) -> list[str]:
    """A table's column names, in table order."""
    return [c.name for c in info.columns]

"""Customer features: one row per customer, built in SQL inside the workspace.

From a transactions table (:mod:`.transactions`): RFM and behaviour features (recency,
frequency, monetary, returns, basket, categories, country, recent activity) plus the lifetimes /
pymc-marketing RFM summary columns (``frequency_repeat``, ``recency_btyd``, ``T``). From a
customers table (:mod:`.customers`): its own columns, with dates turned into "days ago"
and identifiers, personal fields and free text left out.

:func:`build_features` checks the parameters, has the source's module plan the SQL, and runs it.
A build is one transaction: the feature table and its catalog entry (kind ``'features'``) appear
together or not at all. What each feature means: :mod:`.definitions`; the SQL blocks both kinds
of source share: :mod:`.sql`.

>>> ws = open_workspace("/tmp/doc.duckdb")  # doctest: +SKIP
>>> result = build_features(ws, "online_retail_dataset")  # doctest: +SKIP
>>> result.customers, result.as_of.isoformat()  # doctest: +SKIP
(4339, '2011-12-10')
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..errors import InvalidParameterError, SegmentationError, param_error
from ..ingest.quality import guess_kind
from ..ingest.roles import ROLES
from ..progress import Progress, reporter
from ..workspace import ColumnInfo, TableInfo, Workspace, quote_ident
from .customers import customer_plan
from .definitions import DEFAULT_TOP_CATEGORIES, MAX_TOP_CATEGORIES, ON_DUPLICATE
from .sql import MAX_NAME, Plan
from .transactions import default_transaction_as_of, transaction_plan


@dataclass(frozen=True)
class FeatureResult:
    """What :func:`build_features` made.

    ``excluded`` counts what was left out (rows or customers); ``missing`` maps each feature
    left out to the role that would add it (transactions), or each dropped column to the
    reason (customer tables).
    """

    table: str
    customers: int
    as_of: date
    features: list[str]
    excluded: dict[str, int]
    missing: dict[str, str]
    source: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: as_of as an ISO date."""
        return {
            "table": self.table,
            "customers": self.customers,
            "as_of": self.as_of.isoformat(),
            "features": list(self.features),
            "excluded": dict(self.excluded),
            "missing": dict(self.missing),
            "source": self.source,
        }


def build_features(
    ws: Workspace,
    source: str,
    *,
    name: str | None = None,
    as_of: date | str | None = None,
    roles: Mapping[str, str | None] | None = None,
    replace: bool = False,
    top_categories: int = DEFAULT_TOP_CATEGORIES,
    on_duplicate: str = "refuse",
    progress: Progress | None = None,
) -> FeatureResult:
    """Build the feature table (one row per customer) of a transactions or customers table.

    ``roles`` (role -> column, or None to unset a role) overrides the table's saved roles for
    this build. ``as_of`` is a date or 'YYYY-MM-DD'; by default the day after the last
    transaction date (transactions) or after the latest date in any date column (customers;
    today when there is none).

    Transactions: rows without a customer id, without a valid date, or without an amount
    (e.g. quantity missing) are left out and counted (``rows_without_customer``,
    ``rows_without_date``, ``rows_without_amount``), as are rows dated on or after ``as_of``
    (``rows_after_as_of``) and customers with no purchase line (``customers_without_purchases``).
    Each row is counted under the first of these reasons that applies.

    Customers: ``on_duplicate`` is 'refuse' (an error when an id repeats) or 'first' (keep the
    first row of each id in table order; the rest are counted in ``duplicate_rows_dropped``).

    >>> result = build_features(ws, "online_retail_dataset", as_of="2011-12-10")  # doctest: +SKIP
    >>> result.table, result.customers  # doctest: +SKIP
    ('online_retail_dataset_features', 4339)
    """
    report = reporter(progress)
    info = ws.table(source)
    _check_options(top_categories, on_duplicate)
    as_of_day = parse_as_of(as_of)
    used = _resolve_roles(info, roles)
    target = ws.check_new_name(name or f"{source[: MAX_NAME - 9]}_features", replace=replace)
    _check_source(info, target)
    report(0.05, f"Reading {source}")
    with ws.transaction() as cur:
        if _kind(cur, info, used) == "transactions":
            plan = transaction_plan(cur, info, used, as_of_day, top_categories, report)
        else:
            plan = customer_plan(cur, info, used, as_of_day, on_duplicate, report)
        report(0.6, f"Writing {target}")
        if replace:
            cur.execute(f"DROP TABLE IF EXISTS {quote_ident(target)}").fetchall()
        cur.execute(f"CREATE TABLE {quote_ident(target)} AS {plan.sql}", plan.params).fetchall()
        report(0.9, "Recording the feature table")
        columns, quality, customers = _describe(cur, target)
        excluded = _excluded(cur, plan, customers, source, target)
        result = FeatureResult(
            table=target,
            customers=customers,
            as_of=plan.as_of,
            features=[c.name for c in columns if c.role != "customer_id"],
            excluded=excluded,
            missing=plan.missing,
            source=source,
        )
        options = {"top_categories": top_categories, "on_duplicate": on_duplicate}
        ws.register_table(cur, _feature_table(info, result, plan, columns, quality, options))
    report(1.0, f"Built {customers:,} customers x {len(result.features)} features")
    return result


def _check_source(info: TableInfo, target: str) -> None:
    """Refuse a target named as the source, and sources that are not transactions or customers."""
    source = info.name
    if target.lower() == source.lower():
        raise InvalidParameterError(
            f"The 'name' parameter must differ from the source table. Got {target!r}; "
            f"leave it empty to use {source[: MAX_NAME - 9] + '_features'!r}."
        )
    if info.kind == "features":
        raise InvalidParameterError(
            f"Table {source!r} is already a feature table. Build features from the "
            f"transactions or customer table it was made from ({info.options.get('source')!r})."
        )
    if info.kind not in ("transactions", "customers"):
        raise InvalidParameterError(
            f"Table {source!r} is of kind {info.kind!r}; features are built from a "
            "'transactions' or 'customers' table. Set its kind on the Data page."
        )


def _excluded(cur, plan: Plan, customers: int, source: str, target: str) -> dict[str, int]:
    """What the build left out, or an error when it left out every customer."""
    excluded = dict(plan.excluded)
    if plan.without_purchases is not None:
        sql = plan.without_purchases(quote_ident(target))
        excluded["customers_without_purchases"] = int(cur.execute(sql, plan.params).fetchone()[0])
    if customers == 0:
        raise InvalidParameterError(
            f"No customer is left in {source!r} (left out: {_counts_text(excluded)}). "
            "Check the roles on the Data page, and the 'as_of' date."
        )
    return excluded


def _feature_table(
    info: TableInfo,
    result: FeatureResult,
    plan: Plan,
    columns: list[ColumnInfo],
    quality: dict[str, Any],
    choices: dict[str, Any],
) -> TableInfo:
    """The catalog entry of a feature table: what it was built from, and how."""
    return TableInfo(
        name=result.table,
        kind="features",
        rows=result.customers,
        columns=columns,
        loaded_at=datetime.now(),
        quality=quality,
        options={
            "source": result.source,
            "source_kind": info.kind,
            "as_of": plan.as_of.isoformat(),
            "roles": plan.roles,
            "excluded": result.excluded,
            "missing": plan.missing,
            **choices,
        },
    )


# -- parameters ------------------------------------------------------------------------------
def default_as_of(ws: Workspace, source: str) -> date | None:
    """The as-of date :func:`build_features` uses for ``source`` when none is given: the day
    after the last order of a transactions table. None for a customer table (the day after
    its latest date column, decided during the build) or a table without the roles for it.
    """
    info = ws.table(source)
    if info.kind != "transactions" or not {"customer_id", "timestamp"} <= set(info.roles):
        return None
    try:
        return default_transaction_as_of(ws.cursor(), info, dict(info.roles))
    except SegmentationError:
        return None


def parse_as_of(value: date | str | None) -> date | None:
    """A date from a date, a datetime or 'YYYY-MM-DD' text; None stays None.

    >>> parse_as_of("2011-12-10")
    datetime.date(2011, 12, 10)
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise param_error("as_of", "a date written YYYY-MM-DD (e.g. '2011-12-10')", value)


def _check_options(top_categories: object, on_duplicate: object) -> None:
    ok = isinstance(top_categories, int) and not isinstance(top_categories, bool)
    if not ok or not 0 <= top_categories <= MAX_TOP_CATEGORIES:
        raise param_error(
            "top_categories", f"an int in the range [0, {MAX_TOP_CATEGORIES}]", top_categories
        )
    if on_duplicate not in ON_DUPLICATE:
        raise param_error("on_duplicate", "one of 'refuse', 'first'", on_duplicate)


def _kind(cur, info: TableInfo, used: Mapping[str, str]) -> str:
    """The table's kind, decided again from the ids when this build names another customer id
    (transactions when they repeat)."""
    if used.get("customer_id") == info.roles.get("customer_id"):
        return info.kind
    by_column = {column: role for role, column in used.items()}
    columns = [
        dataclasses.replace(c, role=by_column.get(c.name, "attribute")) for c in info.columns
    ]
    return guess_kind(cur, info.name, columns, info.quality)  # its distinct counts by column


def _resolve_roles(info: TableInfo, override: Mapping[str, str | None] | None) -> dict[str, str]:
    """The table's saved roles (role -> column) with the override applied and checked."""
    used = dict(info.roles)
    names = [c.name for c in info.columns]
    for role, column in (override or {}).items():
        if role not in ROLES or role == "attribute":
            choices = ", ".join(r for r in ROLES if r != "attribute")
            raise param_error("roles", f"a mapping of role -> column, roles being {choices}", role)
        if column is None:
            used.pop(role, None)
        elif column not in names:
            raise InvalidParameterError(
                f"The 'roles' parameter gives role {role!r} to column {column!r}, which table "
                f"{info.name!r} does not have; its columns are {', '.join(map(repr, names))}."
            )
        else:
            used[role] = column
    return used


# -- after the build ---------------------------------------------------------------------------
def _describe(cur, table: str) -> tuple[list[ColumnInfo], dict[str, Any], int]:
    """Columns (customer_id with its role), a small quality dict, and the row count."""
    described = cur.execute(f"DESCRIBE {quote_ident(table)}").fetchall()
    columns = [
        ColumnInfo(name, dtype, "customer_id" if name == "customer_id" else "attribute")
        for name, dtype, *_ in described
    ]
    counts = ", ".join(f"count({quote_ident(c.name)})" for c in columns)
    row = cur.execute(f"SELECT count(*), {counts} FROM {quote_ident(table)}").fetchall()[0]
    rows = int(row[0])
    empty = {c.name: rows - int(n) for c, n in zip(columns, row[1:], strict=True) if rows - n}
    return columns, {"rows": rows, "columns": len(columns), "missing_values": empty}, rows


def _counts_text(counts: Mapping[str, int]) -> str:
    shown = [f"{k.replace('_', ' ')}: {v:,}" for k, v in counts.items() if v]
    return "; ".join(shown) or "nothing"

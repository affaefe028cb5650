"""Column roles and table kinds: guessed from names and values, editable by the user."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ..errors import InvalidParameterError
from ..workspace import ColumnInfo
from ..workspace.types import is_integer, is_numeric, type_class

ROLES = (
    "customer_id",
    "order_id",
    "timestamp",
    "amount",
    "quantity",
    "unit_price",
    "product",
    "category",
    "country",
    "email",
    "phone",
    "first_name",
    "last_name",
    "zip",
    "attribute",
)
# Roles whose values are identifiers or personal data: stored as text exactly as written.
TEXT_ROLES = (
    "customer_id",
    "order_id",
    "product",
    "email",
    "phone",
    "first_name",
    "last_name",
    "zip",
)
PERSONAL_ROLES = ("email", "phone", "first_name", "last_name", "zip")

# Normalized column names (lower-case, letters and digits only) that point to a role, best first.
_NAME_HINTS: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customerid",
        "custid",
        "customerno",
        "customernumber",
        "customer",
        "clientid",
        "client",
        "clientno",
        "clientnumber",
        "userid",
        "memberid",
        "member",
        "memberno",
        "membernumber",
        "membershipid",
        "membershipnumber",
        "accountid",
        "accountno",
        "accountnumber",
        "account",
        "shopperid",
        "shopper",
        "buyerid",
        "buyer",
        "consumerid",
        "patronid",
        "guestid",
        "householdid",
        "subscriberid",
        "contactid",
        "cardid",
        "cardno",
        "cardnumber",
        "loyaltyid",
        "loyaltyno",
        "loyaltynumber",
        "loyaltycard",
        "loyaltycardno",
        "loyaltycardnumber",
        "clubcard",
        # German, Dutch, Scandinavian, French, Spanish, Portuguese, Italian, Polish
        "kundennummer",
        "kundennr",
        "kundenid",
        "kunde",
        "kundeid",
        "kundnummer",
        "kundnr",
        "mitgliedsnummer",
        "klantnummer",
        "klantnr",
        "klantid",
        "klant",
        "lidnummer",
        "numeroclient",
        "numclient",
        "codeclient",
        "idclient",
        "cliente",
        "idcliente",
        "codcliente",
        "codigocliente",
        "numerocliente",
        "numcliente",
        "socio",
        "idsocio",
        "tessera",
        "klient",
        "klientid",
        "nrklienta",
    ),
    "order_id": (
        "invoiceno",
        "invoice",
        "invoiceid",
        "invoicenumber",
        "orderid",
        "orderno",
        "ordernumber",
        "order",
        "transactionid",
        "receiptid",
        "receipt",
        "basketid",
    ),
    "timestamp": (
        "invoicedate",
        "orderdate",
        "purchasedate",
        "transactiondate",
        "timestamp",
        "datetime",
        "date",
        "orderedat",
        "createdat",
        "time",
        "saledate",
        "datum",  # German, Dutch, Scandinavian
        "fecha",  # Spanish
    ),
    "amount": (
        "amount",
        "dollarvalue",
        "revenue",
        "sales",
        "salesamount",
        "total",
        "totalamount",
        "linetotal",
        "value",
        "spend",
        "netamount",
        "grossamount",
        "price_total",
        "ordervalue",
    ),
    "quantity": ("quantity", "qty", "numberofcds", "units", "unitssold", "items", "itemcount"),
    "unit_price": ("unitprice", "price", "itemprice", "priceeach", "unitcost"),
    "product": ("stockcode", "sku", "productid", "productcode", "itemid", "product", "item"),
    "category": ("category", "productcategory", "department", "categoryname", "productline"),
    "country": ("country", "countrycode", "region", "market", "nation"),
    "email": ("email", "emailaddress", "mail", "eMail".lower()),
    "phone": ("phone", "phonenumber", "mobile", "telephone", "tel", "cell", "mobilephone"),
    "first_name": ("firstname", "fname", "givenname", "forename"),
    "last_name": ("lastname", "lname", "surname", "familyname"),
    "zip": ("zip", "zipcode", "postcode", "postalcode", "plz"),
}


def normalize_name(name: str) -> str:
    """Lower-case letters and digits only: 'Customer ID' -> 'customerid'."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


def named_for(name: str, role: str) -> bool:
    """Whether a column's name points to a role: one of the role's names, or a longer name
    that starts or ends with one of six letters or more.

    >>> named_for("Zip Code", "zip"), named_for("order_amount", "amount"), named_for("id", "zip")
    (True, True, False)
    """
    norm, hints = normalize_name(name), _NAME_HINTS.get(role, ())
    return norm in hints or any(
        len(h) >= 6 and (norm.startswith(h) or norm.endswith(h)) for h in hints
    )


@dataclass(frozen=True)
class ColumnFacts:
    """What role guessing needs to know about a column (from a sample of its values)."""

    name: str
    type: str  # final DuckDB type
    distinct_ratio: float  # distinct non-missing values / non-missing values
    share_email: float = 0.0  # values that look like an email
    share_phone: float = 0.0  # values that look like a phone number
    leading_zeros: bool = False
    generic_name: bool = False  # column_1, column_2 ...: the file had no header
    whole_floats: bool = False  # every value looks like 17850.0
    distinct: int = 0  # distinct non-missing values in the sample
    code_like: bool = False  # every value one word of letters, digits and - _ . / #


def guess_roles(columns: list[ColumnFacts]) -> dict[str, str]:
    """Column name -> role. Each role other than 'attribute' goes to at most one column."""
    roles: dict[str, str] = {}
    taken: set[str] = set()

    def give(col: ColumnFacts, role: str) -> None:
        if role not in taken and col.name not in roles and _fits(col, role):
            roles[col.name] = role
            taken.add(role)

    for role, hints in _NAME_HINTS.items():
        for hint in hints:
            for col in columns:
                if normalize_name(col.name) == hint:
                    give(col, role)
    for role, hints in _NAME_HINTS.items():  # looser: a longer name that starts or ends so
        for col in columns:
            norm = normalize_name(col.name)
            if role in _NUMBER_ROLES and col.distinct == 1:
                continue  # a constant (marketing_campaign's Z_Revenue: 11 for everyone)
            if any(len(h) >= 6 and (norm.startswith(h) or norm.endswith(h)) for h in hints):
                give(col, role)
    for col in columns:  # by values
        if col.share_email >= 0.8:
            give(col, "email")
        elif col.share_phone >= 0.8 and col.type == "VARCHAR":
            give(col, "phone")
    _guess_unnamed(columns, give)
    if "customer_id" not in taken:
        _guess_customer_codes(columns, roles, give)
    return {c.name: roles.get(c.name, "attribute") for c in columns}


_CODE_WORDS = re.compile(r"(id|no|nr|num|number|code|key|ref)$")
MIN_CODES = 10  # distinct codes a column needs to be read as customer ids from its values


def _guess_customer_codes(columns: list[ColumnFacts], roles: dict[str, str], give) -> None:
    """The customer id of order lines without a telling name: beside a date column, the code
    column whose values repeat (columns named like codes first, then the one with most codes)."""
    if not any(type_class(c.type) == "date" for c in columns):
        return
    candidates = [
        c
        for c in columns
        if c.name not in roles
        and c.code_like
        and c.distinct >= MIN_CODES
        and 0 < c.distinct_ratio < 0.9
        and c.share_email < 0.5
        and c.share_phone < 0.5
        and _fits(c, "customer_id")
    ]
    if candidates:
        best = min(
            candidates,
            key=lambda c: (
                not _CODE_WORDS.search(normalize_name(c.name)),
                -c.distinct,
            ),
        )
        give(best, "customer_id")


def _guess_unnamed(columns: list[ColumnFacts], give) -> None:
    """Fill customer_id / timestamp / amount / quantity from values alone (files without header)."""
    for col in columns:
        if normalize_name(col.name) == "id":
            give(col, "customer_id")
    if not all(c.generic_name for c in columns):
        return
    for col in columns:
        if col.type in ("VARCHAR", "BIGINT") and col.distinct_ratio < 0.9:
            give(col, "customer_id")
            break
    for col in columns:
        if col.type in ("DATE", "TIMESTAMP"):
            give(col, "timestamp")
    for col in reversed(columns):
        if col.type == "DOUBLE":
            give(col, "amount")
            break
    for col in columns:
        if col.type == "BIGINT":
            give(col, "quantity")


def _fits(col: ColumnFacts, role: str) -> bool:
    if role in TYPE_RULES:
        return type_class(col.type) == TYPE_RULES[role]
    if role in ("customer_id", "order_id", "zip", "phone"):
        return col.type in ("VARCHAR", "BIGINT") or (col.type == "DOUBLE" and col.whole_floats)
    if role in ("product", "category", "country", "first_name", "last_name"):
        return col.type == "VARCHAR"
    if role == "email":
        return col.type == "VARCHAR" and col.share_email >= 0.5
    return True


def guess_kind(rows: int, customer_rows: int, distinct_customers: int, has_timestamp: bool) -> str:
    """'transactions' when customers repeat, else 'customers'.

    >>> guess_kind(rows=1000, customer_rows=1000, distinct_customers=300, has_timestamp=True)
    'transactions'
    """
    if customer_rows and distinct_customers < 0.95 * customer_rows:
        return "transactions"
    if not customer_rows and has_timestamp and rows > 0:
        return "transactions"
    return "customers"


# Roles that need a type class: sums and counts need numbers, recency needs dates.
TYPE_RULES = {"amount": "number", "quantity": "number", "unit_price": "number", "timestamp": "date"}
_WANTED = {"number": "a numeric column", "date": "a date column"}
_NUMBER_ROLES = tuple(role for role, kind in TYPE_RULES.items() if kind == "number")


def check_role_types(roles: Mapping[str, str], types: Mapping[str, str]) -> None:
    """Refuse a role given to a column whose type does not fit it (column -> role, -> type).

    >>> check_role_types({"amount": "amount"}, {"amount": "VARCHAR"})
    Traceback (most recent call last):
    ...
    segmentation.errors.InvalidParameterError: 'amount' holds text; choose a numeric column for the role 'amount', or fix the file.
    """
    for col, role in roles.items():
        wanted = TYPE_RULES.get(role)
        if wanted and type_class(types[col]) != wanted:
            raise InvalidParameterError(
                f"{col!r} holds {holds(types[col])}; choose {_WANTED[wanted]} for the role "
                f"{role!r}, or fix the file."
            )


def text_number_warnings(columns: Sequence[ColumnInfo]) -> list[str]:
    """A warning per text column whose name asks for a numeric role no column has.

    >>> text_number_warnings([ColumnInfo("amount", "VARCHAR", "attribute")])[0][:44]
    "Column 'amount' was read as text (values wit"
    """
    taken = {c.role for c in columns}
    warnings = []
    for c in columns:
        role = next((r for r in _NUMBER_ROLES if named_for(c.name, r)), None)
        if type_class(c.type) == "text" and role is not None and role not in taken:
            warnings.append(
                f"Column {c.name!r} was read as text (values with currency signs, units or "
                f"words, for example), so it cannot be used as the {role} role until it holds "
                "numbers. Save it as plain numbers in the file (12.50: no currency sign or "
                f"thousands separator) and load it again, or give the {role} role to another "
                "column."
            )
    return warnings


def holds(duck_type: str) -> str:
    """What a column of this type holds, in words: text, whole numbers, decimals, dates."""
    if is_integer(duck_type):
        return "whole numbers"
    if is_numeric(duck_type):
        return "decimals"
    return {"date": "dates", "text": "text", "boolean": "yes/no values"}.get(
        type_class(duck_type), f"{duck_type} values"
    )


def check_roles(roles: Mapping[str, str], columns: list[str]) -> dict[str, str]:
    """Validate a column -> role mapping edited by a user; returns it complete."""
    unknown_cols = [c for c in roles if c not in columns]
    if unknown_cols:
        raise InvalidParameterError(
            f"Unknown column(s) {', '.join(map(repr, unknown_cols))}; the table has "
            f"{', '.join(map(repr, columns))}."
        )
    bad = {c: r for c, r in roles.items() if r not in ROLES}
    if bad:
        col, role = next(iter(bad.items()))
        raise InvalidParameterError(
            f"The role of column {col!r} must be one of {', '.join(ROLES)}. Got {role!r} instead."
        )
    full = {c: roles.get(c, "attribute") for c in columns}
    seen: dict[str, str] = {}
    for col, role in full.items():
        if role != "attribute" and role in seen:
            raise InvalidParameterError(
                f"The role {role!r} is given to two columns, {seen[role]!r} and {col!r}; "
                "give it to one and set the other to 'attribute'."
            )
        seen[role] = col
    return full

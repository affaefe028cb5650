"""Ad-platform upload rows: each customer's identifiers normalized, validated and hashed the way
Google Ads Customer Match and Meta custom audiences document (the rules: :mod:`.identifiers`).

>>> import pandas as pd
>>> rows = platform_rows(pd.DataFrame({"email": ["a@example.com"]}), "google")
>>> rows.frame.columns.tolist()[:2], rows.invalid
(['Email', 'Phone'], {'email': 0, 'phone': 0})
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import param_error
from .identifiers import (
    cell_text,
    country_code,
    normalize_city,
    normalize_dob,
    normalize_email,
    normalize_gender,
    normalize_name,
    normalize_phone,
    normalize_state,
    normalize_zip,
    sha256_hex,
)

PLATFORMS = ("google", "meta")
GOOGLE_COLUMNS = ("Email", "Phone", "First Name", "Last Name", "Country", "Zip")
META_COLUMNS = ("email", "phone", "fn", "ln", "zip", "ct", "st", "country", "dob", "gen", "value")


@dataclass
class Identified:
    """A platform's upload rows for a set of customers (same index as the contacts given).

    ``frame``: the platform's columns, hashed where the platform says so, empty where missing or
    invalid. ``usable``: rows with at least one identifier the platform can match on (a valid
    e-mail or phone, or first name, last name, zip and country together). ``valid_email`` /
    ``valid_phone``: per row. ``invalid``: identifiers present but not valid, per field.
    """

    frame: pd.DataFrame
    usable: pd.Series
    valid_email: pd.Series
    valid_phone: pd.Series
    invalid: dict[str, int] = field(default_factory=dict)


def _column(contacts: pd.DataFrame, name: str) -> pd.Series:
    if name in contacts:
        return contacts[name]
    return pd.Series([None] * len(contacts), index=contacts.index, dtype=object)


def _map(values: Iterable[Any], function) -> list[Any]:
    return [function(v) for v in values]


def _hashed(values: list[str | None]) -> list[str | None]:
    return [None if v is None else sha256_hex(v) for v in values]


def platform_rows(
    contacts: pd.DataFrame, platform: str, *, default_country: str | None = None
) -> Identified:
    """Normalize and hash the contacts (columns named like :data:`CONTACT_FIELDS`, plus
    ``city``, ``state``, ``dob``, ``gender`` and ``value`` for Meta) for one platform.

    >>> rows = platform_rows(pd.DataFrame({"email": [" A@B.com ", "bad"]}), "meta")
    >>> rows.frame["email"].str.len().tolist(), rows.invalid["email"]
    ([64.0, nan], 1)
    """
    if platform not in PLATFORMS:
        raise param_error("platform", f"one of {', '.join(PLATFORMS)}", platform)
    index = contacts.index
    countries = _map(_column(contacts, "country"), country_code)
    region = [c or default_country for c in countries]
    raw_email, raw_phone = _column(contacts, "email"), _column(contacts, "phone")
    emails = _map(raw_email, lambda v: normalize_email(v, platform=platform))
    phones = [normalize_phone(v, r) for v, r in zip(raw_phone, region, strict=True)]
    first = _map(_column(contacts, "first_name"), lambda v: normalize_name(v, platform=platform))
    last = _map(_column(contacts, "last_name"), lambda v: normalize_name(v, platform=platform))
    zips = [
        normalize_zip(v, c, platform=platform)
        for v, c in zip(_column(contacts, "zip"), countries, strict=True)
    ]
    valid_email = pd.Series([e is not None for e in emails], index=index)
    valid_phone = pd.Series([p is not None for p in phones], index=index)
    address = pd.Series(
        [all(x is not None for x in row) for row in zip(first, last, zips, countries, strict=True)],
        index=index,
    )
    invalid = {
        "email": int((raw_email.map(cell_text).notna() & ~valid_email).sum()),
        "phone": int((raw_phone.map(cell_text).notna() & ~valid_phone).sum()),
    }
    if platform == "google":
        frame = pd.DataFrame(
            {
                "Email": _hashed(emails),
                "Phone": _hashed(phones),
                "First Name": _hashed(first),
                "Last Name": _hashed(last),
                "Country": countries,
                "Zip": zips,
            },
            index=index,
        )
    else:
        frame = _meta_frame(contacts, emails, phones, first, last, zips, countries)
    return Identified(frame, valid_email | valid_phone | address, valid_email, valid_phone, invalid)


def _meta_frame(contacts, emails, phones, first, last, zips, countries) -> pd.DataFrame:
    """Meta's columns that the contacts can fill (``email``, ``phone`` always)."""
    columns: dict[str, list[Any]] = {
        "email": _hashed(emails),
        "phone": _hashed([p[1:] if p else None for p in phones]),  # digits only, no "+"
    }
    present = set(contacts.columns)
    if "first_name" in present:
        columns["fn"] = _hashed(first)
    if "last_name" in present:
        columns["ln"] = _hashed(last)
    if "zip" in present:
        columns["zip"] = _hashed(zips)
    if "city" in present:
        columns["ct"] = _hashed(_map(contacts["city"], normalize_city))
    if "state" in present:
        states = [normalize_state(v, c) for v, c in zip(contacts["state"], countries, strict=True)]
        columns["st"] = _hashed(states)
    if "country" in present:
        columns["country"] = _hashed([c.lower() if c else None for c in countries])
    if "dob" in present:
        columns["dob"] = _hashed(_map(contacts["dob"], normalize_dob))
    if "gender" in present:
        columns["gen"] = _hashed(_map(contacts["gender"], normalize_gender))
    if "value" in present:
        value = pd.to_numeric(contacts["value"], errors="coerce").clip(lower=0).round(2)
        columns["value"] = value.tolist()
    return pd.DataFrame(columns, index=contacts.index)

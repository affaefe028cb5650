"""Contact identifiers for ad platforms: normalization, validation and SHA-256 hashing.

Hashed upload files carry no raw personal data: each identifier is normalized the way the
platform documents, then hashed with SHA-256 (lower-case hex). Values that are missing or do
not validate are left empty and counted, never hashed as written.

Google Ads Customer Match (Google's "Format user data" guide of the Data Manager API, which Google
now recommends for Customer Match, and the Google Ads help pages "Format your customer data
file" / "Formatting guidelines for uploading hashed data"):

* ``Email``: whitespace removed, lower-cased; for ``gmail.com`` and ``googlemail.com`` the dots
  of the local part and a ``+suffix`` are removed (``cloudy.sanfrancisco+shopping@gmail.com`` ->
  ``cloudysanfrancisco@gmail.com``); other domains keep them (``user.name+NYC@Example.com`` ->
  ``user.name+nyc@example.com``). Hashed.
* ``Phone``: E.164 with ``+`` and the country code (``(800)555-0100`` -> ``+18005550100``). Hashed.
* ``First Name``, ``Last Name``: trimmed, inner whitespace collapsed, lower-cased. Hashed.
* ``Country``: ISO 3166-1 alpha-2 (upper-case). ``Zip``: trimmed, upper-case; US codes cut to
  their 5 digits. Neither is hashed.

Meta custom audience customer file (Meta Business Help Centre "How to format a customer list"
and the Marketing API's "Custom Audiences: hashing and normalizing data"):

* ``email``: trimmed, lower-cased. ``phone``: digits only, with the country code, no ``+`` and
  no leading zeros (``+44 844 412 4653`` -> ``448444124653``).
* ``fn``, ``ln``, ``ct``: lower-case letters only (no punctuation or spaces; accented letters
  kept, UTF-8). ``st``: US states as their 2-letter code, others letters only, lower-case.
* ``zip``: lower-case without spaces or dashes; US: first 5 digits; UK: area, district and
  sector (``SW19 0ED`` -> ``sw190``). ``country``: ISO alpha-2, lower-case.
* ``dob``: ``YYYYMMDD``; ``gen``: ``m`` or ``f``. Every column is hashed except ``value``.

E-mails are validated with ``email_validator`` (no network; a conservative plain-ASCII pattern
is accepted directly for speed and anything else is judged by ``email_validator``), phones with
``phonenumbers`` (``is_valid_number``), in the customer's own country when it is known, else in
the default country.

The upload rows built from these: :mod:`.platforms`; suppression lists: :mod:`.suppression`.

>>> normalize_email(" John.Doe+news@GMAIL.com ", platform="google")
'johndoe@gmail.com'
>>> normalize_phone("020 7946 0123", "GB")
'+442079460123'
>>> country_code("United Kingdom"), country_code("usa"), country_code("de")
('GB', 'US', 'DE')
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache
from typing import Any

import pandas as pd

CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "zip", "country")
EXTRA_FIELDS = ("city", "state", "dob", "gender")  # Meta only; found by column name
_GMAIL = ("gmail.com", "googlemail.com")
_SPECIAL_TLDS = {"arpa", "invalid", "local", "localhost", "onion", "test", "internal", "home"}
_SIMPLE_EMAIL = re.compile(
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63}))"
)
_UK_POSTCODE = re.compile(r"[a-z]{1,2}\d[a-z\d]?\d[a-z]{2}")

# Common names and codes not in the CLDR names (alpha-3 codes, short forms).
_COUNTRY_ALIASES = {
    "uk": "GB", "greatbritain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
    "northernireland": "GB", "britain": "GB", "usa": "US", "us": "US", "america": "US",
    "unitedstatesofamerica": "US", "holland": "NL", "thenetherlands": "NL", "czechia": "CZ",
    "eire": "IE", "southkorea": "KR", "korea": "KR", "russianfederation": "RU",
    "gbr": "GB", "deu": "DE", "fra": "FR", "esp": "ES", "nld": "NL", "ita": "IT", "prt": "PT",
    "bel": "BE", "lux": "LU", "che": "CH", "aut": "AT", "irl": "IE", "dnk": "DK", "swe": "SE",
    "nor": "NO", "fin": "FI", "isl": "IS", "pol": "PL", "cze": "CZ", "svk": "SK", "hun": "HU",
    "rou": "RO", "bgr": "BG", "grc": "GR", "hrv": "HR", "svn": "SI", "est": "EE", "lva": "LV",
    "ltu": "LT", "mlt": "MT", "cyp": "CY", "tur": "TR", "ukr": "UA", "rus": "RU", "srb": "RS",
    "can": "CA", "mex": "MX", "bra": "BR", "arg": "AR", "chl": "CL", "col": "CO", "per": "PE",
    "aus": "AU", "nzl": "NZ", "jpn": "JP", "chn": "CN", "hkg": "HK", "twn": "TW", "kor": "KR",
    "sgp": "SG", "ind": "IN", "idn": "ID", "mys": "MY", "tha": "TH", "phl": "PH", "vnm": "VN",
    "are": "AE", "sau": "SA", "isr": "IL", "egy": "EG", "zaf": "ZA", "nga": "NG", "ken": "KE",
    "mar": "MA",
}  # fmt: skip
_STATE_NAMES = (
    "alabama alaska arizona arkansas california colorado connecticut delaware districtofcolumbia "
    "florida georgia hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland "
    "massachusetts michigan minnesota mississippi missouri montana nebraska nevada newhampshire "
    "newjersey newmexico newyork northcarolina northdakota ohio oklahoma oregon pennsylvania "
    "rhodeisland southcarolina southdakota tennessee texas utah vermont virginia washington "
    "westvirginia wisconsin wyoming"
)
_STATE_CODES = (
    "al ak az ar ca co ct de dc fl ga hi id il in ia ks ky la me md ma mi mn ms mo mt ne nv nh nj "
    "nm ny nc nd oh ok or pa ri sc sd tn tx ut vt va wa wv wi wy"
)
_US_STATES = dict(zip(_STATE_NAMES.split(), _STATE_CODES.split(), strict=True))


def sha256_hex(text: str) -> str:
    """SHA-256 of the UTF-8 text, as 64 lower-case hex digits.

    >>> sha256_hex("janedoe@gmail.com")[:16]
    'd6117306485ed0e5'
    """
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def cell_text(value: Any) -> str | None:
    """A cell as stripped (NFC) text, or None when it is empty or missing."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = unicodedata.normalize("NFC", str(value)).strip()
    return text or None


def fold(text: str) -> str:
    """Lower-case ASCII letters and digits only: the key for looking names up.

    >>> fold("E-Mail Address"), fold("Côte d'Ivoire")
    ('emailaddress', 'cotedivoire')
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", ascii_text.lower())


# -- countries ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """Folded country name or code -> ISO alpha-2, from phonenumbers' CLDR names (several
    languages) plus common alpha-3 codes and short forms."""
    from phonenumbers.geodata.locale import LOCALE_DATA

    names: dict[str, str] = {}
    for code, by_language in LOCALE_DATA.items():
        names[code.lower()] = code
        for language in ("en", "de", "fr", "es", "it", "nl", "pt"):
            name = by_language.get(language)
            if name and name.startswith("*"):
                name = by_language.get(name[1:])
            if name:
                names.setdefault(fold(name), code)
    names.update({key: code for key, code in _COUNTRY_ALIASES.items()})
    names.pop("an", None)  # Netherlands Antilles: dissolved
    return names


def country_code(value: Any) -> str | None:
    """ISO 3166-1 alpha-2 code (upper-case) of a country name or code, or None.

    >>> country_code("Deutschland"), country_code("GBR"), country_code("Atlantis")
    ('DE', 'GB', None)
    """
    text = cell_text(value)
    return None if text is None else _country_names().get(fold(text))


# -- e-mail ------------------------------------------------------------------------------------
@lru_cache(maxsize=262_144)
def _valid_email(text: str) -> str | None:
    """The lower-cased address if it is a valid e-mail address, else None."""
    lowered = text.lower()
    simple = _SIMPLE_EMAIL.fullmatch(lowered)
    if (
        simple
        and len(lowered) <= 254
        and len(lowered.split("@")[0]) <= 64
        and simple.group(2) not in _SPECIAL_TLDS
        and "xn--" not in simple.group(1)
        and not any(label[2:4] == "--" for label in simple.group(1).split("."))
    ):
        return lowered
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        return None
    return checked.normalized.lower()


def normalize_email(value: Any, *, platform: str | None = None) -> str | None:
    """A valid e-mail address, trimmed and lower-cased (Google: gmail dots and +suffix removed),
    or None when it is missing or not an address.

    >>> normalize_email(" John.Doe@Example.COM ")
    'john.doe@example.com'
    >>> normalize_email("john.doe@") is None
    True
    """
    text = cell_text(value)
    if text is None:
        return None
    email = _valid_email("".join(text.split()) if platform == "google" else text)
    if email is None or platform != "google":
        return email
    local, _, domain = email.rpartition("@")
    if domain in _GMAIL:
        local = local.split("+", 1)[0].replace(".", "")
    return f"{local}@{domain}" if local else None


# -- phone -------------------------------------------------------------------------------------
@lru_cache(maxsize=262_144)
def _e164(text: str, region: str | None) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalize_phone(value: Any, region: str | None = None) -> str | None:
    """A valid phone number in E.164 (``+`` and country code), or None.

    ``region`` (ISO alpha-2) reads numbers written without a country code; numbers starting
    with ``+`` carry their own.

    >>> normalize_phone("(212) 555-0123", "US"), normalize_phone("0151 44558789", "DE")
    ('+12125550123', '+4915144558789')
    >>> normalize_phone("07700 900123") is None  # no country code and no region
    True
    """
    text = cell_text(value)
    if text is None:
        return None
    return _e164(text, region.upper() if region else None)


# -- names and places --------------------------------------------------------------------------
def _letters(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalpha())


def normalize_name(value: Any, *, platform: str) -> str | None:
    """A first or last name: Google trimmed and lower-case, Meta lower-case letters only.

    >>> normalize_name("  Mary  Ann ", platform="google"), normalize_name("O'Brien", platform="meta")
    ('mary ann', 'obrien')
    """
    text = cell_text(value)
    if text is None:
        return None
    out = " ".join(text.lower().split()) if platform == "google" else _letters(text)
    return out or None


def normalize_zip(value: Any, country: str | None, *, platform: str) -> str | None:
    """A postal code as each platform documents it (see the module docstring).

    >>> normalize_zip("94016-1234", "US", platform="google"), normalize_zip("SW19 0ED", "GB", platform="meta")
    ('94016', 'sw190')
    """
    text = cell_text(value)
    if text is None:
        return None
    compact = re.sub(r"[\s-]+", "", text.lower())
    if country == "US":
        digits = re.sub(r"\D", "", compact)
        return digits[:5] if len(digits) >= 5 else None
    if platform == "google":
        return " ".join(text.upper().split()).strip("-") or None
    if country == "GB" and _UK_POSTCODE.fullmatch(compact):
        return compact[:-2]
    return re.sub(r"[^0-9a-z]", "", compact) or None


def normalize_city(value: Any) -> str | None:
    """Meta ``ct``: lower-case letters only (``Frankfurt am Main`` -> ``frankfurtammain``)."""
    text = cell_text(value)
    return (_letters(text) or None) if text else None


def normalize_state(value: Any, country: str | None) -> str | None:
    """Meta ``st``: US states as their 2-letter code, others lower-case letters only."""
    text = cell_text(value)
    if text is None:
        return None
    letters = _letters(text)
    if country in (None, "US") and fold(text) in _US_STATES:
        return _US_STATES[fold(text)]
    return letters or None


def normalize_dob(value: Any) -> str | None:
    """Meta ``dob``: ``YYYYMMDD``, or None when it is not a date."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    stamp = pd.to_datetime(value, errors="coerce")
    return None if pd.isna(stamp) else stamp.strftime("%Y%m%d")


def normalize_gender(value: Any) -> str | None:
    """Meta ``gen``: ``m`` or ``f``, or None for anything else."""
    text = cell_text(value)
    if text is None:
        return None
    folded = fold(text)
    if folded in ("m", "male", "man", "mann", "homme", "hombre"):
        return "m"
    if folded in ("f", "female", "woman", "frau", "femme", "mujer", "w"):
        return "f"
    return None


# -- whole lists -------------------------------------------------------------------------------

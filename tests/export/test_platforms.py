"""Upload rows of segmentation.export.platforms: what each platform hashes, and that no raw
identifier survives."""

import hashlib

import pandas as pd

from segmentation.demo.sample import generate
from segmentation.export import platforms


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_google_rows_hash_four_fields_and_keep_country_and_zip():
    contacts = pd.DataFrame(
        {
            "email": [" John.Doe@Example.COM ", "not an email", None],
            "phone": ["+44 20 7946 0123", None, "bad"],
            "first_name": [" John ", "Ann", None],
            "last_name": ["Doe", "Lee", None],
            "zip": ["SW19 0ED", "10115", None],
            "country": ["United Kingdom", "DE", None],
        }
    )
    rows = platforms.platform_rows(contacts, "google")
    assert tuple(rows.frame.columns) == platforms.GOOGLE_COLUMNS
    first = rows.frame.iloc[0]
    assert first["Email"] == sha("john.doe@example.com")
    assert first["First Name"] == sha("john") and first["Last Name"] == sha("doe")
    assert (first["Country"], first["Zip"]) == ("GB", "SW19 0ED")
    assert rows.invalid == {"email": 1, "phone": 1}
    assert rows.usable.tolist() == [True, True, False]  # row 2: a full mailing address


def test_meta_rows_hash_everything_but_value():
    contacts = pd.DataFrame(
        {
            "email": ["a@b.com", "c@d.org"],
            "first_name": ["Zoë", "Al"],
            "city": ["Köln", "Paris"],
            "country": ["Germany", "France"],
            "value": [120.456, -5.0],
        }
    )
    rows = platforms.platform_rows(contacts, "meta")
    assert list(rows.frame.columns) == ["email", "phone", "fn", "ct", "country", "value"]
    assert rows.frame["fn"][0] == sha("zoë") and rows.frame["ct"][0] == sha("köln")
    assert rows.frame["country"][1] == sha("fr")
    assert rows.frame["value"].tolist() == [120.46, 0.0]  # no negative values for lookalikes


def test_no_raw_identifier_survives_in_a_hashed_frame():
    customers = generate(300, seed=9).customers
    for platform in platforms.PLATFORMS:
        rows = platforms.platform_rows(customers, platform, default_country="GB")
        data = rows.frame.drop(columns=["Country", "Zip"], errors="ignore").to_csv(index=False)
        for column in ("email", "phone", "first_name", "last_name"):
            for raw in customers[column].dropna():
                text = str(raw).strip()
                assert text not in data and text.lower() not in data, (platform, column, text)

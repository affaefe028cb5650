"""Features and their values in plain words."""

import numpy as np
import pytest

from segmentation.features.definitions import FEATURE_HELP
from segmentation.profiles import words as naming


def test_feature_words_cover_the_features_step():
    plain = [f for f in FEATURE_HELP if f not in ("customer_id", "share_<category>", "country")]
    assert all(f in naming.FEATURE_WORDS for f in plain)
    assert naming.format_value("return_rate", 0.5) == "50%"
    assert naming.format_value("monetary", np.nan) == "—"


def test_values_read_as_people_write_them():
    assert naming.format_value("aov", 7.25) == "7.2"
    assert naming.format_value("share_home", 0.004) == "0.4%"
    assert naming.format_value("frequency", None) == "—"
    assert naming.feature_words("share_home_garden") == "share of home garden"
    assert naming.is_rate("share_toys") and not naming.is_rate("monetary")


def test_a_return_rate_over_100_percent_is_explained():
    from segmentation.profiles.words import return_rate_note

    assert "returned more than they bought" in return_rate_note(2.5)
    assert "250%" in return_rate_note(2.5)
    assert return_rate_note(0.51) is None and return_rate_note(None) is None


@pytest.mark.parametrize(
    ("column", "words"),
    [
        ("NumStorePurchases", "Num Store Purchases"),
        ("MntWines", "Mnt Wines"),
        ("AcceptedCmp5", "Accepted Cmp5"),
        ("CustomerID", "Customer ID"),
        ("VIPLevel", "VIP Level"),
        ("Dt_Customer_days_ago", "Dt Customer days ago"),
        ("Annual Income (k$)", "Annual Income (k$)"),
        ("ALLCAPS", "ALLCAPS"),
    ],
)
def test_joined_capitals_of_a_crm_export_are_read_as_words(column, words):
    assert naming.feature_words(column) == words

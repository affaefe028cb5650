"""Words for features and their values, as a marketer reads them in tables, rules and names.

>>> feature_words("recency_days"), format_value("return_rate", 0.274)
('days since last order', '27%')
"""

from __future__ import annotations

import re

import pandas as pd

# Words for features in rules, tables and descriptions.
FEATURE_WORDS: dict[str, str] = {
    "recency_days": "days since last order",
    "frequency": "orders",
    "monetary": "net revenue",
    "gross_revenue": "gross revenue",
    "returns_value": "value returned",
    "return_rate": "return rate",
    "aov": "average order value",
    "tenure_days": "days since first order",
    "days_between_orders": "days between orders",
    "items_per_order": "items per order",
    "distinct_products": "distinct products",
    "distinct_categories": "distinct categories",
    "orders_last_90d": "orders in the last 90 days",
    "orders_prev_90d": "orders 91-180 days ago",
    "frequency_repeat": "repeat orders",
    "recency_btyd": "days from first to last order",
    "T": "days from the first order to the last day observed",
}
RATE_FEATURES = ("return_rate",)  # shown as percentages, as are share_<category> columns


def feature_words(feature: str) -> str:
    """The plain words for a feature column: underscores and joined capitals become spaces.

    >>> feature_words("recency_days"), feature_words("share_home"), feature_words("Annual_Income")
    ('days since last order', 'share of home', 'Annual Income')
    >>> feature_words("NumStorePurchases"), feature_words("AcceptedCmp5"), feature_words("VIPLevel")
    ('Num Store Purchases', 'Accepted Cmp5', 'VIP Level')
    """
    if feature in FEATURE_WORDS:
        return FEATURE_WORDS[feature]
    if feature.startswith("share_"):
        return "share of " + feature[len("share_") :].replace("_", " ")
    spaced = _JOINED_CAPITALS.sub(" ", feature.replace("_", " "))
    return " ".join(spaced.split()) or feature


# Where a lower-case letter meets a capital (StorePurchases), or an acronym meets a word (VIPLevel)
_JOINED_CAPITALS = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def is_rate(feature: str) -> bool:
    """Whether a feature is a share in [0, 1], shown as a percentage."""
    return feature in RATE_FEATURES or feature.startswith("share_")


def format_value(feature: str, value: float | None, *, share: bool = False) -> str:
    """A feature value written for people: percentages for rates (and for the mean of a yes/no
    column, ``share``), few digits otherwise.

    >>> format_value("return_rate", 0.274), format_value("monetary", 1234.5)
    ('27%', '1,234')
    >>> format_value("aov", 7.25), format_value("frequency", 23.0)
    ('7.2', '23')
    >>> format_value("AcceptedCmp5", 0.0732, share=True)
    '7%'
    """
    if value is None or pd.isna(value):
        return "—"
    if share or is_rate(feature):
        return f"{value:.0%}" if abs(value) >= 0.01 or value == 0 else f"{value:.1%}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10 or float(value).is_integer():
        return f"{value:,.1f}".removesuffix(".0")
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.1f}"


def return_rate_note(rate: float | None) -> str | None:
    """What a return rate over 100% means, said once beside it (None when nothing to say).

    >>> return_rate_note(2.5)[:30]
    'A return rate of 250%: these c'
    """
    if rate is None or not rate > 1:
        return None
    return (
        f"A return rate of {rate:.0%}: these customers returned more than they bought in the "
        "period, often returns of purchases made before it."
    )

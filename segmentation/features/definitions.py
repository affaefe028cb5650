"""What the features are: their meanings, the default behavioural set, and the build's choices.

>>> "recency_days" in BEHAVIOURAL_FEATURES and "recency_days" in FEATURE_HELP
True
"""

from __future__ import annotations

FEATURE_HELP: dict[str, str] = {
    "customer_id": "The customer's id, as text.",
    "recency_days": "Days from the last purchase to the as-of date.",
    "frequency": "Number of orders: distinct order ids among purchase lines "
    "(without an order id role: distinct purchase days).",
    "monetary": "Net revenue: all purchase and return amounts summed.",
    "gross_revenue": "Revenue of purchase lines (amount >= 0).",
    "returns_value": "Value of returns (lines with amount < 0), as a positive number.",
    "return_rate": "returns_value / gross_revenue.",
    "aov": "Average order value: gross_revenue / frequency.",
    "tenure_days": "Days from the first purchase to the as-of date.",
    "days_between_orders": "(last - first purchase date in days) / (frequency - 1); "
    "empty for one order.",
    "items_per_order": "Sum of purchase quantities / frequency.",
    "distinct_products": "Number of distinct products bought.",
    "distinct_categories": "Number of distinct categories bought.",
    "share_<category>": "Purchase revenue in that category / gross_revenue, for each of the top "
    "categories by purchase revenue.",
    "country": "The customer's most frequent country among purchase lines (ties: alphabetical).",
    "orders_last_90d": "Orders dated in the 90 days before the as-of date.",
    "orders_prev_90d": "Orders dated 91 to 180 days before the as-of date.",
    "frequency_repeat": "Repeat orders: frequency - 1 (lifetimes / pymc-marketing 'frequency').",
    "recency_btyd": "Days from the first to the last purchase (lifetimes 'recency').",
    "T": "Days from the first purchase to the observation end, the day before the as-of date "
    "(lifetimes 'T').",
}

# Numeric transaction features a default segmentation uses (after log + standard scaling).
# Left out: near-duplicates (gross_revenue, frequency_repeat, recency_btyd, T), counts that are
# mostly zero (orders_last_90d/prev_90d), and days_between_orders (empty for one-time buyers).
BEHAVIOURAL_FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "aov",
    "tenure_days",
    "return_rate",
    "items_per_order",
    "distinct_products",
)

ON_DUPLICATE = ("refuse", "first")
MAX_TOP_CATEGORIES = 50
DEFAULT_TOP_CATEGORIES = 8  # share_<category> columns for the top categories by revenue

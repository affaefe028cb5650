"""The pandas peer: the same customer features as `segment features`, with ``groupby``.

Written the way a competent analyst would in a notebook: vectorized ``groupby`` and named
aggregations, no Python loop over rows or customers. The definitions follow
``segmentation.features.FEATURE_HELP``: orders are distinct order ids among purchase lines,
returns are lines with amount < 0, ``as_of`` is the day after the last transaction date, and
days are calendar-day differences. It assumes what the sample data guarantees: every line has
an order id (the library also counts a purchase line without one as an order of its day).

Run as its own process by the benchmark; it times the read and the computation apart:

    python -m benchmarks.pandas_features LINES.parquet OUT.parquet
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

import pandas as pd

from benchmarks.harness import self_peak_mb

TOP_CATEGORIES = 8  # as `segment features` by default


def read_lines(path: str | Path) -> pd.DataFrame:
    """The transaction lines, as a notebook would read them."""
    return pd.read_parquet(path)


def customer_features(tx: pd.DataFrame, top_categories: int = TOP_CATEGORIES) -> pd.DataFrame:
    """One row per customer with a purchase: RFM, behaviour, category shares, country.

    ``tx`` has the sample's columns: customer_id, order_id, order_date, product, category,
    quantity, unit_price, country. The result is sorted by customer_id and carries ``as_of``
    in ``result.attrs``.
    """
    day = tx["order_date"].dt.normalize()
    amount = tx["quantity"] * tx["unit_price"]
    as_of = day[tx["customer_id"].notna()].max() + pd.Timedelta(days=1)
    lines = tx.assign(day=day, amount=amount)
    keep = lines["customer_id"].notna() & day.notna() & amount.notna() & (day < as_of)
    if not keep.all():
        lines = lines[keep]
    is_return = lines["amount"] < 0
    buy = lines[~is_return]

    orders = buy.groupby(["customer_id", "order_id"], sort=False)["day"].min()
    age = (as_of - orders).dt.days
    per_order = pd.DataFrame({"recent": age <= 90, "previous": age.between(91, 180)})
    counts = per_order.groupby(level="customer_id").agg(
        frequency=("recent", "size"),
        orders_last_90d=("recent", "sum"),
        orders_prev_90d=("previous", "sum"),
    )
    bought = buy.groupby("customer_id").agg(
        gross_revenue=("amount", "sum"),
        first_day=("day", "min"),
        last_day=("day", "max"),
        purchased_items=("quantity", "sum"),
        distinct_products=("product", "nunique"),
    )
    monetary = lines.groupby("customer_id")["amount"].sum()
    returned = -lines.loc[is_return].groupby("customer_id")["amount"].sum()

    out = counts.join(bought, how="inner")
    out["monetary"] = monetary
    out["returns_value"] = returned.reindex(out.index, fill_value=0.0)
    gross = out["gross_revenue"].where(out["gross_revenue"] != 0)
    out["return_rate"] = out["returns_value"] / gross
    out["aov"] = out["gross_revenue"] / out["frequency"]
    out["recency_days"] = (as_of - out["last_day"]).dt.days
    out["tenure_days"] = (as_of - out["first_day"]).dt.days
    span = (out["last_day"] - out["first_day"]).dt.days
    out["days_between_orders"] = (span / (out["frequency"] - 1)).where(out["frequency"] > 1)
    out["items_per_order"] = out["purchased_items"] / out["frequency"]

    by_category = buy.groupby(["customer_id", "category"])["amount"].sum()
    out["distinct_categories"] = (
        by_category.groupby(level="customer_id").size().reindex(out.index, fill_value=0)
    )
    revenue = by_category.groupby(level="category").sum().reset_index()
    top = revenue.sort_values(["amount", "category"], ascending=[False, True])["category"]
    top = top.head(top_categories).tolist()
    shares = by_category.unstack("category", fill_value=0.0).reindex(index=out.index, columns=top)
    for category in top:
        out[_share_name(category)] = shares[category].fillna(0.0) / gross

    per_country = buy.groupby(["customer_id", "country"]).size().reset_index(name="lines")
    per_country = per_country.sort_values(
        ["customer_id", "lines", "country"], ascending=[True, False, True]
    )
    out["country"] = per_country.drop_duplicates("customer_id").set_index("customer_id")["country"]

    out["frequency_repeat"] = out["frequency"] - 1
    out["recency_btyd"] = span
    out["T"] = out["tenure_days"] - 1  # to the observation end, the day before as_of
    shares = [_share_name(c) for c in top]
    out = out.reset_index()[[*_FIRST_COLUMNS, *shares, *_LAST_COLUMNS]]
    out.attrs["as_of"] = as_of.date().isoformat()
    return out.sort_values("customer_id", ignore_index=True)


# The column order of `segment features` (segmentation.features.FEATURE_HELP), around the shares.
_FIRST_COLUMNS = [
    "customer_id",
    "recency_days",
    "frequency",
    "monetary",
    "gross_revenue",
    "returns_value",
    "return_rate",
    "aov",
    "tenure_days",
    "days_between_orders",
    "items_per_order",
    "distinct_products",
    "distinct_categories",
]
_LAST_COLUMNS = [
    "country",
    "orders_last_90d",
    "orders_prev_90d",
    "frequency_repeat",
    "recency_btyd",
    "T",
]


def _share_name(category: str) -> str:
    return "share_" + (re.sub(r"[^a-z0-9]+", "_", str(category).lower()).strip("_") or "category")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lines", type=Path, help="Parquet file of transaction lines")
    parser.add_argument("out", type=Path, help="where to write the features (Parquet)")
    args = parser.parse_args(argv)
    start, cpu = time.perf_counter(), time.process_time()
    tx = read_lines(args.lines)
    read, read_cpu = time.perf_counter() - start, time.process_time() - cpu
    read_peak = self_peak_mb()
    start, cpu = time.perf_counter(), time.process_time()
    features = customer_features(tx)
    compute, compute_cpu = time.perf_counter() - start, time.process_time() - cpu
    features.to_parquet(args.out, index=False)  # not timed: only for the agreement check
    facts = {
        "read_seconds": read,
        "read_cpu_seconds": read_cpu,
        "read_peak_mb": read_peak,
        "compute_seconds": compute,
        "compute_cpu_seconds": compute_cpu,
        "rows": len(tx),
        "customers": len(features),
        "as_of": features.attrs["as_of"],
    }
    print(json.dumps(facts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

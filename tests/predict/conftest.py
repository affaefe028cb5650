"""The CDNOW 1/10 sample as the published papers use it: weeks, calibration to 1997-09-30."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

CDNOW = "cdnow/CDNOW_sample.txt"
CALIBRATION_END = pd.Timestamp("1997-09-30")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def read_cdnow(path: Path) -> pd.DataFrame:
    """Columns: customer id (in the full data), customer id (in the sample), date YYYYMMDD,
    number of CDs, dollar value (see lifetimes.datasets and Fader & Hardie's notes)."""
    frame = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["master_id", "customer_id", "date", "cds", "value"],
        dtype={"master_id": str, "customer_id": str, "date": str},
    )
    frame["date"] = pd.to_datetime(frame["date"], format="%Y%m%d")
    return frame


def weekly_summary(lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Frequency (repeat purchase days), recency and T in weeks, mean repeat-day value:
    computed here with pandas, apart from the library's SQL."""
    cal = lines[lines["date"] <= end]
    days = cal.groupby(["customer_id", "date"], as_index=False)["value"].sum()
    days = days.sort_values(["customer_id", "date"])
    days["k"] = days.groupby("customer_id").cumcount()
    per = days.groupby("customer_id").agg(
        orders=("date", "size"), first=("date", "min"), last=("date", "max")
    )
    repeat_value = days[days["k"] > 0].groupby("customer_id")["value"].mean()
    out = pd.DataFrame(
        {
            "frequency": per["orders"] - 1.0,
            "recency": (per["last"] - per["first"]).dt.days / 7.0,
            "T": (end - per["first"]).dt.days / 7.0,
        }
    )
    out["monetary_value"] = repeat_value.reindex(out.index).fillna(0.0)
    return out


@pytest.fixture(scope="session")
def cdnow_lines(shared_data_session) -> pd.DataFrame:
    return read_cdnow(shared_data_session / CDNOW)


@pytest.fixture(scope="session")
def cdnow(cdnow_lines) -> pd.DataFrame:
    return weekly_summary(cdnow_lines, CALIBRATION_END)


@pytest.fixture(scope="session")
def shared_data_session() -> Path:
    if not (SHARED / CDNOW).exists():
        pytest.skip(f"../shared/data is not here: {SHARED / CDNOW} is missing.")
    return SHARED


@pytest.fixture(scope="session")
def cdnow_xtT(cdnow) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(frequency, recency, T) of the CDNOW calibration summary, as arrays."""
    return tuple(cdnow[c].to_numpy(float) for c in ("frequency", "recency", "T"))


@pytest.fixture(scope="session")
def shop_csv():
    """``shop_csv(path, customers=600, seed=0)``: write a synthetic shop's transactions."""
    return _write_shop


def _write_shop(path: Path, customers: int = 600, seed: int = 0, days: int = 540) -> Path:
    """A transactions CSV in Online Retail's shape (InvoiceNo, StockCode, Quantity,
    InvoiceDate, UnitPrice, CustomerID): customers buying at gamma-distributed rates and
    leaving with beta-distributed probabilities after each order, two lines per order, and a
    return now and then (a negative quantity under its own invoice)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2023-01-01")
    rows = []
    invoice = 100000
    for c in range(customers):
        rate = rng.gamma(0.8, 1 / 30.0)
        leave = rng.beta(1.0, 4.0)
        scale = rng.gamma(3.0, 1.5)
        day = int(rng.integers(0, 120))
        while day < days:
            invoice += 1
            when = start + pd.Timedelta(days=day, hours=int(rng.integers(8, 20)))
            for item in range(2):
                price = round(float(rng.gamma(4.0, scale)), 2)
                rows.append(
                    (f"{invoice}", f"P{item}", int(rng.integers(1, 4)), when, price, 10000 + c)
                )
            if rng.random() < 0.05:
                rows.append((f"C{invoice}", "P0", -1, when + pd.Timedelta(days=2), 5.0, 10000 + c))
            if rng.random() < leave:
                break
            day += max(1, int(rng.exponential(1 / max(rate, 1e-6))))
    frame = pd.DataFrame(
        rows,
        columns=["InvoiceNo", "StockCode", "Quantity", "InvoiceDate", "UnitPrice", "CustomerID"],
    )
    frame["InvoiceDate"] = frame["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")
    frame.to_csv(path, index=False)
    return path

"""Deterministic synthetic e-commerce data with planted customer behaviours.

:func:`generate` builds three tables: invoice lines (purchases and returns), a messy CRM-style
customer table, and the ground truth (which behaviour each customer was generated from). The
behaviours are chosen so that standard RFM/behaviour features separate them, which makes the
data useful for demos and for testing that clustering recovers known groups.

Everything is drawn from ``numpy.random.default_rng(seed)``, so the same arguments always give
the same tables. E-mail addresses use reserved ``example`` domains and UK, US and French phone
numbers use the ranges set aside for fiction, so the data cannot reach real people.

>>> data = generate(200, seed=1)
>>> sorted(data.truth["behaviour"].unique()) == sorted(BEHAVIOURS)
True
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import param_error

BEHAVIOURS: tuple[str, ...] = (
    "loyal_high_spender",
    "new_customer",
    "lapsed_one_timer",
    "bargain_hunter",
    "frequent_returner",
)
SHARES: tuple[float, ...] = (0.15, 0.20, 0.30, 0.20, 0.15)
MIN_CUSTOMERS, MAX_CUSTOMERS = 10, 5_000_000


@dataclass(frozen=True)
class _Profile:
    orders: tuple[int, int]  # purchase orders per customer (inclusive)
    recency: tuple[int, int]  # days before end_date of the last purchase
    tenure: tuple[int, int]  # days before end_date of the first purchase (at least recency)
    lines: tuple[int, int]  # lines per order
    extra_units: float  # Poisson mean of units per line beyond the first
    price_band: tuple[float, float]  # price-rank quantiles of the products bought
    sale_share: float  # share of lines bought at a discount
    return_prob: tuple[float, float]  # per-customer probability that a line is returned


PROFILES: dict[str, _Profile] = {
    "loyal_high_spender": _Profile(
        (15, 32), (0, 20), (400, 729), (1, 4), 0.4, (0.5, 1.0), 0.05, (0.0, 0.04)
    ),
    "new_customer": _Profile((1, 2), (0, 45), (0, 45), (1, 4), 0.2, (0.0, 1.0), 0.1, (0.0, 0.0)),
    "lapsed_one_timer": _Profile(
        (1, 1), (250, 700), (0, 0), (1, 4), 0.2, (0.0, 1.0), 0.1, (0.0, 0.0)
    ),
    "bargain_hunter": _Profile(
        (5, 12), (30, 160), (200, 700), (2, 6), 2.5, (0.0, 0.25), 0.7, (0.0, 0.03)
    ),
    "frequent_returner": _Profile(
        (4, 10), (3, 90), (120, 600), (1, 4), 0.3, (0.3, 1.0), 0.1, (0.42, 0.62)
    ),
}

CATEGORIES: dict[str, float] = {  # category -> median unit price
    "Apparel": 35,
    "Shoes": 70,
    "Beauty": 18,
    "Home": 45,
    "Electronics": 120,
    "Books": 14,
    "Toys": 22,
    "Sports": 40,
}
N_PRODUCTS = 500

# country -> (share, first names, last names, phone templates, [(city, zip template)]).
# In templates "#" is a random digit and "@" a random capital letter.
COUNTRIES: dict[str, tuple] = {
    "United Kingdom": (
        0.40,
        "Oliver,Amelia,Harry,Isla,Jack,Emily,George,Sophie,Charlie,Grace,Thomas,Lucy",
        "Smith,Jones,Taylor,Brown,Williams,Wilson,Johnson,Davies,Evans,O'Brien,Walker,Wright",
        ["020 7946 0###", "+44 20 7946 0###", "07700 900###", "+44 7700 900###", "07700900###"],
        [
            ("London", "SW1# #@@"),
            ("Manchester", "M1# #@@"),
            ("Birmingham", "B1# #@@"),
            ("Leeds", "LS1# #@@"),
            ("Glasgow", "G1# #@@"),
            ("Bristol", "BS1# #@@"),
        ],
    ),
    "Germany": (
        0.15,
        "Lukas,Anna,Leon,Lea,Felix,Marie,Jonas,Sophie,Paul,Hannah,Maximilian,Lena",
        "Müller,Schmidt,Schneider,Fischer,Weber,Meyer,Wagner,Becker,Schulz,Hoffmann,Koch,Richter",
        ["030 ######", "+49 30 ######", "0151 ########", "+49 151 ########", "089/#######"],
        [
            ("Berlin", "10###"),
            ("Hamburg", "20###"),
            ("München", "80###"),
            ("Köln", "50###"),
            ("Frankfurt am Main", "60###"),
        ],
    ),
    "France": (
        0.12,
        "Lucas,Emma,Hugo,Chloé,Louis,Léa,Gabriel,Manon,Arthur,Camille,Jules,Inès",
        "Martin,Bernard,Dubois,Thomas,Robert,Richard,Petit,Durand,Leroy,Moreau,Lefèvre,Girard",
        ["01 99 00 ## ##", "+33 1 99 00 ## ##", "06 39 98 ## ##", "+33 6 39 98 ## ##"],
        [
            ("Paris", "750##"),
            ("Lyon", "6900#"),
            ("Marseille", "130##"),
            ("Toulouse", "310##"),
            ("Nice", "060##"),
        ],
    ),
    "Spain": (
        0.08,
        "Hugo,Lucía,Martín,Sofía,Pablo,María,Daniel,Paula,Alejandro,Carmen,Javier,Elena",
        "García,Fernández,González,Rodríguez,López,Martínez,Sánchez,Pérez,Gómez,Ruiz,Díaz,Moreno",
        ["91# ### ###", "+34 91# ### ###", "6## ### ###", "+34 6## ### ###"],
        [("Madrid", "280##"), ("Barcelona", "080##"), ("Valencia", "460##"), ("Sevilla", "410##")],
    ),
    "Netherlands": (
        0.08,
        "Daan,Emma,Sem,Julia,Lucas,Tess,Levi,Sophie,Finn,Anna,Noah,Saar",
        "de Jong,Jansen,de Vries,van den Berg,van Dijk,Bakker,Janssen,Visser,Smit,Meijer,"
        "de Boer,Mulder",
        ["020 ### ####", "+31 20 ### ####", "06 ########", "+31 6 ########", "06-########"],
        [
            ("Amsterdam", "10## @@"),
            ("Rotterdam", "30## @@"),
            ("Utrecht", "35## @@"),
            ("Den Haag", "25## @@"),
        ],
    ),
    "United States": (
        0.17,
        "James,Olivia,Michael,Emma,William,Ava,David,Sophia,John,Isabella,Robert,Mia",
        "Smith,Johnson,Williams,Brown,Jones,Garcia,Miller,Davis,Rodriguez,Martinez,Anderson,Lee",
        [
            "(212) 555-01##",
            "+1 415-555-01##",
            "312.555.01##",
            "(617) 555-01##",
            "+1 206 555 01##",
            "21255501##",
        ],
        [
            ("New York", "100##"),
            ("Los Angeles", "900##"),
            ("Chicago", "606##"),
            ("Houston", "770##"),
            ("Seattle", "981##"),
            ("Boston", "021##"),
        ],
    ),
}
EMAIL_DOMAINS = ["example.com", "example.net", "example.org", "mail.example.com"]
HOUR_WEIGHTS = np.array([1, 1, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 9, 8, 8, 8, 9, 10, 11, 11, 9, 6])


@dataclass(frozen=True)
class SampleData:
    """The generated tables.

    ``transactions``: one row per invoice line (returns have negative quantity and an order id
    starting with "R"); ``customers``: one row per customer with contact fields; ``truth``:
    ``customer_id`` and the planted ``behaviour``.
    """

    transactions: pd.DataFrame
    customers: pd.DataFrame
    truth: pd.DataFrame


def generate(customers: int = 3000, *, seed: int = 42, end_date: str = "2025-06-30") -> SampleData:
    """Generate a synthetic shop: about two years of orders ending at ``end_date``.

    >>> data = generate(50, seed=3)
    >>> len(data.customers), list(data.truth.columns)
    (50, ['customer_id', 'behaviour'])
    """
    _check_customers(customers)
    rng = np.random.default_rng(seed)
    end = pd.Timestamp(end_date).normalize()
    behaviour = _assign_behaviours(rng, customers)
    home = rng.choice(len(COUNTRIES), customers, p=[c[0] for c in COUNTRIES.values()])
    catalogue = _catalogue(rng)
    lines = _purchase_lines(rng, behaviour, end, catalogue)
    returns = _return_lines(rng, lines, end + pd.Timedelta(hours=23, minutes=59))
    ids = _ids("C", np.arange(1, customers + 1), 5)
    tx = _transactions(rng, lines, returns, catalogue, home, ids)
    first_buy = lines.groupby("cust")["ts"].min().reindex(np.arange(customers)).to_numpy()
    crm = _customers(rng, ids, home, first_buy)
    truth = pd.DataFrame({"customer_id": ids, "behaviour": np.array(BEHAVIOURS)[behaviour]})
    return SampleData(transactions=tx, customers=crm, truth=truth)


def write_sample(out_dir: str | Path, customers: int = 3000, *, seed: int = 42) -> dict[str, Path]:
    """Generate the sample and write transactions.csv, customers.csv and truth.csv.

    >>> paths = write_sample("sample_data", customers=3000, seed=42)  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['customers', 'transactions', 'truth']
    """
    data = generate(customers, seed=seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f"{name}.csv" for name in ("transactions", "customers", "truth")}
    data.transactions.to_csv(paths["transactions"], index=False, date_format="%Y-%m-%d %H:%M")
    data.customers.to_csv(paths["customers"], index=False, date_format="%Y-%m-%d")
    data.truth.to_csv(paths["truth"], index=False)
    return paths


def _check_customers(customers: object) -> None:
    ok = isinstance(customers, numbers.Integral) and not isinstance(customers, bool)
    if not ok or not MIN_CUSTOMERS <= customers <= MAX_CUSTOMERS:
        rule = f"an int in the range [{MIN_CUSTOMERS}, {MAX_CUSTOMERS}]"
        raise param_error("customers", rule, customers)


def _assign_behaviours(rng: np.random.Generator, n: int) -> np.ndarray:
    counts = np.floor(np.array(SHARES) * n).astype(int)
    counts[BEHAVIOURS.index("lapsed_one_timer")] += n - counts.sum()
    return rng.permutation(np.repeat(np.arange(len(BEHAVIOURS)), counts))


def _catalogue(rng: np.random.Generator) -> pd.DataFrame:
    cat = rng.integers(0, len(CATEGORIES), N_PRODUCTS)
    median = np.array(list(CATEGORIES.values()))[cat]
    price = np.maximum(np.floor(median * rng.lognormal(0.0, 0.45, N_PRODUCTS)), 1) + 0.99
    return pd.DataFrame(
        {
            "product": _ids("SKU-", np.arange(1, N_PRODUCTS + 1), 4),
            "category": np.array(list(CATEGORIES))[cat],
            "price": price,
            "rank": pd.Series(price).rank(pct=True, method="first").to_numpy(),
        }
    )


def _ids(prefix: str, values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded text ids; the width grows when the largest number needs more digits."""
    width = max(width, len(str(int(values.max())))) if len(values) else width
    return (prefix + pd.Series(values).astype(str).str.zfill(width)).to_numpy(dtype=object)


def _purchase_lines(
    rng: np.random.Generator, behaviour: np.ndarray, end: pd.Timestamp, cat: pd.DataFrame
) -> pd.DataFrame:
    """Purchase lines of every customer: cust, order, ts, product index, quantity, price."""
    frames, next_order = [], 0
    for b, name in enumerate(BEHAVIOURS):
        cust = np.flatnonzero(behaviour == b)
        frame = _behaviour_lines(rng, PROFILES[name], cust, end, cat)
        frame["order"] += next_order
        next_order += len(cust) * PROFILES[name].orders[1]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _behaviour_lines(
    rng: np.random.Generator, p: _Profile, cust: np.ndarray, end: pd.Timestamp, cat: pd.DataFrame
) -> pd.DataFrame:
    n = len(cust)
    k = rng.integers(p.orders[0], p.orders[1] + 1, n)
    last = rng.integers(p.recency[0], p.recency[1] + 1, n)
    first = np.maximum(last, rng.integers(p.tenure[0], p.tenure[1] + 1, n))
    ret_p = rng.uniform(p.return_prob[0], p.return_prob[1], n)
    c = np.repeat(np.arange(n), k)  # one entry per order
    pos = np.arange(len(c)) - np.repeat(np.cumsum(k) - k, k)
    ts = _order_times(rng, first[c], last[c], pos, k[c], end)
    n_lines = rng.integers(p.lines[0], p.lines[1] + 1, len(c))
    o = np.repeat(np.arange(len(c)), n_lines)  # one entry per line
    pool = np.flatnonzero((cat["rank"] > p.price_band[0]) & (cat["rank"] <= p.price_band[1]))
    product = pool[rng.integers(0, len(pool), len(o))]
    discount = np.where(rng.random(len(o)) < p.sale_share, rng.choice([0.2, 0.3, 0.5], len(o)), 0)
    price = np.round(cat["price"].to_numpy()[product] * (1 - discount), 2)
    return pd.DataFrame(
        {
            "cust": cust[c[o]],
            "order": k.cumsum()[c[o]] - k[c[o]] + pos[o],  # unique within this behaviour
            "ts": ts[o],
            "product": product,
            "quantity": 1 + rng.poisson(p.extra_units, len(o)),
            "unit_price": price,
            "return_p": ret_p[c[o]],
        }
    )


def _order_times(
    rng: np.random.Generator,
    first: np.ndarray,
    last: np.ndarray,
    pos: np.ndarray,
    k: np.ndarray,
    end: pd.Timestamp,
) -> pd.DatetimeIndex:
    """First order `first` days before end, last one `last` days before, the rest between."""
    days = rng.integers(last, first + 1)
    days = np.where(pos == 0, first, days)
    days = np.where(pos == k - 1, last, days)
    minutes = rng.choice(23, len(days), p=HOUR_WEIGHTS / HOUR_WEIGHTS.sum()) * 60
    minutes += rng.integers(0, 60, len(days))
    return end - pd.to_timedelta(days, unit="D") + pd.to_timedelta(minutes, unit="min")


def _return_lines(rng: np.random.Generator, lines: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Some purchase lines come back: one return order per returned purchase order."""
    ret = lines[rng.random(len(lines)) < lines["return_p"].to_numpy()].copy()
    qty = ret["quantity"].to_numpy()
    partial = rng.random(len(ret)) < 0.3
    ret["quantity"] = -np.where(partial, rng.integers(1, qty + 1), qty)
    orders, inv = np.unique(ret["order"].to_numpy(), return_inverse=True)
    gap = (end - ret["ts"]).to_numpy()
    wait = pd.to_timedelta(rng.uniform(1, 30, len(orders))[inv], unit="D").to_numpy()
    wait = np.minimum(wait, (gap * rng.uniform(0.3, 0.95, len(orders))[inv]).astype(gap.dtype))
    ret["ts"] = (ret["ts"] + wait).dt.floor("min")
    ret["order_src"] = ret["order"]
    ret["order"] = inv
    return ret


def _transactions(
    rng: np.random.Generator,
    lines: pd.DataFrame,
    returns: pd.DataFrame,
    cat: pd.DataFrame,
    home: np.ndarray,
    customer_ids: np.ndarray,
) -> pd.DataFrame:
    lines = lines.assign(order_id=_order_ids("O", lines), kind=0)
    returns = returns.assign(order_id=_order_ids("R", returns), kind=1)
    # A customer mostly orders from their home country; about 3% of orders come from elsewhere.
    orders = lines[["order", "cust"]].drop_duplicates("order")
    away = rng.random(len(orders)) < 0.03
    shift = np.where(away, rng.integers(1, len(COUNTRIES), len(orders)), 0)
    country = pd.Series((home[orders["cust"]] + shift) % len(COUNTRIES), index=orders["order"])
    returns = returns.assign(country=country.reindex(returns["order_src"]).to_numpy())
    lines = lines.assign(country=country.reindex(lines["order"]).to_numpy())
    both = pd.concat([lines, returns], ignore_index=True)
    both = both.sort_values(["ts", "kind", "order_id"], kind="stable", ignore_index=True)
    return pd.DataFrame(
        {
            "order_id": both["order_id"].astype("str"),
            "customer_id": pd.Series(customer_ids[both["cust"]], dtype="str"),
            "order_date": both["ts"],
            "product": pd.Series(cat["product"].to_numpy()[both["product"]], dtype="str"),
            "category": pd.Series(cat["category"].to_numpy()[both["product"]], dtype="str"),
            "quantity": both["quantity"].astype("int64"),
            "unit_price": both["unit_price"].astype("float64"),
            "country": pd.Series(np.array(list(COUNTRIES))[both["country"]], dtype="str"),
        }
    )


def _order_ids(prefix: str, frame: pd.DataFrame) -> np.ndarray:
    """Number orders in date order, e.g. O000001 for the earliest purchase."""
    heads = frame[["order", "ts"]].drop_duplicates("order").sort_values(["ts", "order"])
    ids = pd.Series(_ids(prefix, np.arange(1, len(heads) + 1), 6), index=heads["order"])
    return ids.reindex(frame["order"]).to_numpy()


def _fill(rng: np.random.Generator, template: str, n: int) -> np.ndarray:
    """Fill a template: "#" becomes a random digit and "@" a random capital letter."""
    out = np.full(n, "", dtype=object)
    for ch in template:
        if ch == "#":
            ch = rng.integers(0, 10, n).astype(str).astype(object)
        elif ch == "@":
            ch = np.array(list("ABDEFGHJLNPQRSTUWXYZ"), dtype=object)[rng.integers(0, 20, n)]
        out = out + ch
    return out


def _pick(rng: np.random.Generator, values: list, n: int) -> np.ndarray:
    return np.array(values, dtype=object)[rng.integers(0, len(values), n)]


def _customers(
    rng: np.random.Generator, ids: np.ndarray, home: np.ndarray, first_buy: np.ndarray
) -> pd.DataFrame:
    """CRM-style customer table: names, messy contact fields, address and signup date."""
    n = len(ids)
    cols = {k: np.empty(n, dtype=object) for k in ("first", "last", "phone", "city", "zip")}
    for c, (_, firsts, lasts, phones, cities) in enumerate(COUNTRIES.values()):
        rows = np.flatnonzero(home == c)
        m = len(rows)
        cols["first"][rows] = _pick(rng, firsts.split(","), m)
        cols["last"][rows] = _pick(rng, lasts.split(","), m)
        phone_kind, city_kind = rng.integers(0, len(phones), m), rng.integers(0, len(cities), m)
        for t, template in enumerate(phones):
            hit = rows[phone_kind == t]
            cols["phone"][hit] = _fill(rng, template, len(hit))
        for t, (city, template) in enumerate(cities):
            hit = rows[city_kind == t]
            cols["city"][hit] = city
            cols["zip"][hit] = _fill(rng, template, len(hit))
    signup = pd.DatetimeIndex(first_buy).normalize() - pd.to_timedelta(
        rng.integers(0, 120, n), unit="D"
    )
    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="str"),
            "first_name": pd.Series(cols["first"], dtype="str"),
            "last_name": pd.Series(cols["last"], dtype="str"),
            "email": pd.Series(_emails(rng, cols["first"], cols["last"]), dtype="str"),
            "phone": pd.Series(_blank(rng, cols["phone"], 0.05), dtype="str"),
            "country": pd.Series(np.array(list(COUNTRIES))[home], dtype="str"),
            "zip": pd.Series(_blank(rng, _messy_zip(rng, cols["zip"]), 0.01), dtype="str"),
            "city": pd.Series(cols["city"], dtype="str"),
            "signup_date": signup,
        }
    )


def _ascii_lower(names: np.ndarray) -> pd.Series:
    s = pd.Series(names, dtype="str").str.normalize("NFKD").str.encode("ascii", "ignore")
    return s.str.decode("ascii").str.lower().str.replace(r"[^a-z]", "", regex=True)


def _emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Addresses like anna.becker7@example.net, with typical CRM mess mixed in."""
    n = len(first)
    f, la = _ascii_lower(first), _ascii_lower(last)
    local = np.select(
        [rng.random(n) < x for x in (0.4, 0.6, 0.8)],
        [f + "." + la, f + la, f.str[0] + "." + la],
        f + "_" + la,
    ).astype(object)
    number = np.where(rng.random(n) < 0.5, rng.integers(1, 100, n).astype(str), "")
    email = local + number.astype(object) + "@" + _pick(rng, EMAIL_DOMAINS, n)
    roll = rng.random(n)
    email = np.where(roll < 0.01, np.char.replace(email.astype(str), "@", "").astype(object), email)
    email = np.where((roll >= 0.01) & (roll < 0.05), np.char.upper(email.astype(str)), email)
    email = np.where((roll >= 0.05) & (roll < 0.08), " " + email.astype(object) + " ", email)
    return _blank(rng, email.astype(object), 0.03)


def _messy_zip(rng: np.random.Generator, zips: np.ndarray) -> np.ndarray:
    lower = rng.random(len(zips)) < 0.05
    return np.where(lower, np.char.lower(zips.astype(str)), zips).astype(object)


def _blank(rng: np.random.Generator, values: np.ndarray, share: float) -> np.ndarray:
    return np.where(rng.random(len(values)) < share, None, values).astype(object)


SAMPLE_DIR = Path(__file__).resolve().parent / "data"  # package data; sample_data/ links here
DEMO_TABLES = {"sample_transactions": "transactions.csv", "sample_customers": "customers.csv"}


def load_demo(ws, *, if_empty: bool = False, progress=None) -> list:
    """Load the bundled sample files into a workspace (replacing earlier sample tables).

    With ``if_empty`` nothing is loaded when the workspace already has tables.
    Returns the TableInfo of each table loaded.

    >>> load_demo(open_workspace("/tmp/demo.duckdb"))  # doctest: +SKIP
    """
    from ..errors import IngestError
    from ..ingest.load import ingest_file

    if if_empty and ws.tables():
        return []
    missing = [f for f in DEMO_TABLES.values() if not (SAMPLE_DIR / f).is_file()]
    if missing:
        raise IngestError(
            f"The sample files {', '.join(missing)} are missing from {SAMPLE_DIR}; re-make them "
            "with `segment sample --customers 3000 --seed 42 --out segmentation/demo/data`."
        )
    return [
        ingest_file(ws, SAMPLE_DIR / file, table=table, replace=True, progress=progress)
        for table, file in DEMO_TABLES.items()
    ]

"""A real workspace for the page benchmark: every page with its full content, not its empty state.

:func:`make_real_workspace` writes seeded transaction lines (``customers`` customers, about 4.4
lines each over two years: orders of one to three lines, products skewed per customer group),
ingests them with :func:`segmentation.ingest.load.ingest_file` as a user would, and makes what
each page reads, with the library calls the pages make: the features at ``AS_OF`` (the last two
months of lines stay after it, for the readout and the migration), two k-means runs (k=6, then
k=4, the current run), a BG/NBD prediction (the Predict page's defaults), a recommendation set of
the current run (the Recommend page's defaults) and an export of the k=6 run with a 10% holdout.
The built workspace is kept in ``keep`` and reused; each benchmark works on a fresh copy of it
(the Results page's migration adds a run, which would change the next run's pages).

:class:`FullState` is what bench_app's ``pages`` does on top, on such a workspace: on the Results
page it reads out the campaign and follows the customers to ``LATER`` (clicks, no target), and
after every render it checks that the Predict, Recommend, Results and Customer pages show their
full state; a page that shows an empty state stops the benchmark, named.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from datetime import date
from pathlib import Path

FIRST_DAY = "2023-01-01"
DAYS = 730  # the lines run from FIRST_DAY over two years
AS_OF = date(2024, 11, 1)  # the features' date: two months of lines after it
LATER = date(2025, 1, 1)  # the migration's date
ORDERS_PER_CUSTOMER = 2.2
PRODUCTS = 400
TABLE, FEATURES = "transactions", "features"
HOLDOUT = 0.1


def lines_sql(customers: int) -> str:
    """The lines of ``customers`` customers (every one has an order), as one SELECT.

    Pseudo-random numbers are hashes of the order and line numbers, so the lines are the same
    on every run and any number of threads. Only integers made here are written into the text.
    """
    c, orders = int(customers), int(customers * ORDERS_PER_CUSTOMER)
    u = "(hash(o, {salt}) % 1000003) / 1000003.0"
    return f"""
        WITH o AS (
            SELECT o,
                CASE WHEN o < {c} THEN o
                     ELSE CAST(floor({c} * pow({u.format(salt=1)}, 2)) AS BIGINT) END AS c,
                CAST(hash(o, 2) % {DAYS} AS INTEGER) AS d,
                1 + CAST(hash(o, 3) % 3 AS INTEGER) AS n
            FROM range({orders}) t(o)
        ), l AS (SELECT o, c, d, unnest(range(n)) AS j FROM o),
        p AS (
            SELECT o, c, d, j, CAST(floor(150 * pow((hash(o, j, 4) % 10007) / 10007.0, 2))
                + 60 * (c % 6) AS INTEGER) % {PRODUCTS} AS p
            FROM l
        )
        SELECT 'O' || lpad(CAST(o AS VARCHAR), 8, '0') AS order_id,
            'C' || lpad(CAST(c AS VARCHAR), 7, '0') AS customer_id,
            TIMESTAMP '{FIRST_DAY}' + to_days(d) AS order_date,
            'P' || lpad(CAST(p AS VARCHAR), 4, '0') AS product,
            'Category ' || CAST(p % 12 AS VARCHAR) AS category,
            1 + CAST(hash(o, j, 5) % 4 AS INTEGER) AS quantity,
            round(2 + (p * 37 % 600) / 10.0, 2) AS unit_price,
            'GB' AS country
        FROM p ORDER BY order_date, order_id, j
    """


def write_lines(path: Path, customers: int) -> dict:
    """The lines as Parquet at ``path`` (written under a temporary name, then renamed)."""
    import duckdb

    tmp = path.with_name(path.name + ".tmp")
    duckdb.connect().sql(lines_sql(customers)).write_parquet(str(tmp))  # no path in the SQL
    tmp.replace(path)
    return line_facts(path)


def line_facts(path: Path) -> dict:
    """``{"lines", "customers"}`` of a Parquet file of lines."""
    import duckdb

    lines, people = (
        duckdb.connect()
        .execute("SELECT count(*), count(DISTINCT customer_id) FROM read_parquet(?)", [str(path)])
        .fetchall()[0]
    )
    return {"lines": int(lines), "customers": int(people)}


def _step(facts: dict, what: str, started: float) -> float:
    now = time.perf_counter()
    facts["seconds"][what] = round(now - started, 2)
    print(f"  real workspace: {what}: {now - started:.1f} s", file=sys.stderr, flush=True)
    return now


def build(workspace: Path, source: Path, facts: dict) -> dict:
    """Everything the pages read, made in ``workspace`` from the lines in ``source``."""
    from segmentation import predict
    from segmentation import recommend as rec
    from segmentation.export.plan import export_audience
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.segment.runs import run_segmentation
    from segmentation.workspace import open_workspace

    ws = open_workspace(workspace)
    try:
        t = time.perf_counter()
        ingest_file(ws, source, table=TABLE)
        t = _step(facts, "ingest", t)
        build_features(ws, TABLE, name=FEATURES, as_of=AS_OF)
        t = _step(facts, "features", t)
        first = run_segmentation(ws, FEATURES, algorithm="kmeans", params={"n_clusters": 6})
        current = run_segmentation(ws, FEATURES, algorithm="kmeans", params={"n_clusters": 4})
        t = _step(facts, "two k-means runs", t)
        predict.predict_table(ws, TABLE, horizon=365 / predict.UNITS["week"], discount_rate=0.1)
        t = _step(facts, "prediction (BG/NBD)", t)
        rec.recommend(ws, current.run_id, method=rec.METHODS[0], top=10)
        t = _step(facts, "recommendations", t)
        out = workspace.parent / "real-export" / "audience.csv"
        out.parent.mkdir(exist_ok=True)
        export_audience(ws, first.run_id, out, holdout=HOLDOUT, seed=0)
        _step(facts, "export with a holdout", t)
    finally:
        ws.close()
    return facts | {"runs": [first.run_id, current.run_id]}


def make_real_workspace(keep: Path, customers: int) -> Path:
    """A fresh copy of the kept real workspace of ``customers`` customers (built if need be)."""
    keep.mkdir(parents=True, exist_ok=True)
    built = keep / f"real-c{customers}-built.duckdb"
    facts_path = built.with_suffix(".json")
    started = time.perf_counter()
    if not (built.exists() and facts_path.exists()):
        source = keep / f"real-c{customers}-lines.parquet"
        made = write_lines(source, customers) if not source.exists() else line_facts(source)
        facts = {"lines": made["lines"], "lines_customers": made["customers"], "seconds": {}}
        _step(facts, "lines written", started)
        for stale in (built, built.with_name(built.name + ".wal")):
            stale.unlink(missing_ok=True)
        facts = build(built, source, facts)
        facts_path.write_text(json.dumps(facts) + "\n")
        print(f"  real workspace built: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    workspace = keep / f"real-c{customers}.duckdb"
    workspace.with_name(workspace.name + ".wal").unlink(missing_ok=True)
    shutil.copyfile(built, workspace)
    print(f"  real workspace ready: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return workspace


def _missing(at, page: str, what: str) -> list[str]:
    """What ``page``'s full state shows and the current render lacks."""
    metrics = {m.label for m in at.metric}
    heads = {h.value for h in at.subheader}
    infos = " ".join(i.value for i in at.info)
    need: list[tuple[str, bool]] = []
    if page == "predict":
        tabs = {t.label for t in at.tabs}
        need = [("the prediction's tabs", {"How good", "Value", "Maps"} <= tabs)]
        need.append(("the prediction's figures", "High churn risk" in metrics))
    elif page == "recommend":
        need = [("the set's evaluation", "Does it beat the bestsellers?" in heads)]
        need.append(("the per-customer preview", "Per customer" in heads))
    elif page == "results" and what != "first":
        need = [("the campaign readout", "Got the campaign" in metrics)]
        need.append(("the segment migration", "Stayed in their segment" in metrics))
    elif page == "results":
        need = [("the readout's form", any(b.key == "results_go" for b in at.button))]
    elif page == "customer" and what == "lookup":
        need = [("the customer's orders", "Orders" in metrics)]
        need.append(("what to offer", "No recommendations" not in infos))
        need.append(("what they are worth", "What they are worth" in heads))
    return [name for name, ok in need if not ok]


class FullState:
    """The real workspace's extra steps and checks, called by bench_app's ``pages``."""

    def act(self, session, page: str) -> None:
        """After the cold render: the Results page's two clicks (timed, no target)."""
        if page != "results":
            return
        at = session.at
        at.date_input(key="results_start").set_value(AS_OF)
        at.number_input(key="results_days").set_value(60)
        at.button(key="results_go").click()
        session.timed("results", "read out the campaign (click; first)", None)
        at.date_input(key="results_as_of").set_value(LATER)
        at.button(key="results_migrate").click()
        session.timed("results", f"follow the customers to {LATER} (click; first)", None)

    def check(self, at, page: str, what: str) -> None:
        """Stop the benchmark when ``page`` shows less than its full state."""
        missing = _missing(at, page, what)
        if missing:
            raise SystemExit(
                f"{page}: {what} render shows its empty state: no {', '.join(missing)}"
            )

"""Segment migration: identities kept, planted movers found, New and Gone, errors that change
nothing, RFM by its rules."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pandas as pd
import pytest

from segmentation.charts.measure import migration_sankey
from segmentation.demo.sample import write_sample
from segmentation.errors import InvalidParameterError
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.measure.migration import get_migration, migrate, migration_customers
from segmentation.measure.store import previous_segments
from segmentation.segment import runs
from segmentation.workspace import open_workspace

FIRST = "2025-01-01"


@pytest.fixture
def first(tmp_path: Path):
    write_sample(tmp_path, customers=600, seed=8)
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, tmp_path / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat", as_of=FIRST)
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3}, seed=1)
    yield ws, run, tmp_path
    ws.close()


def _state(ws) -> tuple:
    tables = ws.query("SELECT schema_name, table_name FROM duckdb_tables() ORDER BY 1, 2")
    return tables, [r.run_id for r in runs.list_runs(ws)]


def test_same_date_and_table_keeps_every_customer_in_their_segment(first):
    ws, run, _ = first
    m = migrate(ws, run.run_id, as_of=FIRST)
    assert (m.stayed_share, m.new, m.gone, m.customers) == (1.0, 0, 0, run.customers)
    per = migration_customers(ws, m.migration_id)
    assert (per["from_segment_id"] == per["to_segment_id"]).all()
    assert (per["from_segment"] == per["to_segment"]).all()
    assert list(per.columns) == [
        "customer_id",
        "from_segment_id",
        "from_segment",
        "to_segment_id",
        "to_segment",
    ]
    assert m.matrix["row_share"].tolist() == [1.0] * len(run.segments)


def test_planted_movers_new_and_gone_are_found(first):
    ws, run, folder = first
    lines = ws.query_df("SELECT * FROM tx WHERE order_date < DATE '2025-01-01'")
    feat = ws.query_df("SELECT customer_id, monetary FROM feat")
    seg = runs.assignments(ws, run.run_id).set_index("customer_id")["segment_id"]
    feat["segment_id"] = feat["customer_id"].map(seg)
    top = feat.sort_values("monetary").iloc[-1]
    low_segment = feat.groupby("segment_id")["monetary"].mean().idxmin()
    pool = feat[feat["segment_id"] == low_segment].sort_values("customer_id")
    movers, gone = list(pool["customer_id"][:10]), list(pool["customer_id"][10:15])
    copies = []
    for cid in movers:  # each mover also buys everything the best customer ever bought
        copy = lines[lines["customer_id"] == top["customer_id"]].copy()
        copy["customer_id"], copy["order_id"] = cid, copy["order_id"] + f"-{cid}"
        copies.append(copy)
    newcomers = lines[lines["customer_id"] == top["customer_id"]].copy()
    newcomers["customer_id"] = "NEW-1"
    kept = lines[~lines["customer_id"].isin(gone)]
    path = folder / "tx2.csv"
    pd.concat([kept, *copies, newcomers]).to_csv(path, index=False)
    ingest_file(ws, path, table="tx2")
    m = migrate(ws, run.run_id, as_of=FIRST, table="tx2")
    per = migration_customers(ws, m.migration_id).set_index("customer_id")
    assert (m.new, m.gone) == (1, 5)
    assert per.loc["NEW-1", "from_segment"] == "New" and pd.isna(
        per.loc["NEW-1", "from_segment_id"]
    )
    assert set(per.index[per["to_segment"] == "Gone"]) == set(gone)
    both = per.dropna(subset=["from_segment_id", "to_segment_id"])
    changed = set(both.index[both["from_segment_id"] != both["to_segment_id"]])
    assert changed == set(movers)  # the movers moved and nobody else did
    assert (both.loc[movers, "to_segment_id"] == top["segment_id"]).all()
    assert m.stayed_share == pytest.approx((len(both) - 10) / len(both))


def test_later_date_counts_new_customers_and_is_stored(first):
    ws, run, folder = first
    m = migrate(ws, run.run_id, as_of="2025-07-01")
    firsts = ws.query(
        "SELECT count(*) FROM (SELECT customer_id, min(order_date) AS d FROM tx GROUP BY 1) "
        "WHERE d >= DATE '2025-01-01'"
    )[0][0]
    assert (m.new, m.gone) == (firsts, 0)
    assert m.customers == run.customers + firsts
    shares = m.matrix.groupby("from_segment", sort=False)["row_share"].sum()
    assert shares.to_numpy() == pytest.approx(1.0)
    out = json.loads(json.dumps(m.to_dict()))
    assert set(out) == {
        "run_id",
        "from_as_of",
        "to_as_of",
        "customers",
        "stayed_share",
        "new",
        "gone",
        "matrix",
    }
    assert (out["from_as_of"], out["to_as_of"]) == (FIRST, "2025-07-01")
    assert set(out["matrix"][0]) == {"from_segment_id", "to_segment_id", "customers"}
    assert sum(r["customers"] for r in out["matrix"]) == m.customers
    later = runs.get_run(ws, m.to_run_id)
    assert [s.name for s in later.segments] == [s.name for s in run.segments]
    assert len(migration_sankey(m.matrix).data[0].link.value) == len(m.matrix)
    prev = previous_segments(ws, m.to_run_id)
    assert len(prev) == later.customers and prev["segment_changed"].sum() >= firsts
    ws.close()
    reopened = open_workspace(folder / "ws.duckdb")
    try:
        assert get_migration(reopened, m.migration_id).to_dict() == m.to_dict()
    finally:
        reopened.close()


def test_rfm_runs_migrate_by_their_rules(first):
    ws, _run, _ = first
    rfm = runs.run_segmentation(ws, "feat", algorithm="rfm")
    same = migrate(ws, rfm.run_id, as_of=FIRST)
    assert same.stayed_share == 1.0
    later = migrate(ws, rfm.run_id, as_of="2025-07-01")
    assert 0 < later.stayed_share < 1
    assert {s.name for s in runs.get_run(ws, later.to_run_id).segments} <= {
        s.name for s in rfm.segments
    }


def test_date_before_the_runs_as_of_is_refused_and_changes_nothing(first):
    ws, run, _ = first
    before = _state(ws)
    with pytest.raises(
        InvalidParameterError, match=r"2024-06-01 is before run r1's as_of date 2025-01-01"
    ):
        migrate(ws, run.run_id, as_of="2024-06-01")
    with pytest.raises(InvalidParameterError, match="'as_of' parameter must be a date"):
        migrate(ws, run.run_id, as_of="soon")
    assert _state(ws) == before


def test_table_without_the_roles_is_refused_and_changes_nothing(first):
    ws, run, folder = first
    path = folder / "notes.csv"
    pd.DataFrame({"note": ["a", "b"], "score": [1.5, 2.5]}).to_csv(path, index=False)
    ingest_file(ws, path, table="notes")
    before = _state(ws)
    with pytest.raises(InvalidParameterError, match="notes"):
        migrate(ws, run.run_id, as_of="2025-07-01", table="notes")
    with pytest.raises(InvalidParameterError, match="Table 'nowhere' is not in the workspace"):
        migrate(ws, run.run_id, as_of="2025-07-01", table="nowhere")
    assert _state(ws) == before


def test_a_model_that_cannot_assign_gets_a_clear_message(first):
    ws, run, _ = first
    blob = pickle.dumps({"pipeline": None, "model": object(), "prep": None, "linkage": None})
    with ws.transaction() as cur:  # a stored run whose model has no way to score new customers
        cur.execute(
            "UPDATE _seg.runs SET model = ? WHERE run_id = ?", [blob, run.run_id]
        ).fetchall()
    before = _state(ws)
    with pytest.raises(InvalidParameterError, match=r"Run r1's model \(kmeans\) cannot assign new"):
        migrate(ws, run.run_id, as_of="2025-07-01")
    assert _state(ws) == before


def test_export_of_the_later_run_adds_previous_segment_columns(first):
    from segmentation.export.contacts import column_choices
    from segmentation.export.plan import export_audience

    ws, run, folder = first
    assert "previous_segment" not in column_choices(ws, run.run_id)["features"]
    m = migrate(ws, run.run_id, as_of="2025-07-01")
    assert {"previous_segment", "segment_changed"} <= set(
        column_choices(ws, m.to_run_id)["features"]
    )
    out = folder / "later.csv"
    export_audience(ws, m.to_run_id, out, columns=("previous_segment", "segment_changed"))
    rows = pd.read_csv(out, dtype={"customer_id": str})
    assert list(rows.columns) == ["customer_id", "segment_id", "segment", "previous_segment", "segment_changed"]  # fmt: skip
    per = migration_customers(ws, m.migration_id).set_index("customer_id")
    expected = per.loc[rows["customer_id"], "from_segment"].to_numpy()
    assert (rows["previous_segment"].to_numpy() == expected).all()
    assert (rows["previous_segment"] == "New").sum() == m.new
    changed = per["from_segment_id"].ne(per["to_segment_id"]) | per["from_segment_id"].isna()
    assert rows["segment_changed"].sum() == changed.loc[rows["customer_id"]].sum()
    with pytest.raises(InvalidParameterError, match="There is no column 'previous_segment'"):
        export_audience(ws, run.run_id, folder / "first.csv", columns=("previous_segment",))

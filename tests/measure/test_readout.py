"""The campaign readout on a real workspace: planted lifts, null segments, counts, errors."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError, TableNotFoundError
from segmentation.ingest.load import ingest_file
from segmentation.measure.readout import campaign_readout

START = "2025-07-01"  # the sample's features are as of this day: the campaign starts then


def _snapshot(ws) -> list[tuple]:
    return ws.query(
        "SELECT schema_name, table_name, estimated_size FROM duckdb_tables() ORDER BY 1, 2"
    )


def test_planted_lift_found_in_one_segment_and_null_in_the_others(campaign):
    rates = {1: (0.6, 0.2), 2: (0.3, 0.3), 3: (0.3, 0.3)}
    campaign.plant(rates, seed=3)
    r = campaign_readout(campaign.ws, campaign.export_id, "december", start=START)
    by = {s.segment_id: s for s in r.segments}
    conv = by[1].conversion
    assert conv.lift_abs_low > 0 and conv.lift_abs_low < 0.4 < conv.lift_abs_high
    assert conv.p_adjusted < 0.001
    assert by[1].revenue_per_customer.lift_rel_low > 0
    assert "the campaign worked here" in by[1].verdict
    for sid in (2, 3):
        assert by[sid].conversion.p_adjusted > 0.01
    sizes = campaign.groups.groupby(["segment_id", "grp"]).size()
    assert [(s.audience, s.holdout) for s in r.segments] == [
        (sizes[(sid, "audience")], sizes[(sid, "holdout")]) for sid in (1, 2, 3)
    ]
    assert r.overall.audience == (campaign.groups["grp"] == "audience").sum()
    assert r.srm.ok


def test_figures_match_a_direct_computation(campaign):
    frame = campaign.plant({1: (0.5, 0.3), 2: (0.4, 0.4), 3: (0.2, 0.1)}, seed=4)
    r = campaign_readout(campaign.ws, campaign.export_id, "december", start=START)
    frame["amount"] = frame["quantity"] * frame["unit_price"].round(2)
    per = frame.groupby("customer_id").agg(
        revenue=("amount", "sum"), orders=("order_id", "nunique")
    )
    joined = campaign.groups.join(per, on="customer_id").fillna({"revenue": 0, "orders": 0})
    means = joined.groupby("grp")[["revenue", "orders"]].mean()
    conv = joined.assign(c=joined["orders"] > 0).groupby("grp")["c"].mean()
    o = r.overall
    assert o.revenue_per_customer.audience == pytest.approx(means.loc["audience", "revenue"])
    assert o.revenue_per_customer.holdout == pytest.approx(means.loc["holdout", "revenue"])
    assert o.orders_per_customer.audience == pytest.approx(means.loc["audience", "orders"])
    assert o.conversion.holdout == pytest.approx(conv["holdout"])
    lift = means.loc["audience", "revenue"] - means.loc["holdout", "revenue"]
    assert o.revenue_per_customer.incremental == pytest.approx(lift * o.audience)


def test_json_has_exactly_the_documented_keys(campaign):
    campaign.plant({1: (0.5, 0.3), 2: (0.4, 0.4), 3: (0.2, 0.1)})
    out = json.loads(
        json.dumps(
            campaign_readout(campaign.ws, campaign.export_id, "december", start=START).to_dict()
        )
    )
    assert set(out) == {
        "export_id",
        "outcomes",
        "start",
        "end",
        "overall",
        "segments",
        "srm",
        "warnings",
    }
    assert (out["start"], out["end"]) == (START, "2025-07-30")
    g_keys = {"audience", "holdout", "conversion", "revenue_per_customer", "orders_per_customer"}
    m_keys = {
        "audience",
        "holdout",
        "lift_abs",
        "lift_rel",
        "lift_rel_low",
        "lift_rel_high",
        "p_value",
    }
    assert set(out["overall"]) == g_keys
    assert set(out["segments"][0]) == g_keys | {"segment_id", "segment"}
    assert set(out["overall"]["conversion"]) == m_keys
    assert set(out["srm"]) == {"p_value", "ok"}


def test_missing_and_ignored_customers_are_counted(campaign):
    frame = campaign.plant({1: (0.5, 0.5), 2: (0.5, 0.5), 3: (0.5, 0.5)}, seed=5, table="lines")
    strangers = pd.DataFrame(
        {
            "order_id": ["X1", "X2", "X3"],
            "customer_id": ["Z001", "Z002", "Z002"],
            "order_date": [f"{START} 09:00"] * 3,
            "quantity": [1, 1, 1],
            "unit_price": [5.0, 5.0, 5.0],
        }
    )
    campaign.load(pd.concat([frame, strangers]), "december")
    r = campaign_readout(campaign.ws, campaign.export_id, "december", start=START)
    assert r.ignored == 2
    assert r.missing == len(campaign.groups) - frame["customer_id"].nunique()
    assert any("count as not converting" in w for w in r.warnings)
    assert any(
        "2 customers bought in the window but were in neither group" in w for w in r.warnings
    )


def test_cuped_reports_how_much_it_narrowed_the_interval(campaign):
    history = campaign.ws.query_df(
        "SELECT customer_id, order_id, order_date, quantity, unit_price FROM tx"
    )
    before = history.assign(order_date=pd.Timestamp("2025-06-15 10:00"))  # the 30 days before
    after = history.assign(
        order_date=pd.Timestamp("2025-07-15 10:00"),
        order_id=history["order_id"] + "b",
        unit_price=history["unit_price"] * np.random.default_rng(0).uniform(0.8, 1.2, len(history)),
    )
    campaign.load(pd.concat([before, after]), "both")
    r = campaign_readout(campaign.ws, campaign.export_id, "both", start=START, cuped=True)
    assert r.overall.revenue_per_customer.narrowing > 0.5  # after ~ before
    assert any("CUPED" in w and "narrowed" in w for w in r.warnings)


def test_sample_ratio_warning_when_the_holdout_lost_customers(campaign):
    campaign.plant({1: (0.5, 0.5), 2: (0.5, 0.5), 3: (0.5, 0.5)})
    with campaign.ws.transaction() as cur:  # the holdout record damaged: half of it gone
        cur.execute(
            "DELETE FROM _seg.export_holdouts WHERE export_id = ? AND hash(customer_id) % 2 = 0",
            [campaign.export_id],
        ).fetchall()
    r = campaign_readout(campaign.ws, campaign.export_id, "december", start=START)
    assert not r.srm.ok and r.to_dict()["srm"]["ok"] is False
    assert any(w.startswith("Sample ratio mismatch") for w in r.warnings)


# -- clear errors that change nothing ---------------------------------------------------------
def test_export_without_holdout_is_refused(campaign):
    from segmentation.export.plan import export_audience

    plain = export_audience(campaign.ws, campaign.run_id, campaign.folder / "plain.csv")
    before = _snapshot(campaign.ws)
    with pytest.raises(InvalidParameterError, match=rf"Export {plain.export_id} has no holdout"):
        campaign_readout(campaign.ws, plain.export_id, "tx", start=START)
    assert _snapshot(campaign.ws) == before


def test_outcomes_without_customer_or_date_role_is_refused(campaign):
    path = campaign.folder / "totals.csv"
    pd.DataFrame({"region": ["north", "south"], "total": [10.5, 20.25]}).to_csv(path, index=False)
    ingest_file(campaign.ws, path, table="totals")
    before = _snapshot(campaign.ws)
    with pytest.raises(InvalidParameterError, match="no column with the role 'customer_id'"):
        campaign_readout(campaign.ws, campaign.export_id, "totals", start=START)
    assert _snapshot(campaign.ws) == before


def test_empty_window_is_refused_with_the_tables_dates(campaign):
    before = _snapshot(campaign.ws)
    with pytest.raises(
        InvalidParameterError, match=r"no line from 2025-07-01 to 2025-07-30 .*2023-"
    ):
        campaign_readout(campaign.ws, campaign.export_id, "tx", start=START)
    assert _snapshot(campaign.ws) == before


def test_window_before_the_runs_as_of_is_refused(campaign):
    with pytest.raises(InvalidParameterError, match=r"before run r1's as_of date 2025-07-01"):
        campaign_readout(campaign.ws, campaign.export_id, "tx", start="2025-06-01")


def test_bad_parameters_name_the_parameter(campaign):
    with pytest.raises(
        InvalidParameterError, match=r"'days' parameter must be an int in the range \[1, 366\]"
    ):
        campaign_readout(campaign.ws, campaign.export_id, "tx", start=START, days=0)
    with pytest.raises(InvalidParameterError, match="'start' parameter must be a date"):
        campaign_readout(campaign.ws, campaign.export_id, "tx", start="July")
    with pytest.raises(TableNotFoundError, match="There is no export 'e9'"):
        campaign_readout(campaign.ws, "e9", "tx")


def test_recorded_audience_leaves_out_suppressed_customers(campaign):
    from segmentation.export.plan import export_audience
    from segmentation.export.suppression import Suppression

    gone = frozenset(campaign.groups["customer_id"].iloc[:7])
    result = export_audience(
        campaign.ws, campaign.run_id, campaign.folder / "supp.csv", holdout=0.3, seed=2,
        suppression=Suppression(ids=gone),
    )  # fmt: skip
    campaign.plant({1: (0.5, 0.5), 2: (0.5, 0.5), 3: (0.5, 0.5)})
    r = campaign_readout(campaign.ws, result.export_id, "december", start=START)
    assert (r.overall.audience, r.overall.holdout) == (result.rows, result.holdout_rows)
    assert not any("rebuilt" in w for w in r.warnings)


def test_an_export_made_before_audiences_were_recorded_is_rebuilt_with_a_note(campaign):
    from segmentation.export.plan import export_audience
    from segmentation.export.suppression import Suppression

    gone = frozenset(campaign.groups["customer_id"].iloc[:7])
    result = export_audience(
        campaign.ws, campaign.run_id, campaign.folder / "old.csv", holdout=0.3, seed=2,
        suppression=Suppression(ids=gone),
    )  # fmt: skip
    with campaign.ws.transaction() as cur:  # as an export written by the earlier version
        cur.execute("DELETE FROM _seg.export_audience WHERE export_id = ?", [result.export_id])
    campaign.plant({1: (0.5, 0.5), 2: (0.5, 0.5), 3: (0.5, 0.5)})
    r = campaign_readout(campaign.ws, result.export_id, "december", start=START)
    note = next(w for w in r.warnings if "rebuilt" in w)
    held = r.overall.audience - result.rows
    assert held > 0 and f"{held:,} more than its files held" in note

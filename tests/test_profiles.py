"""Segment profiles: shares, indices, top categories, names, rules, actions and charts."""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from sklearn.datasets import make_blobs

from segmentation.charts import profiles as charts
from segmentation.demo.sample import write_sample
from segmentation.errors import InvalidParameterError
from segmentation.features import summaries as stats
from segmentation.features.build import build_features
from segmentation.features.definitions import FEATURE_HELP
from segmentation.ingest.load import ingest_file
from segmentation.profiles import build as profiles
from segmentation.profiles import naming
from segmentation.profiles import rules as tree_rules
from segmentation.segment import rfm, runs
from segmentation.workspace.connection import open_workspace


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, customers=1500, seed=11)
    return out


@pytest.fixture(scope="module")
def ws(tmp_path_factory, sample_dir):
    ws = open_workspace(tmp_path_factory.mktemp("ws") / "ws.duckdb")
    ingest_file(ws, sample_dir / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def kmeans(ws):
    """A k-means run (k=5) and its profile; tests that rename use runs of their own."""
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    return profiles.build_profile(ws, run.run_id)


@pytest.fixture(scope="module")
def by_hand(ws, kmeans):
    """Each customer's features and segment, joined in pandas."""
    frame = stats.read_table(ws, "feat")
    return frame.merge(runs.assignments(ws, kmeans.run_id), on="customer_id")


def fresh_run(ws):
    return runs.run_segmentation(ws, "feat", params={"n_clusters": 5})


def test_shares_sum_to_one_and_sizes_match_the_run(ws, kmeans):
    run = runs.get_run(ws, kmeans.run_id)
    assert sum(s.share for s in kmeans.segments) == pytest.approx(1.0)
    assert sum(s.revenue_share for s in kmeans.segments) == pytest.approx(1.0)
    assert [s.size for s in kmeans.segments] == [s.size for s in run.segments]
    assert kmeans.customers == ws.table("feat").rows == 1500


def test_index_is_the_mean_ratio_times_100(kmeans, by_hand):
    means = by_hand.groupby("segment_id")["frequency"].mean()
    expected = means / by_hand["frequency"].mean() * 100
    for s in kmeans.segments:
        feature = s.features["frequency"]
        assert feature.index == pytest.approx(expected[s.segment_id])
        assert feature.mean == pytest.approx(means[s.segment_id])
        assert feature.median == pytest.approx(
            by_hand.loc[by_hand["segment_id"] == s.segment_id, "frequency"].median()
        )


def test_standardized_difference_uses_everyones_std(kmeans, by_hand):
    column = by_hand["recency_days"]
    mean = by_hand.groupby("segment_id")["recency_days"].mean()
    expected = (mean - column.mean()) / column.std(ddof=0)
    for s in kmeans.segments:
        assert s.features["recency_days"].std_diff == pytest.approx(expected[s.segment_id])


def test_revenue_share_is_the_segments_share_of_net_revenue(kmeans, by_hand):
    revenue = by_hand.groupby("segment_id")["monetary"].sum()
    for s in kmeans.segments:
        assert s.revenue_share == pytest.approx(revenue[s.segment_id] / revenue.sum())
    big = max(kmeans.segments, key=lambda s: s.revenue_share)
    assert big.revenue_share > 2 * big.share  # the planted high spenders


def test_top_categories_come_from_the_source_transactions(ws, kmeans, sample_dir):
    lines = pd.read_csv(sample_dir / "transactions.csv", dtype={"customer_id": str})
    lines["amount"] = lines["quantity"] * lines["unit_price"]
    lines = lines[lines["amount"] >= 0].merge(runs.assignments(ws, kmeans.run_id))
    overall = lines.groupby("category")["amount"].sum() / lines["amount"].sum()
    sid = kmeans.segments[0].segment_id
    mine = lines[lines["segment_id"] == sid]
    share = (mine.groupby("category")["amount"].sum() / mine["amount"].sum()).sort_values(
        ascending=False
    )
    top = kmeans.top(sid, "category")
    assert top["value"].tolist() == share.index[: len(top)].tolist()
    assert top["share"].to_numpy() == pytest.approx(share.iloc[: len(top)].to_numpy())
    expected_index = share / overall * 100
    assert top["index"].to_numpy() == pytest.approx(expected_index[top["value"]].to_numpy())
    assert set(kmeans.dimensions) == {"category", "country", "product"}
    assert kmeans.top_basis == "purchase revenue"


def test_generated_names_are_distinct_descriptive_and_deterministic(ws, kmeans, sample_dir):
    names = [s.name for s in kmeans.segments]
    assert len({n.lower() for n in names}) == len(names)
    assert not any(n.startswith("Segment ") for n in names)
    assert all(s.description for s in kmeans.segments)
    truth = pd.read_csv(sample_dir / "truth.csv", dtype=str)
    both = runs.assignments(ws, kmeans.run_id).merge(truth, on="customer_id")
    lapsed = both[both["behaviour"] == "lapsed_one_timer"]["segment"].mode()[0]
    assert "lapsed" in lapsed.lower() or "one-time" in lapsed.lower()
    spenders = both[both["behaviour"] == "loyal_high_spender"]["segment"].mode()[0]
    assert "spender" in spenders.lower() or "frequent" in spenders.lower()
    again = profiles.build_profile(ws, fresh_run(ws).run_id)
    assert [s.name for s in again.segments] == names


def test_user_renames_survive_profiling_again(ws):
    run = fresh_run(ws)
    runs.rename_segment(ws, run.run_id, 2, "VIP club")
    profile = profiles.build_profile(ws, run.run_id)
    assert profile.segment(2).name == "VIP club"
    assert all(not s.name.startswith("Segment ") for s in profile.segments)
    before = [s.name for s in runs.get_run(ws, run.run_id).segments]
    profiles.build_profile(ws, run.run_id)
    naming.name_segments(ws, run.run_id)
    assert [s.name for s in runs.get_run(ws, run.run_id).segments] == before
    overwritten = naming.name_segments(ws, run.run_id, overwrite=True)
    assert overwritten.segments[1].name != "VIP club"


def test_a_duplicate_rename_is_refused_and_changes_nothing(ws):
    run = fresh_run(ws)
    profiles.build_profile(ws, run.run_id)
    before = [s.name for s in runs.get_run(ws, run.run_id).segments]
    with pytest.raises(InvalidParameterError, match="already called"):
        runs.rename_segment(ws, run.run_id, 1, before[1].upper())
    with pytest.raises(InvalidParameterError, match="would both be called 'Twins'"):
        naming.rename_segments(ws, run.run_id, {1: "Twins", 3: "twins "})
    with pytest.raises(InvalidParameterError, match="cannot be empty"):
        naming.rename_segments(ws, run.run_id, {1: "  "})
    with pytest.raises(InvalidParameterError, match="has no segment 9"):
        naming.rename_segments(ws, run.run_id, {9: "Nine"})
    assert [s.name for s in runs.get_run(ws, run.run_id).segments] == before


def test_renaming_several_segments_at_once_can_swap_names(ws):
    run = fresh_run(ws)
    profiles.build_profile(ws, run.run_id)
    first, second = (s.name for s in runs.get_run(ws, run.run_id).segments[:2])
    renamed = naming.rename_segments(ws, run.run_id, {1: second, 2: first})
    assert [s.name for s in renamed.segments[:2]] == [second, first]
    profile = profiles.build_profile(ws, run.run_id).renamed(renamed)
    assert profile.segment(1).name == second


def test_rfm_runs_keep_their_standard_names_and_actions(ws):
    run = runs.run_segmentation(ws, "feat", algorithm="rfm")
    profile = profiles.build_profile(ws, run.run_id)
    for s in profile.segments:
        assert s.name == rfm.SEGMENTS[s.segment_id - 1]
        assert s.action == rfm.ACTIONS[s.name]
    assert profile.features[:3] == ["recency_days", "frequency", "monetary"]


def test_rules_are_faithful_readable_and_measured(kmeans):
    assert kmeans.fidelity >= 0.85
    words = [w for w in naming.FEATURE_WORDS.values()]
    for s in kmeans.segments:
        assert 0 <= s.rule_precision <= 1 and 0 <= s.rule_recall <= 1
        for rule in s.rules:
            assert any(w in rule for w in words), rule
            assert rule.count(" and ") <= tree_rules.MAX_DEPTH - 1
    assert sum(len(s.rules) for s in kmeans.segments) <= 2**tree_rules.MAX_DEPTH
    assert kmeans.rule_sample_size == 1500
    assert "fitted on 1,500 sampled customers" in kmeans.notes[0]


def test_rules_fitted_on_a_sample_are_checked_on_everyone(ws, kmeans):
    rules = tree_rules.segment_rules(ws, kmeans.run_id, sample=300, seed=3)
    assert rules.sample_size == 300
    assert 0.5 <= rules.fidelity <= 1
    assert set(rules.recall) == {s.segment_id for s in kmeans.segments}


def test_integer_thresholds_read_as_whole_numbers():
    text = tree_rules._rule_text(
        {"frequency": (4.0, None), "recency_days": (None, 30.0)}, {"frequency", "recency_days"}
    )
    assert text == "orders >= 5 and days since last order <= 30"
    assert tree_rules._rule_text({"frequency": (1.0, 4.0)}, {"frequency"}) == "orders 2 to 4"
    assert tree_rules._rule_text({"return_rate": (0.274, None)}, set()) == "return rate > 27.4%"
    assert tree_rules._rule_text({"monetary": (300.0, 1250.0)}, set()) == (
        "net revenue > 300 and <= 1,250"
    )


def test_suggested_actions_follow_the_playbook(ws, kmeans):
    run = runs.get_run(ws, kmeans.run_id)
    assert all(s.action in profiles.PLAYBOOK.values() for s in kmeans.segments)
    lapsed = max(kmeans.segments, key=lambda s: s.features["recency_days"].index)
    assert lapsed.action == profiles.PLAYBOOK["let go"]
    best = pd.Series({"recency_days": 20.0, "frequency": 300.0, "monetary": 400.0})
    assert profiles.suggest_action(run, 1, best) == profiles.PLAYBOOK["reward"]
    assert profiles.suggest_action(run, 1, pd.Series({"age": 90.0})) is None


def test_profile_json_has_the_promised_keys(kmeans):
    data = kmeans.to_dict()
    assert set(data) == {"run_id", "fidelity", "segments"}
    first = data["segments"][0]
    assert set(first) == {
        "segment_id",
        "name",
        "description",
        "size",
        "share",
        "revenue_share",
        "features",
        "rules",
        "rule_precision",
        "rule_recall",
        "action",
    }
    assert set(first["features"]["monetary"]) == {"mean", "median", "index"}


def test_views_for_the_page(kmeans):
    frame = kmeans.feature_frame("index", words=True)
    assert list(frame.index) == [s.name for s in kmeans.segments]
    assert "days since last order" in frame.columns
    a, b = kmeans.segments[0], kmeans.segments[1]
    compared = kmeans.compare(a.segment_id, b.segment_id)
    assert list(compared.columns) == [a.name, b.name]
    assert compared.loc["orders", a.name] == a.features["frequency"].index
    assert list(kmeans.compare(a.segment_id).columns) == [a.name]
    spread = kmeans.distribution("monetary")
    assert len(spread) == 1500 and set(spread["segment"]) == {s.name for s in kmeans.segments}
    assert len(kmeans.segment_features(a.segment_id)) == len(kmeans.features)


def test_wrong_view_arguments_say_what_is_allowed(ws, kmeans):
    with pytest.raises(InvalidParameterError, match="'what' parameter must be one of"):
        kmeans.feature_frame("mode")
    with pytest.raises(InvalidParameterError, match="'feature' parameter must be one of"):
        kmeans.distribution("age")
    with pytest.raises(InvalidParameterError, match="has no segment 42"):
        kmeans.segment(42)
    with pytest.raises(InvalidParameterError, match="'sample' parameter must be an int"):
        profiles.customer_sample(ws, kmeans.run_id, ["monetary"], sample=5)


def test_a_customer_table_without_transactions_is_profiled_too(tmp_path):
    X, y = make_blobs(n_samples=300, centers=3, n_features=2, cluster_std=0.5, random_state=2)
    frame = pd.DataFrame(X * [10, 1000] + [50, 40_000], columns=["Age", "Annual Income"])
    frame.insert(0, "CustomerID", [f"{i:04d}" for i in range(len(frame))])
    frame.to_csv(tmp_path / "crm.csv", index=False)
    ws = open_workspace(tmp_path / "crm.duckdb")
    info = ingest_file(ws, tmp_path / "crm.csv")
    run = runs.run_segmentation(ws, info.name, params={"n_clusters": 3})
    profile = profiles.build_profile(ws, run.run_id)
    assert profile.features == ["Age", "Annual Income"]
    assert all(s.revenue_share is None and s.action is None for s in profile.segments)
    assert profile.top_values.empty and profile.dimensions == []
    assert profile.fidelity >= 0.95
    names = [s.name for s in profile.segments]
    assert len(set(names)) == 3 and all(n.startswith(("High ", "Low ")) for n in names)
    ws.close()


def segment_stats_of(means: dict[int, dict[str, float]], medians=None) -> profiles.SegmentStats:
    mean = pd.DataFrame(means).T
    return profiles.SegmentStats(
        features=list(mean.columns),
        sizes=pd.Series(100, index=mean.index),
        mean=mean,
        median=pd.DataFrame(medians).T if medians else mean,
        overall_mean=mean.mean(),
        overall_median=mean.median(),
        overall_std=mean.std(ddof=0),
        revenue=None,
    )


def test_names_use_the_vocabulary_then_a_generic_fallback():
    diffs = pd.Series({"recency_days": -1.2, "monetary": 1.5, "aov": 0.1})
    assert naming.base_name(diffs, pd.Series({"frequency": 5}))[0] == "Recent big spenders"
    diffs = pd.Series({"return_rate": 2.0, "frequency": 0.6})
    assert naming.base_name(diffs, pd.Series({"frequency": 5}))[0] == "Frequent returners"
    assert naming.base_name(pd.Series({"Income": 1.1}), pd.Series())[0] == "High Income"
    assert naming.base_name(pd.Series({"aov": 0.05}), pd.Series())[0] == "Average customers"
    assert naming.base_name(pd.Series({"share_home": 0.9}), pd.Series())[0] == "Home fans"


def test_colliding_names_get_a_differentiator():
    stats_ = segment_stats_of(
        {
            1: {"recency_days": 10.0, "monetary": 900.0, "Income": 60.0},
            2: {"recency_days": 12.0, "monetary": 950.0, "Income": 40.0},
            3: {"recency_days": 400.0, "monetary": 100.0, "Income": 50.0},
            4: {"recency_days": 380.0, "monetary": 110.0, "Income": 50.0},
        }
    )
    names = {sid: name for sid, (name, _) in naming.suggest_names(stats_).items()}
    assert names == {
        1: "Recent big spenders, high income",
        2: "Recent big spenders, low income",
        3: "Lapsed light spenders (segment 3)",
        4: "Lapsed light spenders (segment 4)",
    }
    kept = naming.suggest_names(stats_, taken={1: "Lapsed light spenders (segment 3)"})
    assert 1 not in kept
    assert kept[3][0] == "Lapsed light spenders (segment 3, 2)"
    assert kept[2][0] == "Recent big spenders"  # no collision left once segment 1 keeps its name


def test_feature_words_cover_the_features_step():
    plain = [f for f in FEATURE_HELP if f not in ("customer_id", "share_<category>", "country")]
    assert all(f in naming.FEATURE_WORDS for f in plain)
    assert naming.format_value("return_rate", 0.5) == "50%"
    assert naming.format_value("monetary", np.nan) == "—"


def test_charts_are_figures_with_one_trace_per_series(kmeans):
    n = len(kmeans.segments)
    heat = charts.index_heatmap(kmeans.feature_frame("index", words=True))
    assert isinstance(heat, go.Figure) and heat.data[0].type == "heatmap"
    assert list(heat.data[0].y) == [s.name for s in kmeans.segments]
    radar = charts.radar(kmeans.compare(1, 2))
    assert [t.type for t in radar.data] == ["scatterpolar"] * 3
    assert radar.data[1].theta[0] == "days since last order"
    order = [s.name for s in kmeans.segments]
    box = charts.distribution(kmeans.distribution("frequency"), "orders", order, log=True)
    assert len(box.data) == n and box.layout.yaxis.type == "log"
    negative = charts.distribution(kmeans.distribution("monetary"), "x", order, log=True)
    assert negative.layout.yaxis.type == "linear"  # net revenue can be <= 0: no log axis
    shares = charts.shares(kmeans.summary_frame())
    assert [t.name for t in shares.data] == ["revenue", "customers"]
    top = charts.top_values(kmeans.top(1, "category"), kmeans.top_basis)
    assert len(top.data) == 2 and "purchase revenue" in top.layout.xaxis.title.text


def test_a_split_whose_sides_predict_the_same_segment_reads_as_one_rule():
    Node = tree_rules._Node
    nodes = [
        Node(0, 10.0, 1, 2, 0, 0),
        Node(-1, 0.0, -1, -1, 1, 40.0),
        Node(1, 5.0, 3, 4, 0, 0),
        Node(-1, 0.0, -1, -1, 2, 30.0),
        Node(-1, 0.0, -1, -1, 2, 20.0),
    ]
    rules = tree_rules._leaf_rules(nodes, ["frequency", "monetary"], {"frequency"})
    assert rules == {1: ["orders <= 10"], 2: ["orders >= 11"]}
    sql, params = tree_rules._case_sql(
        nodes, 0, ["frequency", "monetary"], pd.Series([1.0, 2.0], index=["frequency", "monetary"])
    )
    assert sql.count("CASE") == 1 and params == [1.0, 10.0]


def test_top_values_chart_keeps_numeric_looking_codes_as_labels():
    import pandas as pd

    from segmentation.charts import profiles as profile_charts

    rows = pd.DataFrame(
        {
            "value": ["22423", "85123A", "47566"],
            "share": [0.3, 0.2, 0.1],
            "overall_share": [0.1, 0.1, 0.05],
            "index": [300.0, 200.0, 200.0],
        }
    )
    fig = profile_charts.top_values(rows)
    assert fig.layout.yaxis.type == "category"

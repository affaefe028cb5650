"""Per-segment aggregates: shares, index against everyone, standardized differences, revenue."""

import pytest

from segmentation.features import summaries as stats
from segmentation.profiles.stats import segment_stats
from segmentation.segment import runs


@pytest.fixture(scope="module")
def ws(profiles_ws):
    return profiles_ws


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


@pytest.fixture(scope="module")
def by_hand(ws, kmeans):
    """Each customer's features and segment, joined in pandas."""
    frame = stats.read_table(ws, "feat")
    return frame.merge(runs.assignments(ws, kmeans.run_id), on="customer_id")


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


def test_segment_stats_are_what_the_profile_shows(ws, kmeans):
    found = segment_stats(ws, kmeans.run_id, kmeans.features)
    assert found.sizes.to_dict() == {s.segment_id: s.size for s in kmeans.segments}
    assert found.index.loc[1, "frequency"] == pytest.approx(
        kmeans.segment(1).features["frequency"].index
    )
    assert found.revenue is not None and found.revenue.sum() == pytest.approx(
        sum(s.revenue for s in kmeans.segments)
    )


def test_yes_no_columns_are_found_and_described_as_shares(tmp_path):
    import numpy as np
    import pandas as pd

    from segmentation.ingest.load import ingest_file
    from segmentation.profiles.naming import describe
    from segmentation.workspace import open_workspace

    rng = np.random.default_rng(0)
    accepted = np.r_[np.ones(45), np.zeros(5), (rng.random(150) < 0.05)].astype(int)
    spend = np.r_[rng.normal(900, 50, 50), rng.normal(100, 20, 150)]
    frame = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(200)],
            "accepted": accepted,
            "spend": spend,
            "kids": rng.integers(0, 3, 200),
        }
    )
    frame.to_csv(tmp_path / "people.csv", index=False)
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, tmp_path / "people.csv", table="people")
    run = runs.run_segmentation(ws, "people", params={"n_clusters": 2})
    found = segment_stats(ws, run.run_id)
    assert found.yes_no == ("accepted",)  # kids has 0, 1 and 2
    big = int(found.mean["spend"].idxmax())
    text = describe(found, big)
    share = found.mean.at[big, "accepted"]
    assert f"accepted ({share:.0%} vs {found.overall_mean['accepted']:.0%}" in text.lower()
    ws.close()

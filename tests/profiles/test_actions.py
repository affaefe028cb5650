"""Suggested actions: the RFM-style playbook read from the recency, frequency and monetary index."""

import pandas as pd
import pytest

from segmentation.profiles import actions as profiles
from segmentation.segment import runs


@pytest.fixture(scope="module")
def ws(profiles_ws):
    return profiles_ws


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


def test_suggested_actions_follow_the_playbook(ws, kmeans):
    run = runs.get_run(ws, kmeans.run_id)
    assert all(s.action in profiles.PLAYBOOK.values() for s in kmeans.segments)
    lapsed = max(kmeans.segments, key=lambda s: s.features["recency_days"].index)
    assert lapsed.action == profiles.PLAYBOOK["let go"]
    best = pd.Series({"recency_days": 20.0, "frequency": 300.0, "monetary": 400.0})
    assert profiles.suggest_action(run, 1, best) == profiles.PLAYBOOK["reward"]
    assert profiles.suggest_action(run, 1, pd.Series({"age": 90.0})) is None


def test_a_segment_that_returns_much_more_is_not_told_to_upsell(ws, kmeans):
    run = runs.get_run(ws, kmeans.run_id)
    returners = pd.Series(
        {"recency_days": 60.0, "frequency": 110.0, "monetary": 100.0, "return_rate": 640.0}
    )
    assert profiles.suggest_action(run, 1, returners) == profiles.PLAYBOOK["returns"]
    usual = returners.copy()
    usual["return_rate"] = 120.0
    assert profiles.suggest_action(run, 1, usual) == profiles.PLAYBOOK["upsell"]


def test_cdnow_segments_are_named_and_handled_for_what_they_are(tmp_path, shared_file):
    """CDNOW: everyone's first order fell in 12 weeks of 1997, so days since the first order
    hardly vary (every segment within 10% of everyone's) while their standardized differences
    are large; and everyone is long gone (368 days since the last order on average)."""
    from segmentation.features.build import build_features
    from segmentation.ingest.load import ingest_file
    from segmentation.profiles.build import build_profile
    from segmentation.profiles.naming import name_segments
    from segmentation.workspace import open_workspace

    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, shared_file("cdnow/CDNOW_master.txt"), table="cdnow")
    build_features(ws, "cdnow", name="f")
    run = runs.run_segmentation(ws, "f", params={"n_clusters": 5}, namer=name_segments)
    profile = build_profile(ws, run.run_id)
    ws.close()
    tenure = [s.features["tenure_days"].index for s in profile.segments]
    spread = max(abs(s.features["tenure_days"].std_diff) for s in profile.segments)
    assert all(90 < i < 110 for i in tenure) and spread > 0.5
    names = [s.name for s in profile.segments]
    assert not [n for n in names if "New" in n or "Long-standing" in n]
    lapsed = [s for s in profile.segments if s.features["recency_days"].mean > 365]
    assert lapsed  # 467, 508 and 463 days in three of the five
    handled = (profiles.PLAYBOOK["win back"], profiles.PLAYBOOK["let go"])
    assert all(s.action in handled for s in lapsed)

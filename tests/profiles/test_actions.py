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

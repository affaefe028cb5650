"""Generated segment names: distinct, descriptive, deterministic; renames survive and stay unique."""

import numpy as np
import pandas as pd
import pytest

from segmentation.errors import InvalidParameterError
from segmentation.profiles import build as profiles
from segmentation.profiles import naming
from segmentation.profiles.stats import SegmentStats
from segmentation.segment import rfm, runs


@pytest.fixture(scope="module")
def ws(profiles_ws):
    return profiles_ws


@pytest.fixture(scope="module")
def kmeans(profiles_kmeans):
    return profiles_kmeans


@pytest.fixture(scope="module")
def sample_dir(profiles_sample_dir):
    return profiles_sample_dir


def fresh_run(ws):
    return runs.run_segmentation(ws, "feat", params={"n_clusters": 5})


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
    profiles.save_segment_names(ws, profile)
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
    profiles.save_segment_names(ws, profiles.build_profile(ws, run.run_id))
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
    profiles.save_segment_names(ws, profiles.build_profile(ws, run.run_id))
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


def segment_stats_of(means: dict[int, dict[str, float]], medians=None) -> SegmentStats:
    mean = pd.DataFrame(means).T
    return SegmentStats(
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


def test_generated_names_only_read_and_skip_renamed_segments(ws):
    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 3})
    runs.rename_segment(ws, run.run_id, 1, "Mine")
    stats_ = segment_stats_of(
        {1: {"monetary": 10.0}, 2: {"monetary": 900.0}, 3: {"monetary": 100.0}}
    )
    names = naming.generated_names(runs.get_run(ws, run.run_id), stats_)
    assert set(names) == {2, 3} and names[2][0] == "Big spenders"
    assert [s.name for s in runs.get_run(ws, run.run_id).segments] == [
        "Mine",
        "Segment 2",
        "Segment 3",
    ]
    assert naming.is_default_name("Segment 12") and not naming.is_default_name("Segment 1b")


def test_a_run_made_with_the_namer_is_named_before_anyone_profiles_it(ws, tmp_path):
    from segmentation.export.plan import export_audience

    run = runs.run_segmentation(ws, "feat", params={"n_clusters": 5}, namer=naming.name_segments)
    names = [s.name for s in run.segments]
    assert not any(naming.is_default_name(n) for n in names)
    assert [s.name for s in runs.get_run(ws, run.run_id).segments] == names
    assert all(s.description for s in run.segments)
    # what Profiles would have generated, and what an export writes without a visit there
    assert [s.name for s in profiles.build_profile(ws, run.run_id).segments] == names
    out = export_audience(ws, run.run_id, tmp_path / "a.csv")
    assert set(pd.read_csv(out.files[0].path)["segment"]) == set(names)


def test_the_namer_keeps_rfm_names_and_recipe_runs_are_named_too(ws):
    from segmentation.segment.recipe import apply_run, parse_recipe, recipe_toml, run_recipe

    made = runs.run_segmentation(ws, "feat", algorithm="rfm", namer=naming.name_segments)
    assert [s.name for s in made.segments] == [
        s.name for s in runs.run_segmentation(ws, "feat", algorithm="rfm").segments
    ]
    kmeans = runs.run_segmentation(ws, "feat", params={"n_clusters": 4})
    recipe = parse_recipe(recipe_toml(ws, kmeans.run_id))
    for again in (
        run_recipe(ws, recipe, namer=naming.name_segments),
        apply_run(ws, kmeans.run_id, namer=naming.name_segments),
    ):
        assert not any(naming.is_default_name(s.name) for s in again.segments)


def test_segment_run_on_the_command_line_names_the_segments(ws, capsys):
    import json

    from segmentation.cli.main import main

    assert main(["--workspace", str(ws.path), "--json", "run", "feat", "--k", "4"]) == 0
    printed = json.loads(capsys.readouterr().out)
    names = [s["segment"] for s in printed["segments"]]
    assert len(names) == 4 and not any(naming.is_default_name(n) for n in names)
    assert [s.name for s in runs.get_run(ws, printed["run_id"]).segments] == names


def part_of_another(names: list[str]) -> list[tuple[str, str]]:
    """Pairs (name, longer name) where the first is, word for word, part of the second."""
    return [
        (a, b)
        for a in names
        for b in names
        if a.lower() != b.lower() and f" {a.lower()} " in f" {b.lower().replace(',', ' ')} "
    ]


def test_two_low_spend_segments_are_not_named_as_if_one_held_the_other(tmp_path):
    from segmentation.ingest.load import ingest_file
    from segmentation.workspace import open_workspace

    rng = np.random.default_rng(0)
    rows = [
        (
            f"C{g}{i:02d}",
            max(1, round(orders * rng.uniform(0.8, 1.2))),
            spend * rng.uniform(0.8, 1.2),
        )
        for g, (orders, spend) in enumerate([(20, 5000.0), (2, 50.0), (10, 60.0)])
        for i in range(40)
    ]
    path = tmp_path / "customers.csv"
    pd.DataFrame(rows, columns=["customer_id", "frequency", "monetary"]).to_csv(path, index=False)
    ws = open_workspace(tmp_path / "ws.duckdb")
    ingest_file(ws, path, table="c")
    run = runs.run_segmentation(ws, "c", params={"n_clusters": 3}, namer=naming.name_segments)
    names = sorted(s.name for s in run.segments)
    # without the rule: "Light spenders" beside "Occasional light spenders"
    assert names == [
        "Frequent big spenders",
        "Light spenders, average orders",
        "Occasional light spenders",
    ]
    assert part_of_another(names) == []
    ws.close()


def test_a_name_part_of_another_leads_with_what_separates_the_two():
    features = ["frequency", "monetary", "return_rate", "distinct_products", "items_per_order"]
    stats_ = segment_stats_of(
        {
            1: dict(zip(features, [1.5, 50.0, 0.1, 5.0, 3.0], strict=True)),
            2: dict(zip(features, [6.5, 40.0, 0.0, 1.0, 1.0], strict=True)),
            3: dict(zip(features, [8.0, 900.0, 0.2, 8.0, 5.0], strict=True)),
        }
    )
    # segment 2 alone would be "Light spenders": its orders are only its fifth feature
    assert naming.base_name(stats_.std_diff.loc[2], stats_.median.loc[2])[0] == "Light spenders"
    names = {sid: name for sid, (name, _) in naming.suggest_names(stats_).items()}
    assert names == {
        1: "Occasional light spenders",
        2: "Frequent light spenders",
        3: "Big spenders",
    }
    kept = naming.suggest_names(stats_, taken={1: "Occasional light spenders"})
    assert kept[2][0] == "Frequent light spenders"  # a kept name counts too

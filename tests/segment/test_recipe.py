"""Recipes: a run as TOML, reproduced on the same data and re-applied to a newer file."""

import pytest

from segmentation.demo.sample import write_sample
from segmentation.errors import InvalidParameterError
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment import recipe, runs
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    write_sample(out, customers=1500, seed=11)
    return out


@pytest.fixture
def ws(workspace_path, sample_dir):
    ws = open_workspace(workspace_path)
    ingest_file(ws, sample_dir / "transactions.csv", table="tx")
    build_features(ws, "tx", name="feat")
    return ws


def test_recipe_reproduces_the_same_assignments(ws, tmp_path):
    first = runs.run_segmentation(ws, "feat", params={"n_clusters": 4}, seed=7)
    path = recipe.write_recipe(ws, first.run_id, tmp_path / "r.toml")
    second = recipe.run_recipe(ws, recipe.read_recipe(path))
    a, b = runs.assignments(ws, first.run_id), runs.assignments(ws, second.run_id)
    assert (a["segment_id"].to_numpy() == b["segment_id"].to_numpy()).all()
    assert second.params == first.params and second.seed == 7


def test_recipe_reapplies_the_fitted_model_to_a_newer_file(ws, tmp_path):
    first = runs.run_segmentation(ws, "feat", params={"n_clusters": 5})
    newer = tmp_path / "next"
    write_sample(newer, customers=400, seed=99)
    text = recipe.recipe_toml(ws, first.run_id)
    data = recipe.parse_recipe(text)
    data["source"]["file"] = str(newer / "transactions.csv")
    applied = recipe.run_recipe(ws, data)
    assert applied.table == "transactions_features"
    assert applied.customers == 400
    assert any("fitted model of the earlier run" in n for n in applied.notes)
    refit = recipe.run_recipe(ws, data, refit=True)
    assert not any("fitted model" in n for n in refit.notes)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("version = 2\n", "version must be 1"),
        ("not toml [", "not valid TOML"),
        ("version = 1\n[source]\ntable='x'\n", "no \\[algorithm\\] section"),
    ],
)
def test_bad_recipes_are_refused(text, message):
    with pytest.raises(InvalidParameterError, match=message):
        recipe.parse_recipe(text)

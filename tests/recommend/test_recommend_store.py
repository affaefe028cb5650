"""Named recommendation sets in the workspace: stored whole, read back, refused on a name clash,
deleted."""

from __future__ import annotations

import pytest

from segmentation.errors import NameClashError, TableNotFoundError
from segmentation.recommend import recommend
from segmentation.recommend.store import delete_set, get_set, list_sets, wide_rows


def test_the_set_is_stored_with_its_name_and_figures(bundles):
    rec = recommend(bundles, "r1", name="spring", top=3)
    assert get_set(bundles, "spring") == rec == list_sets(bundles)[0]
    assert rec.to_dict()["evaluation"]["baselines"].keys() == {"popular", "segment_popular"}
    wide = wide_rows(bundles, "spring", 3)
    assert list(wide.columns) == ["customer_id", "rec_1", "rec_2", "rec_3"]
    assert wide["rec_1"].str.match(r"b\d\d-p\d - Item b\d\d-p\d").all()
    with pytest.raises(NameClashError, match="already called 'spring'"):
        recommend(bundles, "r1", name="spring")
    assert len(list_sets(bundles)) == 1


def test_a_set_is_deleted_with_its_rows_and_unknown_sets_are_named(bundles):
    rec = recommend(bundles, "r1", evaluate_first=False)
    delete_set(bundles, rec.recommendation_id)
    assert list_sets(bundles) == []
    assert bundles.query("SELECT count(*) FROM _seg.recommendations")[0][0] == 0
    with pytest.raises(
        TableNotFoundError, match=r"no recommendation set 'rec1' \(sets: none yet\)"
    ):
        get_set(bundles, "rec1")


def test_an_interrupted_recommendation_stores_nothing(bundles):
    def stop(share, text):
        if share >= 0.9:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        recommend(bundles, "r1", progress=stop)
    assert list_sets(bundles) == []
    assert bundles.query("SELECT count(*) FROM _seg.recommendations")[0][0] == 0

"""segmentation.features.definitions: every default feature has a meaning."""

from segmentation.features.definitions import BEHAVIOURAL_FEATURES, FEATURE_HELP, ON_DUPLICATE


def test_every_behavioural_feature_is_explained():
    assert set(BEHAVIOURAL_FEATURES) <= set(FEATURE_HELP)
    assert ON_DUPLICATE == ("refuse", "first")

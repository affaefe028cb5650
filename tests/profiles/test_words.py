"""Features and their values in plain words."""

import numpy as np

from segmentation.features.definitions import FEATURE_HELP
from segmentation.profiles import words as naming


def test_feature_words_cover_the_features_step():
    plain = [f for f in FEATURE_HELP if f not in ("customer_id", "share_<category>", "country")]
    assert all(f in naming.FEATURE_WORDS for f in plain)
    assert naming.format_value("return_rate", 0.5) == "50%"
    assert naming.format_value("monetary", np.nan) == "—"


def test_values_read_as_people_write_them():
    assert naming.format_value("aov", 7.25) == "7.2"
    assert naming.format_value("share_home", 0.004) == "0.4%"
    assert naming.format_value("frequency", None) == "—"
    assert naming.feature_words("share_home_garden") == "share of home garden"
    assert naming.is_rate("share_toys") and not naming.is_rate("monetary")

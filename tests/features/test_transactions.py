"""segmentation.features.transactions: the share column names.

The transaction features built end to end are tested in test_feature_build.py.
"""

from segmentation.features.transactions import share_column_names


def test_share_column_names_are_safe_and_distinct():
    assert share_column_names(["Home & Garden", "home garden", "Électronique", "€", "Toys"]) == [
        "share_home_garden",
        "share_home_garden_2",
        "share_electronique",
        "share_category_4",
        "share_toys",
    ]

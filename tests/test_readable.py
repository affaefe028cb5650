"""Numbers as people read them: previews and exports without float noise or "None"."""

import numpy as np
import pandas as pd

from segmentation.readable import column_decimals, empty_columns, percent_points, shown, tidy_floats


def test_float_noise_is_rounded_away_and_minus_zero_is_zero():
    frame = pd.DataFrame({"amount": [5086.935000000001, -5.684341886080802e-14, np.nan]})
    tidy = tidy_floats(frame)["amount"]
    assert tidy[0] == 5086.935 and tidy[1] == 0.0 and str(tidy[1]) == "0.0"
    assert np.isnan(tidy[2])


def test_a_column_shows_one_number_of_decimals_and_missing_as_blank():
    frame = pd.DataFrame({"share": [0.3, 0.1507, None], "name": ["a", None, "c"], "n": [1, 2, 3]})
    assert column_decimals(frame["share"]) == 4
    html = shown(frame).to_html()
    assert "0.3000<" in html and "0.1507<" in html
    assert "None" not in html and "nan" not in html


def test_whole_ids_and_texts_are_left_as_they_are():
    frame = pd.DataFrame({"customer_id": [12347, 14646], "code": ["00501", "02134"]})
    assert tidy_floats(frame).equals(frame)


def test_shares_become_percentage_points_and_empty_columns_are_found():
    frame = pd.DataFrame({"share": [0.27, 0.235], "revenue_share": [None, None], "n": [1, 2]})
    assert percent_points(frame, ("share",))["share"].round(6).tolist() == [27.0, 23.5]
    assert empty_columns(frame) == ["revenue_share"]


def test_dates_show_without_a_midnight_time_and_timestamps_keep_theirs():
    frame = pd.DataFrame(
        {
            "day": pd.to_datetime(["2012-09-04", None, "2014-03-08"]),
            "at": pd.to_datetime(["2012-09-04 10:30", "2012-09-05 00:00", None]),
        }
    )
    html = shown(frame).to_html()
    assert ">2012-09-04<" in html and "2012-09-04 00:00:00" not in html
    assert "2012-09-04 10:30:00" in html and "2012-09-05 00:00:00" in html

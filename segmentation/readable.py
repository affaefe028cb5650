"""Numbers as people read them: no noise of binary arithmetic, one number of decimals per
column, and missing values left blank.

>>> import pandas as pd
>>> frame = pd.DataFrame({"amount": [5086.935000000001, -5.684341886080802e-14, None]})
>>> tidy_floats(frame)["amount"].tolist()[:2]
[5086.935, 0.0]
>>> column_decimals(pd.Series([1.5, 2.25, 3.0]))
2
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SIGNIFICANT = 10  # digits kept of a column's largest value: float noise sits far below
MAX_DECIMALS = 4


def tidy_floats(frame: pd.DataFrame, significant: int = SIGNIFICANT) -> pd.DataFrame:
    """A copy whose float columns are rounded to ``significant`` digits of the column's
    largest magnitude (5086.935000000001 -> 5086.935; a sum's -5.7e-14 -> 0.0)."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        finite = values[np.isfinite(values)]
        largest = float(finite.abs().max()) if len(finite) else 0.0
        if largest == 0:
            continue
        decimals = max(0, significant - 1 - int(np.floor(np.log10(largest))))
        out[column] = values.round(decimals) + 0.0  # + 0.0: no -0.0
    return out


def column_decimals(values: pd.Series, most: int = MAX_DECIMALS) -> int:
    """The fewest decimals (up to ``most``) that show every value of a float column."""
    finite = values[np.isfinite(values)].to_numpy(dtype=float)
    for decimals in range(most + 1):
        if np.allclose(finite, np.round(finite, decimals), rtol=0, atol=10.0**-most / 2):
            return decimals
    return most


def shown(frame: pd.DataFrame):
    """The frame for display (a pandas Styler): float noise removed, each float column with one
    number of decimals and thousands separators, dates without a midnight time (a DATE column
    arrives as a timestamp), missing values blank (not "None")."""
    tidy = tidy_floats(frame)
    formats = {
        c: f"{{:,.{column_decimals(tidy[c])}f}}"
        for c in tidy.columns
        if pd.api.types.is_float_dtype(tidy[c])
    }
    formats |= {c: "{:%Y-%m-%d}" for c in tidy.columns if _only_days(tidy[c])}
    return tidy.style.format(formats, na_rep="")


def _only_days(values: pd.Series) -> bool:
    """Whether a column holds timestamps that are all at midnight (dates), time zone or not."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        return False
    present = values.dropna()
    return len(present) > 0 and bool((present == present.dt.normalize()).all())


def percent_points(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """A copy with the share ``columns`` (0.235) as percentage points (23.5), for a table
    that writes every share with the same one decimal ("27.0%", "23.5%")."""
    out = frame.copy()
    for column in columns:
        out[column] = pd.to_numeric(out[column], errors="coerce") * 100
    return out


def empty_columns(frame: pd.DataFrame) -> list[str]:
    """The columns with no value at all (a table leaves them out rather than show "None")."""
    return [c for c in frame.columns if frame[c].isna().all()]

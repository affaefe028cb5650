"""A suggested next step per segment, from an RFM-style playbook.

>>> import pandas as pd
>>> run = type("Run", (), {"algorithm": "kmeans"})()
>>> suggest_action(run, 1, pd.Series({"recency_days": 20.0, "frequency": 300.0}))
'Reward: loyalty perks, early access, ask for reviews and referrals.'
"""

from __future__ import annotations

import pandas as pd

from ..segment import rfm
from ..segment.runs import Run
from .stats import clean

PLAYBOOK: dict[str, str] = {
    "reward": "Reward: loyalty perks, early access, ask for reviews and referrals.",
    "nurture": "Nurture: a welcome series and recommendations that build the buying habit.",
    "upsell": "Upsell: higher-value products, bundles and the loyalty programme.",
    "win back": "Win back: personal e-mails, their favourite products and a strong offer.",
    "let go": "Let go: one low-cost reactivation campaign at most; do not spend much.",
    "returns": "Look into returns first: find out why they send so much back (sizes, "
    "descriptions, quality) before selling them more.",
}
RETURNS_INDEX = 300.0  # a return rate three times everyone's: returns come before any upsell
# The indices compare a segment with everyone in the table; where everyone is long gone (CDNOW:
# 368 days since the last order on average) a segment absent for 467 days is "average". A
# segment whose customers have, on average, not ordered for more than a year is lapsed.
LAPSED_DAYS = 365.0


def suggest_action(
    run: Run, segment_id: int, index: pd.Series, mean: pd.Series | None = None
) -> str | None:
    """A suggested next step from an RFM-style playbook (reward, nurture, upsell, win back,
    let go): the standard action of an RFM segment, else read from the recency, frequency and
    monetary indices; a segment that returns far more than everyone (return rate index of
    :data:`RETURNS_INDEX` or more) is told to look into returns first, and one whose ``mean``
    days since the last order is over :data:`LAPSED_DAYS` is won back or let go whatever its
    recency index. None when those features are missing.

    >>> run, lapsed = type("Run", (), {"algorithm": "kmeans"})(), pd.Series({"recency_days": 467.0})
    >>> suggest_action(run, 1, pd.Series({"recency_days": 127.0, "frequency": 45.0}), lapsed)
    'Let go: one low-cost reactivation campaign at most; do not spend much.'
    """
    if run.algorithm == "rfm" and 1 <= segment_id <= len(rfm.SEGMENTS):
        return rfm.ACTIONS[rfm.segment_name(segment_id)]
    if segment_id == 0:
        return None
    returns = clean(index.get("return_rate"))
    if returns is not None and returns >= RETURNS_INDEX:
        return PLAYBOOK["returns"]
    recency = index.get("recency_days")
    value = [v for v in (index.get("frequency"), index.get("monetary")) if clean(v) is not None]
    if clean(recency) is None or not value:
        return None
    worth = max(value)
    days = None if mean is None else clean(mean.get("recency_days"))
    if recency > 130 or (days is not None and days > LAPSED_DAYS):
        kind = "win back" if worth >= 100 else "let go"
    elif recency < 85:
        kind = "reward" if worth >= 120 else "nurture" if worth < 80 else "upsell"
    else:
        kind = "reward" if worth >= 150 else "upsell"
    return PLAYBOOK[kind]

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
}


def suggest_action(run: Run, segment_id: int, index: pd.Series) -> str | None:
    """A suggested next step from an RFM-style playbook (reward, nurture, upsell, win back,
    let go): the standard action of an RFM segment, else read from the recency, frequency and
    monetary indices. None when those features are missing."""
    if run.algorithm == "rfm" and 1 <= segment_id <= len(rfm.SEGMENTS):
        return rfm.ACTIONS[rfm.segment_name(segment_id)]
    if segment_id == 0:
        return None
    recency = index.get("recency_days")
    value = [v for v in (index.get("frequency"), index.get("monetary")) if clean(v) is not None]
    if clean(recency) is None or not value:
        return None
    worth = max(value)
    if recency < 85:
        kind = "reward" if worth >= 120 else "nurture" if worth < 80 else "upsell"
    elif recency > 130:
        kind = "win back" if worth >= 100 else "let go"
    else:
        kind = "reward" if worth >= 150 else "upsell"
    return PLAYBOOK[kind]

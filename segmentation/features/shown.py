"""Which features of a customer table to show for a run: its own features, then behavioural ones.

Both the Explore map (hover, a selection's profile) and the segment profiles show these, so the
choice lives here, below both stages. It reads plain data (a table name, the features a run's
recipe chose), not the run itself.

>>> chosen_features({"features": {"table": "feat", "features": ["frequency", "monetary"]}})
['frequency', 'monetary']
>>> chosen_features({})
[]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..workspace import Workspace
from .definitions import BEHAVIOURAL_FEATURES
from .summaries import numeric_columns

RFM_FEATURES = ("recency_days", "frequency", "monetary")
FALLBACK = 12  # numeric columns shown when none of the above is in the table


def chosen_features(recipe: Mapping[str, Any]) -> list[str]:
    """The features a run's recipe chose (``recipe["features"]["features"]``), maybe none."""
    return list((recipe.get("features") or {}).get("features") or [])


def shown_features(
    ws: Workspace, table: str, chosen: Sequence[str], *, rfm: bool = False
) -> list[str]:
    """The numeric ``chosen`` features of ``table``, then the behavioural ones it has.

    ``rfm``: a run of RFM rules that chose none shows recency, frequency and monetary first.
    Without any of those, the table's first numeric columns. The customer id never counts.
    """
    id_column = ws.table(table).roles.get("customer_id")
    numeric = [c for c in numeric_columns(ws, table) if c != id_column]
    shown = [c for c in chosen if c in numeric]
    if rfm and not shown:
        lower = {c.lower(): c for c in numeric}
        shown = [lower[c] for c in RFM_FEATURES if c in lower]
    extra = [c for c in BEHAVIOURAL_FEATURES if c in numeric and c not in shown]
    return (shown + extra) or numeric[:FALLBACK]

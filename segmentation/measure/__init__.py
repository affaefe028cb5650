"""Measure: the campaign readout against the holdout, and segment migration over time.

>>> readout = campaign_readout(ws, "e1", "december", days=30)  # doctest: +SKIP
>>> migration = migrate(ws, "r1", as_of="2011-12-01")  # doctest: +SKIP
"""

from .migration import Migration, get_migration, latest_migration, migrate, migration_customers
from .outcomes import outcome_tables
from .readout import GroupReadout, Readout, campaign_readout
from .stats import LiftResult, SampleRatio
from .store import previous_segments

__all__ = [
    "GroupReadout",
    "LiftResult",
    "Migration",
    "Readout",
    "SampleRatio",
    "campaign_readout",
    "get_migration",
    "latest_migration",
    "migrate",
    "migration_customers",
    "outcome_tables",
    "previous_segments",
]

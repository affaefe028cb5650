"""The export formats and defaults: plain constants, cheap to import (the CLI's parser reads
them on every command, the Export page for its choices).

>>> list(FORMATS)[:2], HASHED["meta"], DEFAULT_MIN_SIZE
(['csv', 'zip'], 'meta', 100)
"""

from __future__ import annotations

FORMATS = {
    "csv": "CSV (one file)",
    "zip": "ZIP of one CSV per segment",
    "xlsx": "Excel (a sheet per segment and a summary)",
    "parquet": "Parquet",
    "google-ads": "Google Ads Customer Match (hashed)",
    "meta": "Meta custom audience (hashed)",
}
HASHED = {"google-ads": "google", "meta": "meta"}
DEFAULT_MIN_SIZE = 100  # customers: ad platforms refuse or do not serve smaller lists

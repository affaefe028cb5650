"""Scale out: the studio's feature SQL and a run's fitted model on Spark or in a warehouse.

- :mod:`.dialects`: the one adapter between DuckDB SQL and other engines (SQLGlot);
- :mod:`.featuresql`: the transaction features as SQLGlot expressions, from the one definition;
- :mod:`.prepsql`, :mod:`.modelsql`: a run's fitted preparation and model as SQL;
- :mod:`.runsql`: a run as one query (features + assignment), for any of the dialects;
- :mod:`.spark`: the same on Apache Spark (pyspark, the optional extra ``spark``).
"""

from .dialects import DIALECTS, check_dialect
from .modelsql import HDBSCAN_NOTE
from .prepsql import NotCompilableError
from .runsql import CompiledRun, compile_run, run_query, run_sql, scoring_query

__all__ = [
    "DIALECTS",
    "HDBSCAN_NOTE",
    "CompiledRun",
    "NotCompilableError",
    "check_dialect",
    "compile_run",
    "run_query",
    "run_sql",
    "scoring_query",
]

"""What the profiles read of a run: its customer table, its features, a sample of its customers.

Both the profile (:mod:`.build`, :mod:`.stats`) and the rules (:mod:`.rules`) read these.

>>> run_table(ws, get_run(ws, "r1"))  # doctest: +SKIP
('feat', 'CAST(f."customer_id" AS VARCHAR)')
"""

from __future__ import annotations

import pandas as pd

from ..errors import InvalidParameterError
from ..features.shown import chosen_features, shown_features
from ..segment.runs import Run, get_run
from ..workspace import META, Workspace, quote_ident


def run_table(ws: Workspace, run: Run) -> tuple[str, str]:
    """The run's customer table and the SQL of its customer id as the assignments store it."""
    info = ws.table(run.table)
    id_column = info.roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {run.table!r} of run {run.run_id} has no customer_id role; set one on the "
            "Data page."
        )
    return run.table, f"CAST(f.{quote_ident(id_column)} AS VARCHAR)"


def run_features(run: Run) -> list[str]:
    """The features the run's recipe chose (none for a run that used the table's defaults)."""
    return chosen_features(run.recipe)


def profile_features(ws: Workspace, run: Run) -> list[str]:
    """The features a profile shows: the run's own numeric features, then the behavioural ones."""
    return shown_features(ws, run.table, run_features(run), rfm=run.algorithm == "rfm")


def customer_sample(
    ws: Workspace, run_id: str, features: list[str], *, sample: int = 50_000, seed: int = 0
) -> pd.DataFrame:
    """A seeded sample of at most ``sample`` customers: ``segment_id`` and the features.

    The sample is the customers with the smallest hash of (customer id, seed): the same every
    time, and spread evenly over the segments.
    """
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 100:
        raise InvalidParameterError(
            f"The 'sample' parameter must be an int of at least 100. Got {sample!r} instead."
        )
    run = get_run(ws, run_id)
    table, id_sql = run_table(ws, run)
    select = ", ".join(f"CAST(f.{quote_ident(c)} AS DOUBLE) AS {quote_ident(c)}" for c in features)
    return ws.query_df(
        f"SELECT a.segment_id, {select} FROM {META}.assignments a "
        f"JOIN {quote_ident(table)} f ON a.customer_id = {id_sql} WHERE a.run_id = ? "
        "ORDER BY hash(a.customer_id, ?), a.customer_id LIMIT ?",
        [run_id, int(seed), int(sample)],
    )

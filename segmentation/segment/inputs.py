"""A run's inputs: the customer table, the default preparation, RFM's columns, the recipe.

>>> rfm_input(pd.DataFrame({"Recency": [1], "Frequency": [2], "Monetary": [3.0]}), None).columns.tolist()
['recency_days', 'frequency', 'monetary']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..errors import InvalidParameterError
from ..features import summaries as stats
from ..features.definitions import BEHAVIOURAL_FEATURES
from ..workspace import Workspace, quote_ident

if TYPE_CHECKING:
    from .preprocess import PrepConfig

RFM_COLUMNS = ("recency_days", "frequency", "monetary")


def customer_frame(ws: Workspace, table: str) -> pd.DataFrame:
    """A one-row-per-customer table as a DataFrame with its id column named ``customer_id``."""
    info = ws.table(table)
    if info.kind == "transactions":
        raise InvalidParameterError(
            f"Table {table!r} holds transactions (several rows per customer). Build customer "
            f"features first: `segment features {table}` or the Features page."
        )
    id_column = info.roles.get("customer_id")
    if id_column is None:
        raise InvalidParameterError(
            f"Table {table!r} has no column with the customer_id role; set one on the Data page."
        )
    repeated = _repeated_ids(ws, table, id_column)
    if repeated:
        raise InvalidParameterError(
            f"Table {table!r} has {repeated:,} repeated customer ids; a run needs one row per "
            "customer. Build features from it (the Features page can keep the first row)."
        )
    frame = stats.read_table(ws, table)
    frame = frame.rename(columns={id_column: "customer_id"})
    frame["customer_id"] = frame["customer_id"].astype(str)
    return frame


def _repeated_ids(ws: Workspace, table: str, id_column: str) -> int:
    """Rows whose id (as text) an earlier row has; missing ids count as one id, as pandas'
    ``duplicated`` counts them."""
    ident = f"CAST({quote_ident(id_column)} AS VARCHAR)"
    return int(
        ws.query(
            f"SELECT count({ident}) - count(DISTINCT {ident}) "
            f"+ greatest(count(*) - count({ident}) - 1, 0) FROM {quote_ident(table)}"
        )[0][0]
    )


def default_prep(frame: pd.DataFrame, features: Sequence[str] | None = None) -> PrepConfig:
    """The preparation a run uses when none is chosen: behavioural features, log + standard."""
    from .preprocess import PrepConfig, default_config, suggest_log

    if features:  # the user's columns, log where skewed; check_config names unknown ones
        numeric = [f for f in features if f in frame and pd.api.types.is_numeric_dtype(frame[f])]
        return PrepConfig(features=tuple(features), log=suggest_log(frame, numeric))
    behavioural = [c for c in BEHAVIOURAL_FEATURES if c in frame.columns]
    return default_config(frame, behavioural or None)


def rfm_input(frame: pd.DataFrame, features: Sequence[str] | None) -> pd.DataFrame:
    """The recency, frequency and monetary columns RFM reads, named as ``RFM_COLUMNS``."""
    lower = {c.lower(): c for c in frame.columns}
    if features:
        if len(features) != 3:
            raise InvalidParameterError(
                "The 'features' parameter of rfm must name 3 columns: recency, frequency and "
                f"monetary, in that order. Got {list(features)!r} instead."
            )
        chosen = list(features)
    else:
        chosen = [lower.get(c) or lower.get(c.split("_")[0]) for c in RFM_COLUMNS]
    if any(c is None or c not in frame.columns for c in chosen):
        raise InvalidParameterError(
            "RFM needs recency, frequency and monetary columns (recency_days, frequency, "
            "monetary from the features step). Name yours with --features R,F,M."
        )
    return frame[chosen].set_axis(list(RFM_COLUMNS), axis=1)


def run_recipe(ws, table, algorithm, params, seed, config, features) -> dict[str, Any]:
    """The recipe stored with a run: its source table (and how it was built), preparation and
    algorithm; ``recipe.recipe_toml`` writes it as TOML."""
    info = ws.table(table)
    source: dict[str, Any] = {"table": table, "kind": info.kind}
    if info.kind == "features":
        opts = info.options
        built_from = opts.get("source")
        source.update(
            built_from=built_from,
            as_of=opts.get("as_of"),
            roles={k: v for k, v in (opts.get("roles") or {}).items() if v},
            top_categories=opts.get("top_categories", 8),
        )
        if built_from and ws.has_table(built_from):
            raw = ws.table(built_from)
            source.update(file=raw.source_file or "", file_sha256=raw.source_sha256 or "")
    recipe: dict[str, Any] = {
        "version": 1,
        "source": source,
        "algorithm": {
            "name": algorithm,
            "seed": seed,
            "params": {k: v for k, v in params.items() if v is not None},
        },
    }
    if config is not None:
        recipe["features"] = config.to_dict()
    elif features:
        recipe["features"] = {"features": list(features)}
    return recipe

"""A prediction as features: a feature table with each customer's prediction joined to it, so
a segmentation can use value and churn risk.

The new table (kind ``features``) holds every column of the feature table and ``p_alive``,
``expected_orders``, ``predicted_clv``, ``predicted_clv_low``, ``predicted_clv_high`` and
``churn_risk`` (text: low / medium / high); customers the prediction does not know (no
purchase by its observation end) get empty values. Written in one transaction.

>>> join_prediction(ws, "shop_features", "p1").name  # doctest: +SKIP
'shop_features_p1'
"""

from __future__ import annotations

from datetime import datetime

from ..errors import InvalidParameterError
from ..workspace import META, ColumnInfo, TableInfo, Workspace, quote_ident
from .store import SCHEMA, read_prediction

JOINED = {
    "p_alive": ("p_alive", "DOUBLE"),
    "expected_orders": ("expected_orders", "DOUBLE"),
    "predicted_clv": ("clv", "DOUBLE"),
    "predicted_clv_low": ("clv_low", "DOUBLE"),
    "predicted_clv_high": ("clv_high", "DOUBLE"),
    "churn_risk": ("churn_risk", "VARCHAR"),
}


def join_prediction(
    ws: Workspace,
    features: str,
    prediction: str,
    *,
    name: str | None = None,
    replace: bool = False,
) -> TableInfo:
    """A new feature table: ``features`` with the prediction's columns joined by customer."""
    info = ws.table(features)
    if info.kind != "features":
        raise InvalidParameterError(
            f"Table {features!r} is of kind {info.kind!r}; a prediction is joined to a feature "
            "table. Build features first (`segment features TABLE` or the Features page)."
        )
    clash = sorted(set(JOINED) & {c.name for c in info.columns})
    if clash:
        raise InvalidParameterError(
            f"Table {features!r} already has the columns {', '.join(clash)}; join the "
            "prediction to the feature table it was made from."
        )
    pid = read_prediction(ws, prediction)["summary"]["prediction_id"]
    target = ws.check_new_name(name or f"{features[:50]}_{pid}", replace=replace)
    id_column = info.roles.get("customer_id", "customer_id")
    added = ", ".join(
        f"p.{quote_ident(src)} AS {quote_ident(col)}" for col, (src, _) in JOINED.items()
    )
    ws.ensure_schema(SCHEMA)
    with ws.transaction() as cur:
        if replace:
            cur.execute(f"DROP TABLE IF EXISTS {quote_ident(target)}").fetchall()
        cur.execute(
            f"CREATE TABLE {quote_ident(target)} AS SELECT f.*, {added} "
            f"FROM {quote_ident(features)} AS f LEFT JOIN {META}.prediction_customers AS p "
            f"ON p.prediction_id = ? AND p.customer_id = CAST(f.{quote_ident(id_column)} AS VARCHAR)",
            [pid],
        ).fetchall()
        rows = cur.execute(f"SELECT count(*) FROM {quote_ident(target)}").fetchone()[0]
        columns = list(info.columns) + [ColumnInfo(col, kind) for col, (_, kind) in JOINED.items()]
        joined = TableInfo(
            name=target,
            kind="features",
            rows=int(rows),
            columns=columns,
            loaded_at=datetime.now(),
            quality=dict(info.quality),
            warnings=list(info.warnings),
            options={**info.options, "joined_to": features, "prediction": pid},
        )
        ws.register_table(cur, joined)
    return ws.table(target)

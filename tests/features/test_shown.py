"""Which features are shown for a run: its own, then the behavioural ones the table has."""

from __future__ import annotations

from segmentation.features.shown import chosen_features, shown_features
from segmentation.workspace import open_workspace


def test_shown_features_put_the_runs_choice_first_and_skip_the_id(tmp_path):
    ws = open_workspace(tmp_path / "ws.duckdb")
    with ws.transaction() as cur:
        cur.execute(
            "CREATE TABLE feat AS SELECT '1' AS customer_id, 1.0 AS monetary, 2 AS frequency, "
            "3 AS recency_days, 4.0 AS aov, 5.0 AS other"
        )
    from segmentation.workspace import ColumnInfo, TableInfo

    info = TableInfo(
        "feat",
        "features",
        1,
        [ColumnInfo("customer_id", "VARCHAR", "customer_id")]
        + [
            ColumnInfo(c, "DOUBLE")
            for c in ("monetary", "frequency", "recency_days", "aov", "other")
        ],
    )
    with ws.transaction() as cur:
        ws.register_table(cur, info)
    shown = shown_features(ws, "feat", ["other", "missing"])
    assert shown[0] == "other" and "customer_id" not in shown and "missing" not in shown
    assert {"monetary", "frequency", "recency_days", "aov"} <= set(shown)
    rfm = shown_features(ws, "feat", [], rfm=True)
    assert rfm[:3] == ["recency_days", "frequency", "monetary"]
    assert chosen_features({"features": {"features": ["aov"]}}) == ["aov"]

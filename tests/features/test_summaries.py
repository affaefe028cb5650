import pytest

from segmentation import charts
from segmentation.errors import InvalidParameterError
from segmentation.features import summaries as stats
from segmentation.workspace import open_workspace


@pytest.fixture
def ws(workspace_path):
    ws = open_workspace(workspace_path)
    with ws.transaction() as cur:
        cur.execute(
            "CREATE TABLE f AS SELECT range AS customer_id, range::DOUBLE AS x, "
            "(100 - range)::DOUBLE AS y, CASE WHEN range % 10 = 0 THEN NULL ELSE "
            "range * range END AS z, 'a' AS t FROM range(100)"
        )
    from segmentation.workspace import ColumnInfo, TableInfo

    with ws.transaction() as cur:
        ws.register_table(
            cur,
            TableInfo(
                "f",
                "features",
                100,
                [
                    ColumnInfo("customer_id", "BIGINT", "customer_id"),
                    ColumnInfo("x", "DOUBLE"),
                    ColumnInfo("y", "DOUBLE"),
                    ColumnInfo("z", "BIGINT"),
                    ColumnInfo("t", "VARCHAR"),
                ],
            ),
        )
    return ws


def test_histogram_counts_every_present_value_once(ws):
    bins = stats.histogram(ws, "f", "x", bins=10)
    assert list(bins["count"]) == [10] * 10
    assert bins["start"].iloc[0] == 0 and bins["end"].iloc[-1] == 99
    assert stats.histogram(ws, "f", "z", bins=7)["count"].sum() == 90


def test_log_histogram_edges_are_in_the_columns_units(ws):
    bins = stats.histogram(ws, "f", "x", bins=4, log=True)
    assert bins["count"].sum() == 100
    assert bins["start"].iloc[0] == pytest.approx(0.0)
    assert bins["end"].iloc[-1] == pytest.approx(99.0)


def test_histogram_refuses_text_and_unknown_columns(ws):
    with pytest.raises(InvalidParameterError, match="'column' parameter must be a numeric"):
        stats.histogram(ws, "f", "t")
    with pytest.raises(InvalidParameterError, match="'bins' parameter"):
        stats.histogram(ws, "f", "x", bins=1)


def test_correlations_of_opposite_columns(ws):
    corr = stats.correlations(ws, "f", ["x", "y"])
    assert corr.loc["x", "y"] == pytest.approx(-1.0)


def test_read_table_samples_and_checks_columns(ws):
    assert len(stats.read_table(ws, "f", sample=10)) == 10
    assert list(stats.read_table(ws, "f", ["x"]).columns) == ["x"]
    with pytest.raises(InvalidParameterError, match="Unknown column"):
        stats.read_table(ws, "f", ["nope"])


def test_charts_are_figures_with_the_data(ws):
    fig = charts.histogram(stats.histogram(ws, "f", "x", bins=5), "x")
    assert list(fig.data[0].y) == [20] * 5
    heat = charts.correlation_heatmap(stats.correlations(ws, "f", ["x", "y", "z"]))
    assert heat.data[0].z.shape == (3, 3)

"""The Recommend and Customer pages with AppTest, on real workspace files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import make_app, sample_run_workspace, texts

from segmentation.ingest.load import ingest_file
from segmentation.recommend import list_sets, recommend
from segmentation.workspace import open_workspace


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """The sample shop (1,500 customers) with a k-means run r1 and its customer table."""
    folder = tmp_path_factory.mktemp("app_recommend")
    path = sample_run_workspace(folder)
    ws = open_workspace(path)
    ingest_file(ws, folder / "customers.csv", table="people")
    ws.close()
    return path


def copy_of(template: Path, tmp_path: Path) -> Path:
    path = tmp_path / "ws.duckdb"
    shutil.copy(template, path)
    return path


def open_page(monkeypatch, path: Path, page: str):
    at = make_app(monkeypatch, path).run()
    return at.switch_page(f"pages/{page}.py").run()


def test_recommend_without_a_run_says_where_to_make_one(monkeypatch, workspace_path):
    at = open_page(monkeypatch, workspace_path, "recommend")
    assert not at.exception
    assert "Make a segmentation run first" in texts(at.info)


def test_recommend_makes_a_set_and_shows_it_against_the_baselines(monkeypatch, tmp_path, template):
    path = copy_of(template, tmp_path)
    at = open_page(monkeypatch, path, "recommend")
    assert not at.exception and "No recommendations from this source yet" in texts(at.info)
    next(b for b in at.button if b.label == "Make recommendations").click().run()
    assert not at.exception, at.exception
    assert "Made item-knn for r1 (rec1)." in texts(at.success)
    table = at.dataframe[0].value
    assert list(table["method"]) == ["item-knn", "popular", "segment-popular"]
    keys = {c.key for c in at.get("plotly_chart")}
    assert {"recommend_eval_chart", "recommend_lift_chart"} <= keys
    preview = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert list(preview.columns) == [
        "customer_id", "rank", "product", "description", "score", "reason",
    ]  # fmt: skip
    assert len(preview) == 200
    assert [s.recommendation_id for s in list_sets(open_workspace(path))] == ["rec1"]


def test_recommend_for_a_run_without_products_says_which_role(monkeypatch, tmp_path):
    from segmentation.features.build import build_features
    from segmentation.segment import runs

    path = tmp_path / "ws.duckdb"
    csv = tmp_path / "orders.csv"
    csv.write_text(
        "customer,order,date,amount\n"
        + "\n".join(
            f"c{c},o{c}{o},2024-0{o + 1}-0{c % 9 + 1},{c + o}.5"
            for c in range(40)
            for o in range(2)
        )
        + "\n"
    )
    ws = open_workspace(path)
    ingest_file(ws, csv, table="orders")
    build_features(ws, "orders", name="f")
    runs.run_segmentation(ws, "f", params={"n_clusters": 2})
    at = open_page(monkeypatch, path, "recommend")
    assert not at.exception
    assert "no product role" in texts(at.error) and "Set the product role" in texts(at.error)


def test_customer_page_shows_one_customer_and_hides_personal_fields(
    monkeypatch, tmp_path, template
):
    path = copy_of(template, tmp_path)
    ws = open_workspace(path)
    recommend(ws, "r1", evaluate_first=False)
    cid = ws.query("SELECT min(customer_id) FROM _seg.assignments WHERE run_id = 'r1'")[0][0]
    email = ws.query("SELECT email FROM people WHERE customer_id = ?", [cid])[0][0]
    at = open_page(monkeypatch, path, "customer")
    assert "Type a customer id" in texts(at.info)
    at.text_input(key="customer_id").set_value(cid).run()
    assert not at.exception, at.exception
    assert at.subheader[0].value.startswith("Segment ")
    assert [m.label for m in at.metric][:2] == ["Orders", "Products"]
    assert "The rule that covers them" in texts(at.markdown)
    assert "customer_features_chart" in {c.key for c in at.get("plotly_chart")}
    recs = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert len(recs) == 10 and recs["reason"].str.len().gt(0).all()
    assert email not in repr(at)  # hidden until asked
    at.toggle(key="customer_reveal").set_value(True).run()
    assert email in at.table[0].value.to_string()


def test_customer_page_with_an_unknown_id(monkeypatch, tmp_path, template):
    at = open_page(monkeypatch, copy_of(template, tmp_path), "customer")
    at.text_input(key="customer_id").set_value("NOBODY-1").run()
    assert not at.exception
    assert "No customer with that id is in run r1" in texts(at.error)
    assert "NOBODY-1" not in texts(at.error)


def test_export_page_adds_a_sets_recommendations(monkeypatch, tmp_path, template):
    from segmentation.export.log import list_exports

    path = copy_of(template, tmp_path)
    ws = open_workspace(path)
    recommend(ws, "r1", top=3, evaluate_first=False)
    at = open_page(monkeypatch, path, "export")
    at.selectbox(key="export_recs_r1").set_value("rec1").run()
    assert not at.exception and not at.error
    at.button(key="export_go").click().run()
    assert not at.exception and not at.error
    assert at.get("download_button")
    (record,) = list_exports(open_workspace(path))
    assert (record.options["recommendations"], record.options["rec_top"]) == ("rec1", 3)


def test_recommend_from_a_table_and_a_segments_categories(monkeypatch, tmp_path, template):
    path = copy_of(template, tmp_path)
    ws = open_workspace(path)
    recommend(ws, "r1", evaluate_first=False)
    at = open_page(monkeypatch, path, "recommend")
    at.radio(key="recommend_dim").set_value("category").run()
    assert not at.exception and not at.error
    assert "recommend_lift_chart" in {c.key for c in at.get("plotly_chart")}
    at.radio(key="recommend_source").set_value("tx").run()
    assert "No recommendations from this source yet" in texts(at.info)
    next(b for b in at.button if b.label == "Make recommendations").click().run()
    assert not at.exception and not at.error
    assert [(s.recommendation_id, s.source) for s in list_sets(ws)] == [
        ("rec1", "r1"),
        ("rec2", "tx"),
    ]
    assert "recommend_lift_chart" not in {c.key for c in at.get("plotly_chart")}


def test_rules_of_the_segment_or_of_everyone(monkeypatch, tmp_path, template):
    path = copy_of(template, tmp_path)
    recommend(open_workspace(path), "r1", evaluate_first=False)
    at = open_page(monkeypatch, path, "recommend")
    at.number_input(key="recommend_orders").set_value(3).run()
    segment_caption = next(c.value for c in at.caption if "rules from" in c.value)
    at.toggle(key="recommend_all").set_value(True).run()
    assert not at.exception and not at.error
    everyone_caption = next(c.value for c in at.caption if "rules from" in c.value)
    assert segment_caption.endswith("orders of the segment.")
    assert everyone_caption.endswith("orders of all customers.")
    count = int(everyone_caption.split(" rules from ")[1].split(" orders")[0].replace(",", ""))
    assert count > int(
        segment_caption.split(" rules from ")[1].split(" orders")[0].replace(",", "")
    )

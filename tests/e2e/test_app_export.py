"""The Export page with AppTest, on real workspace files."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from segmentation.demo.sample import write_sample
from segmentation.features.build import build_features
from segmentation.ingest.load import ingest_file
from segmentation.segment.runs import run_segmentation
from segmentation.workspace import open_workspace

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "export.py"


def export_page(monkeypatch: pytest.MonkeyPatch, workspace: Path, folder: Path) -> AppTest:
    monkeypatch.setenv("SEGMENT_WORKSPACE", str(workspace))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90).run()
    return at.switch_page("pages/export.py").run()


@pytest.fixture(scope="module")
def run_workspace(tmp_path_factory) -> Path:
    """A workspace with the sample's transactions and customers, features and a k-means run."""
    folder = tmp_path_factory.mktemp("export_app")
    write_sample(folder, customers=800, seed=5)
    path = folder / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, folder / "transactions.csv", table="transactions")
    ingest_file(ws, folder / "customers.csv", table="customers")
    build_features(ws, "transactions")
    run_segmentation(ws, "transactions_features", params={"n_clusters": 4})
    return path


def texts(elements) -> str:
    return "\n".join(str(e.value) for e in elements)


def test_page_without_a_run_says_to_segment_first(monkeypatch, tmp_path):
    at = export_page(monkeypatch, tmp_path / "empty.duckdb", tmp_path)
    assert not at.exception
    assert "Run a segmentation on the Segment page" in texts(at.info)
    assert not at.button


def test_page_shows_readiness_and_exports_a_download(monkeypatch, run_workspace, tmp_path):
    at = export_page(monkeypatch, run_workspace, tmp_path)
    assert not at.exception, at.exception
    assert at.selectbox(key="export_run").value == "r1"
    assert at.title[0].value == "Export"
    at.selectbox(key="export_format").set_value("google-ads")
    at.number_input(key="export_holdout").set_value(10)
    at.text_input(key="export_country").set_value("GB")
    at.run()
    assert not at.exception and not at.error
    report = at.dataframe[0].value
    assert list(report["segment_id"]) == [1, 2, 3, 4]
    assert report["valid_email_pct"].between(80, 100).all()
    assert report["holdout_rows"].sum() > 0
    assert "can be detected with 80% power" in texts(at.info)
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["Customers to export"].replace(",", "")) == report["rows"].sum()
    at.button(key="export_go").click().run()
    assert not at.exception and not at.error
    assert at.get("download_button"), "the export should offer a download"
    assert "Export e1 is recorded" in texts(at.success)
    log = at.dataframe[-1].value
    assert log["format"].tolist() == ["google-ads"]
    assert "r1-google-ads.csv" in log["files"][0] and "r1-google-ads-holdout.csv" in log["files"][0]


def test_page_shows_a_wrong_choice_as_an_error(monkeypatch, run_workspace, tmp_path):
    at = export_page(monkeypatch, run_workspace, tmp_path)
    at.text_input(key="export_country").set_value("Atlantis").run()
    assert not at.exception
    assert "default_country" in texts(at.error) and "Atlantis" in texts(at.error)
    at.text_input(key="export_country").set_value("").run()
    at.multiselect(key="export_seg_r1").set_value([]).run()
    assert "Choose at least one segment" in texts(at.error)


def test_small_segments_are_flagged_on_the_page(monkeypatch, run_workspace, tmp_path):
    at = export_page(monkeypatch, run_workspace, tmp_path)
    at.number_input(key="export_min_size").set_value(250).run()
    assert not at.exception
    assert "fewer than 250 customers" in texts(at.warning)
    report = at.dataframe[0].value
    assert report.loc[report["rows"] < 250, "small"].all()
    assert not report.loc[report["rows"] >= 250, "small"].any()


def test_format_and_holdout_are_kept_after_visiting_another_page(
    monkeypatch, run_workspace, tmp_path
):
    at = export_page(monkeypatch, run_workspace, tmp_path)
    at.selectbox(key="export_format").set_value("xlsx")
    at.number_input(key="export_holdout").set_value(10).run()
    at.switch_page("pages/home.py").run()
    at.switch_page("pages/export.py").run()
    assert not at.exception
    assert at.selectbox(key="export_format").value == "xlsx"
    assert at.number_input(key="export_holdout").value == 10


def test_one_csv_with_a_holdout_is_two_csv_files_to_download(monkeypatch, run_workspace, tmp_path):
    at = export_page(monkeypatch, run_workspace, tmp_path)
    at.number_input(key="export_holdout").set_value(10).run()
    at.button(key="export_go").click().run()
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [
        "Download r1-csv.csv",
        "Download r1-csv-holdout.csv (the holdout: do not target)",
    ]


def test_switching_the_format_takes_the_last_file_away(monkeypatch, run_workspace, tmp_path):
    at = export_page(monkeypatch, run_workspace, tmp_path)
    at.button(key="export_go").click().run()
    assert len(at.get("download_button")) == 1
    at.selectbox(key="export_format").set_value("parquet").run()
    assert not at.exception
    assert not at.get("download_button")
    assert "export again for a file to download" in texts(at.caption)


def test_readiness_columns_without_a_contact_table_are_left_out(monkeypatch, tmp_path):
    """Without e-mails or phones the readiness columns hold nothing: not a column of "None"."""
    write_sample(tmp_path, customers=300, seed=6)
    path = tmp_path / "ws.duckdb"
    ws = open_workspace(path)
    ingest_file(ws, tmp_path / "transactions.csv", table="transactions")
    build_features(ws, "transactions")
    run_segmentation(ws, "transactions_features", params={"n_clusters": 3})
    ws.close()
    at = export_page(monkeypatch, path, tmp_path)
    assert not at.exception, at.exception
    assert "No contact table" in texts(at.caption)
    shown = list(at.dataframe[0].proto.column_order)
    assert "segment" in shown and "rows" in shown
    assert not {"valid_email_pct", "valid_phone_pct"} & set(shown)

"""Tests of the Streamlit app (app.py, pages/) with AppTest and real workspace files."""

from __future__ import annotations

import subprocess
import sys

import pytest
from corpus import BAD_FILES
from helpers import (
    CUSTOMERS,
    TRANSACTIONS,
    data_page,
    features_page,
    load,
    make_app,
    segment_page,
    texts,
    with_features,
)

from segmentation.workspace import open_workspace

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def test_home_on_an_empty_workspace_points_to_the_data_page(monkeypatch, workspace_path):
    at = make_app(monkeypatch, workspace_path).run()
    assert not at.exception
    assert "Open the **Data** page and upload" in texts(at.info)
    sidebar = texts(at.sidebar.caption)
    assert str(workspace_path.resolve()) in sidebar
    assert "No tables yet." in sidebar
    assert "No segmentation run yet." in sidebar


def test_data_page_on_an_empty_workspace_says_to_upload(monkeypatch, workspace_path):
    at = data_page(monkeypatch, workspace_path)
    assert not at.exception
    assert "Upload a file above" in texts(at.info)
    assert "sample data from the **Home** page" in texts(at.info)
    assert [b.label for b in at.button] == ["Load"]
    assert at.button[0].disabled
    assert "data_table" not in [s.key for s in at.selectbox]


def test_home_and_sidebar_list_the_loaded_tables(monkeypatch, workspace_path):
    load(workspace_path, CUSTOMERS)
    at = make_app(monkeypatch, workspace_path).run()
    assert not at.exception
    assert not at.info
    assert at.dataframe[0].value["Table"].tolist() == ["customers"]
    assert "**customers** · customers · 3,000 rows" in texts(at.sidebar.caption)


def test_data_page_shows_preview_roles_and_quality(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)
    at = data_page(monkeypatch, workspace_path)
    assert not at.exception
    assert at.selectbox(key="data_table").value == "transactions"
    preview = at.dataframe[0].value
    assert len(preview) == 100
    assert "customer_id" in preview.columns
    roles = at.data_editor[0].value
    assert dict(zip(roles["name"], roles["role"], strict=True))["customer_id"] == "customer_id"
    assert at.selectbox(key="data_kind_transactions").value == "transactions"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Rows"] == "64,048"
    assert metrics["Returns"] == "5,073"
    assert metrics["Rows without customer id"] == "0"
    per_column = at.dataframe[-1].value
    assert per_column["name"].tolist() == roles["name"].tolist()
    assert "From **transactions.csv**" in texts(at.caption)
    assert "delimiter comma" in texts(at.caption)


def test_a_role_given_twice_shows_an_error_and_changes_nothing(monkeypatch, workspace_path):
    load(workspace_path, CUSTOMERS)
    before = open_workspace(workspace_path).table("customers")
    at = data_page(monkeypatch, workspace_path)
    at.session_state["data_roles_customers"] = {
        "edited_rows": {1: {"role": "customer_id"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.run()
    at.button(key="data_save_customers").click().run()
    assert not at.exception
    assert "The role 'customer_id' is given to two columns" in texts(at.error)
    assert open_workspace(workspace_path).table("customers") == before


def test_saved_roles_and_kind_are_kept(monkeypatch, workspace_path):
    load(workspace_path, CUSTOMERS)
    at = data_page(monkeypatch, workspace_path)
    at.session_state["data_roles_customers"] = {
        "edited_rows": {7: {"role": "category"}},
        "added_rows": [],
        "deleted_rows": [],
    }
    at.selectbox(key="data_kind_customers").set_value("transactions")
    at.run()
    at.button(key="data_save_customers").click().run()
    assert not at.exception
    assert "Saved the roles and kind of customers." in texts(at.success)
    info = open_workspace(workspace_path).table("customers")
    assert info.kind == "transactions"
    assert info.column("city").role == "category"


def test_rename_changes_the_table_name(monkeypatch, workspace_path):
    load(workspace_path, CUSTOMERS)
    at = data_page(monkeypatch, workspace_path)
    at.text_input(key="data_new_name_customers").set_value("crm").run()
    at.button(key="data_rename_customers").click().run()
    assert not at.exception
    assert "Renamed customers to crm." in texts(at.success)
    assert [t.name for t in open_workspace(workspace_path).tables()] == ["crm"]
    assert at.selectbox(key="data_table").value == "crm"


@pytest.mark.parametrize(
    ("new_name", "message"),
    [("transactions", "already exists"), ("9 lives", "Table names use letters")],
)
def test_rename_to_a_bad_name_shows_an_error(monkeypatch, workspace_path, new_name, message):
    load(workspace_path, CUSTOMERS, TRANSACTIONS)
    at = data_page(monkeypatch, workspace_path)
    at.selectbox(key="data_table").set_value("customers").run()
    at.text_input(key="data_new_name_customers").set_value(new_name).run()
    at.button(key="data_rename_customers").click().run()
    assert not at.exception
    assert message in texts(at.error)
    assert [t.name for t in open_workspace(workspace_path).tables()] == [
        "customers",
        "transactions",
    ]


def test_delete_needs_the_confirmation(monkeypatch, workspace_path):
    load(workspace_path, CUSTOMERS)
    at = data_page(monkeypatch, workspace_path)
    assert at.button(key="data_delete_customers").disabled
    at.checkbox(key="data_sure_customers").check().run()
    at.button(key="data_delete_customers").click().run()
    assert not at.exception
    assert "Deleted customers." in texts(at.success)
    assert open_workspace(workspace_path).tables() == []
    assert "Upload a file above" in texts(at.info)


def test_upload_loads_good_files_and_reports_bad_ones(monkeypatch, workspace_path):
    at = data_page(monkeypatch, workspace_path)
    at.file_uploader[0].set_value(
        [
            ("bad.csv", PNG, "text/csv"),
            ("customers.csv", CUSTOMERS.read_bytes(), "text/csv"),
            ("empty.csv", b"", "text/csv"),
        ]
    ).run()
    at.button[0].click().run()
    assert not at.exception
    errors = texts(at.error)
    assert "bad.csv: this is a PNG image" in errors
    assert "empty.csv: the file is empty" in errors
    assert "customers.csv: loaded 3,000 rows into **customers** (customers)." in texts(at.success)
    assert [t.name for t in open_workspace(workspace_path).tables()] == ["customers"]
    assert at.selectbox(key="data_table").value == "customers"
    assert not at.file_uploader[0].value  # the uploader is emptied after a load


def test_an_upload_warns_of_a_text_amount_and_of_zip_codes_without_their_zero(
    monkeypatch, workspace_path
):
    rows = "".join(
        f"c{i % 9},2024-01-{1 + i % 28:02d},${5 + i}.25,US,{'2134' if i % 2 else '90210'}\n"
        for i in range(40)
    )
    text = "customer_id,order_date,amount,country,zip\n" + rows
    at = data_page(monkeypatch, workspace_path)
    at.file_uploader[0].set_value([("orders.csv", text.encode(), "text/csv")]).run()
    at.button[0].click().run()
    assert not at.exception
    warned = texts(at.warning)
    assert "orders: Column 'amount' was read as text" in warned
    assert "orders: Column 'zip': 20 of its 40 US zip codes have 4 digits" in warned
    again = data_page(monkeypatch, workspace_path)  # the table's quality says so on every visit
    assert "Column 'zip': 20 of its 40 US zip codes have 4 digits" in texts(again.warning)


def test_upload_uses_the_reading_options(monkeypatch, workspace_path):
    load(workspace_path, CUSTOMERS)
    text = "client;spend;day\nA;1,5;03/02/2024\nB;2,5;04/02/2024\nA;3,0;05/02/2024\n"
    at = data_page(monkeypatch, workspace_path)
    at.file_uploader[0].set_value(("customers.csv", text.encode(), "text/csv")).run()
    at.button[0].click().run()
    assert "A table named 'customers' already exists" in texts(at.error)

    at.file_uploader[0].set_value(("customers.csv", text.encode(), "text/csv")).run()
    at.selectbox(key="data_delimiter").set_value("semicolon")
    at.text_input(key="data_date_format").set_value("%d/%m/%Y")
    at.text_input(key="data_table_name").set_value("orders")
    at.button[0].click().run()
    assert not at.exception
    assert "loaded 3 rows into **orders**" in texts(at.success)
    info = open_workspace(workspace_path).table("orders")
    assert info.options["date_formats"] == {"day": "%d/%m/%Y"}
    assert info.column("spend").type == "DOUBLE"


def test_a_workspace_held_by_another_process_shows_an_error(monkeypatch, workspace_path):
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "time.sleep(60)",
            str(workspace_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        at = make_app(monkeypatch, workspace_path).run()
        assert not at.exception
        assert "is in use by another process" in texts(at.error)
        assert not at.sidebar.caption
    finally:
        holder.kill()
        holder.wait()


# The uploader itself refuses extensions it does not list (.docx), before the page sees them.
UPLOADABLE = [case for case in BAD_FILES if not case[0].endswith(".docx")]


@pytest.mark.parametrize(("name", "content", "message"), UPLOADABLE)
def test_every_bad_upload_shows_its_message_and_changes_nothing(
    monkeypatch, workspace_path, name, content, message
):
    load(workspace_path, CUSTOMERS)
    at = data_page(monkeypatch, workspace_path)
    at.file_uploader[0].set_value([(name, content, "application/octet-stream")]).run()
    at.button[0].click().run()
    assert not at.exception
    assert name in texts(at.error) and message in texts(at.error)
    assert [(t.name, t.rows) for t in open_workspace(workspace_path).tables()] == [
        ("customers", 3000)
    ]


def test_features_page_without_tables_says_to_load_one(monkeypatch, workspace_path):
    at = features_page(monkeypatch, workspace_path)
    assert not at.exception
    assert "Data** page first" in texts(at.info)


def test_features_page_builds_shows_and_keeps_choices(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)
    at = features_page(monkeypatch, workspace_path)
    assert not at.exception
    next(b for b in at.button if b.label == "Build features").click().run()
    assert not at.exception
    assert "Built **transactions_features**" in texts(at.success)
    assert "transactions_features" in [t.name for t in open_workspace(workspace_path).tables()]
    assert len(at.get("plotly_chart")) >= 1  # the distribution of the first feature
    next(b for b in at.button if b.label == "Use these for segmentation").click().run()
    saved = at.session_state["segment_prep"]["transactions_features"]
    assert "recency_days" in saved["features"] and saved["scaler"] == "standard"


def test_features_page_shows_a_build_error(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)
    at = features_page(monkeypatch, workspace_path)
    at.text_input(key="features_name_transactions").set_value("transactions").run()
    next(b for b in at.button if b.label == "Build features").click().run()
    assert not at.exception
    assert "already exists" in texts(at.error)


def test_segment_page_without_features_says_what_to_do(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)  # a table, but no features yet
    at = segment_page(monkeypatch, workspace_path)
    assert not at.exception
    assert "Features** page first" in texts(at.info)


def test_segment_page_runs_sweeps_and_checks_stability(monkeypatch, workspace_path):
    from segmentation.segment.runs import list_runs

    with_features(workspace_path)
    at = segment_page(monkeypatch, workspace_path)
    assert not at.exception and at.selectbox(key="seg_algorithm").value == "kmeans"
    at.number_input(key="seg_kmeans_n_clusters").set_value(5).run()
    at.button(key="seg_run").click().run()
    assert not at.exception
    assert [m.value for m in at.metric][:2] == ["5", "3,000"]
    assert len(list_runs(open_workspace(workspace_path))) == 1
    at.button(key="seg_sweep").click().run()
    assert "Recommended: k=" in texts(at.info)
    at.button(key="seg_stab").click().run()
    assert not at.exception
    assert "Mean adjusted Rand index" in texts(at.caption)


def test_segment_page_shows_parameter_errors_and_stores_nothing(monkeypatch, workspace_path):
    from segmentation.segment.runs import list_runs

    with_features(workspace_path)
    at = segment_page(monkeypatch, workspace_path)
    at.selectbox(key="seg_algorithm").set_value("hdbscan").run()
    at.number_input(key="seg_hdbscan_min_cluster_size").set_value(100000).run()
    at.button(key="seg_run").click().run()
    assert not at.exception
    assert "min_cluster_size" in texts(at.error)
    assert list_runs(open_workspace(workspace_path)) == []

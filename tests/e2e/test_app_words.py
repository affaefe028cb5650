"""The app's words: library messages without command-line hints, types in plain words."""

from __future__ import annotations

import pytest
from helpers import TRANSACTIONS, data_page, features_page, load, texts

from pages.common import app_words


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (
            "Give a column the 'timestamp' role on the Data page or with `--role timestamp=COLUMN`.",
            "Give a column the 'timestamp' role on the Data page.",
        ),
        (
            "Table 'x' already exists. Choose another name (--table NAME), or replace it "
            "(--replace, or the Replace option on the Data page).",
            "Table 'x' already exists. Choose another name, or replace it (the Replace option "
            "on the Data page).",
        ),
        (
            "Build features first: `segment features feat` or the Features page.",
            "Build features first: the Features page.",
        ),
        (
            "Load one on the Data page (or `segment ingest`), or name it with --contacts TABLE.",
            "Load one on the Data page.",
        ),
        ("There is no run 'r9'. List them with `segment runs`.", "There is no run 'r9'."),
        ("Check the delimiter (--delimiter).", "Check the delimiter."),
    ],
)
def test_command_line_hints_are_left_out_of_app_messages(message, shown):
    assert app_words(message) == shown


def test_a_build_error_on_the_page_names_no_command_line_flag(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)
    at = features_page(monkeypatch, workspace_path)
    at.text_input(key="features_name_transactions").set_value("transactions").run()
    next(b for b in at.button if b.label == "Build features").click().run()
    assert "already exists" in texts(at.error)
    assert "--" not in texts(at.error)


def test_column_types_are_shown_in_words(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)
    at = data_page(monkeypatch, workspace_path)
    assert not at.exception
    roles = at.data_editor[0].value
    types = dict(zip(roles["name"], roles["type"], strict=True))
    assert types["quantity"] == "Whole number" and types["unit_price"] == "Decimal"
    assert types["customer_id"] == "Text" and types["order_date"] == "Date and time"
    assert set(at.dataframe[-1].value["type"]) <= {
        "Whole number",
        "Decimal",
        "Text",
        "Date and time",
    }

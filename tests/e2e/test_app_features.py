"""The Features page (AppTest): the as-of date it shows is the one a build uses."""

from __future__ import annotations

from datetime import date

from helpers import TRANSACTIONS, features_page, load

from segmentation.features.build import build_features, default_as_of
from segmentation.workspace import open_workspace


def test_the_as_of_box_shows_the_day_after_the_last_order(monkeypatch, workspace_path):
    load(workspace_path, TRANSACTIONS)
    ws = open_workspace(workspace_path)
    day = default_as_of(ws, "transactions")
    ws.close()
    assert day is not None and day != date.today()
    at = features_page(monkeypatch, workspace_path)
    assert not at.exception
    shown = at.date_input(key="features_as_of")
    assert shown.disabled and shown.value == day
    at.button[0].click().run()  # Build features, with the default date
    built = open_workspace(workspace_path).table("transactions_features")
    assert built.options["as_of"] == day.isoformat()


def test_default_as_of_is_what_a_build_uses(workspace_path):
    load(workspace_path, TRANSACTIONS)
    ws = open_workspace(workspace_path)
    assert build_features(ws, "transactions").as_of == default_as_of(ws, "transactions")

"""Home (AppTest): the steps, and the sample data loaded from the app."""

from __future__ import annotations

from helpers import make_app, texts

from segmentation.workspace import open_workspace


def test_home_lists_the_steps_and_loads_the_sample_data(monkeypatch, workspace_path):
    at = make_app(monkeypatch, workspace_path).run()
    assert not at.exception
    captions = texts(at.caption)
    assert "Group similar customers" in captions and "with a holdout" in captions
    at.button(key="home_sample").click().run()
    assert not at.exception and not at.error
    assert "Loaded **sample_transactions**" in texts(at.success)
    ws = open_workspace(workspace_path)
    assert {t.name: t.kind for t in ws.tables()} == {
        "sample_transactions": "transactions",
        "sample_customers": "customers",
    }
    assert "home_sample" not in [b.key for b in at.button]

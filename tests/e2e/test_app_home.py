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


def test_table_pickers_default_to_the_table_the_next_step_needs(monkeypatch, workspace_path):
    from segmentation.demo.sample import load_demo

    load_demo(open_workspace(workspace_path))  # transactions first, customers last
    at = make_app(monkeypatch, workspace_path).run()
    at.switch_page("pages/data.py").run()
    assert at.selectbox(key="data_table").value == "sample_transactions"
    at.switch_page("pages/features.py").run()
    assert not at.exception
    assert at.selectbox(key="features_source").value == "sample_transactions"

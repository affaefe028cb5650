import pytest
from helpers import make_app

from segmentation.access import configured_password, is_local, password_matches


def test_password_matches_only_the_same_text():
    assert password_matches("s3cret ü", "s3cret ü")
    assert not password_matches("s3cret", "s3cret ")
    assert not password_matches("", "x")


def test_configured_password_prefers_the_environment(monkeypatch):
    monkeypatch.delenv("SEGMENT_PASSWORD", raising=False)
    assert configured_password({"password": "from-secrets"}) == "from-secrets"
    assert configured_password({}) is None
    assert configured_password(None) is None
    monkeypatch.setenv("SEGMENT_PASSWORD", "from-env")
    assert configured_password({"password": "from-secrets"}) == "from-env"


@pytest.mark.parametrize(
    ("address", "local"),
    [("localhost", True), ("127.0.0.1", True), ("0.0.0.0", False), ("10.1.2.3", False)],
)
def test_is_local(address, local):
    assert is_local(address) is local


def test_app_without_password_says_it_is_open_on_this_machine(monkeypatch, workspace_path):
    monkeypatch.delenv("SEGMENT_PASSWORD", raising=False)
    at = make_app(monkeypatch, workspace_path).run()
    assert not at.exception
    assert "no password set" in "\n".join(c.value for c in at.sidebar.caption)


def test_app_with_a_password_asks_for_it(monkeypatch, workspace_path):
    monkeypatch.setenv("SEGMENT_PASSWORD", "open sesame")
    at = make_app(monkeypatch, workspace_path).run()
    assert not at.exception
    assert [t.value for t in at.title] == ["Segmentation studio"]
    assert not at.sidebar.caption  # nothing of the workspace before the password
    at.text_input(key="access_password").input("wrong").run()
    assert "not right" in "\n".join(e.value for e in at.error)
    assert not at.sidebar.caption
    at.text_input(key="access_password").input("open sesame").run()
    assert not at.exception
    assert "Workspace:" in "\n".join(c.value for c in at.sidebar.caption)

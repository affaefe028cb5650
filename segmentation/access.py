"""Who may open the app: an optional password for a shared deployment.

Without a password the app is meant for this machine only (the server listens on localhost);
with one (``$SEGMENT_PASSWORD`` or ``password`` in ``.streamlit/secrets.toml``) every browser
session must give it first. Passwords are compared in constant time.
"""

from __future__ import annotations

import hmac
import os

LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1", "")


def password_matches(given: str, expected: str) -> bool:
    """Compare a typed password with the configured one in constant time.

    >>> password_matches("s3cret", "s3cret"), password_matches("guess", "s3cret")
    (True, False)
    """
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def configured_password(secrets: object = None) -> str | None:
    """``$SEGMENT_PASSWORD``, else ``secrets["password"]``, else None (no password set)."""
    from_env = os.environ.get("SEGMENT_PASSWORD")
    if from_env:
        return from_env
    try:
        value = secrets["password"] if secrets is not None else None  # type: ignore[index]
    except (KeyError, FileNotFoundError, OSError, TypeError):
        return None
    except Exception:  # Streamlit raises its own error when there is no secrets file
        return None
    return str(value) if value else None


def is_local(address: str | None) -> bool:
    """Whether the server listens on this machine only."""
    return (address or "").strip().lower() in LOCAL_ADDRESSES

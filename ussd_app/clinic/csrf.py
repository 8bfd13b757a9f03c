"""CSRF protection for the dashboard: a per-session token checked on every POST."""

from __future__ import annotations

import hmac
import secrets

from flask import abort, request, session

FIELD = "csrf_token"


def token() -> str:
    value = session.get("_csrf")
    if not value:
        value = secrets.token_urlsafe(32)
        session["_csrf"] = value
    return value


def protect() -> None:
    """Refuse a state-changing request whose form (or header) lacks the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = session.get("_csrf")
    given = request.form.get(FIELD) or request.headers.get("X-CSRF-Token", "")
    if not expected or not hmac.compare_digest(str(given).encode(), str(expected).encode()):
        abort(400, description="CSRF token missing or wrong")

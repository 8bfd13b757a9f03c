"""HTTP endpoints of the gateway side: the USSD callback and the health check."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from sqlalchemy import text as sql
from werkzeug.exceptions import RequestEntityTooLarge

from ussd_app.callback_auth import callback_authenticated, plain, refuse_callback
from ussd_app.ussd_request import BadCallback, UssdRequest

bp = Blueprint("webhook", __name__)
log = logging.getLogger(__name__)


def chunked_body_too_large() -> bool:
    """A chunked body has no Content-Length, and Werkzeug stops reading it at the limit without
    an error (bodies that declare their length are refused by Werkzeug itself): look one byte
    further. The body read here is cached, so the form is parsed from it."""
    if request.content_length is not None:
        return False
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if len(request.get_data(cache=True)) < limit:
        return False
    return bool(request.environ["wsgi.input"].read(1))


@bp.post("/ussd")
def ussd() -> Response:
    if not callback_authenticated(current_app.extensions["ussd_settings"].ussd_callback_token):
        return refuse_callback()
    if chunked_body_too_large():
        raise RequestEntityTooLarge()
    try:
        req = UssdRequest.from_form(request.form)
    except BadCallback as exc:
        return plain(str(exc), 400)
    host = current_app.extensions["ussd_host"]
    return plain(host.answer(req.session_id, req.phone, req.text))


@bp.get("/healthz")
def healthz() -> Response:
    problems = []
    try:
        with current_app.extensions["db_sessions"]() as db:
            db.execute(sql("SELECT 1"))
    except Exception as exc:  # report any failure as unhealthy, with its kind
        problems.append(f"database: {type(exc).__name__}")
    try:
        current_app.extensions["redis"].ping()
    except Exception as exc:  # same: the check must answer, not crash
        problems.append(f"redis: {type(exc).__name__}")
    if problems:
        return plain("unhealthy\n" + "\n".join(problems), 503)
    return plain("ok")

"""ussd_app: USSD and SMS service for mothers, women's savings groups and CSComs in Mali."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException, InternalServerError

MAX_BODY_BYTES = 16 * 1024


def create_app(settings=None, clock=None, **overrides) -> Flask:
    """WSGI factory: `gunicorn 'ussd_app:create_app()'`. Reads the environment here, not at import.

    `clock` (ussd_app/clock.py) is where every request reads the time; by default the system's.
    Outside development (USSD_ENV=development, or settings made so by `ussd-app serve`) it refuses
    to start without real secrets (ussd_app.config.require_safe_to_serve).
    """
    from ussd_app import clock as clocks
    from ussd_app import redact, redis_conn, web_input
    from ussd_app.clinic import register_clinic
    from ussd_app.clinic.api import error_headers, http_error_json, is_api_path
    from ussd_app.config import Settings, require_safe_to_serve
    from ussd_app.db import make_engine, make_session_factory
    from ussd_app.menus import registry
    from ussd_app.menus.host import UssdHost
    from ussd_app.menus.store import SessionStore
    from ussd_app.ops import register_ops
    from ussd_app.webhook import bp as webhook_bp

    app = Flask(__name__, instance_relative_config=True)
    if settings is None:
        settings = Settings.from_env(Path(app.instance_path), **overrides)
    require_safe_to_serve(settings)
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=MAX_BODY_BYTES)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    redact.install()  # no full phone number or token in any log line of this process

    engine = make_engine(settings.database_url, statement_timeout_s=settings.hop_deadline_seconds)
    session_factory = make_session_factory(engine, settings.phone_hash_key)
    redis_client = redis_conn.connect(redis_conn.resolve_redis_url(settings.redis_url, settings.instance_path))
    store = SessionStore(redis_client, settings.session_ttl_seconds, settings.resume_window_seconds)
    clock = clock or clocks.from_settings(settings)

    app.extensions.update(
        ussd_settings=settings,
        db_engine=engine,
        db_sessions=session_factory,
        redis=redis_client,
        clock=clock,
        ussd_host=UssdHost(registry(), store, session_factory, settings, clock),
    )
    # Input the database cannot take is refused here with a 4xx (ussd_app/web_input.py).
    app.url_map.converters["id"] = web_input.IdConverter
    app.before_request(web_input.refuse_nul_in_url)
    app.register_blueprint(webhook_bp)
    register_clinic(app)
    register_ops(app)  # /metrics; a bad DHIS2 mapping stops the start here
    from ussd_app.sms.webhooks import bp as sms_bp

    app.register_blueprint(sms_bp)
    from ussd_app.voice.webhooks import bp as voice_bp

    app.register_blueprint(voice_bp)

    @app.errorhandler(HTTPException)
    def _plain_http_error(exc: HTTPException) -> Response:
        # Gateways and scripts read plain text, API clients JSON; no HTML error pages. The
        # error's own headers stay (a 405's Allow).
        if is_api_path(request.path):
            return http_error_json(exc)
        response = Response(f"{exc.code} {exc.name}", status=exc.code, content_type="text/plain; charset=utf-8")
        response.headers.extend(error_headers(exc))
        return response

    @app.errorhandler(Exception)
    def _plain_unexpected_error(exc: Exception) -> Response:
        # Never an HTML page, never the exception's message (it may quote a PIN). A USSD caller
        # gets a polite END: the gateway ends the session on any 5xx anyway.
        from ussd_app.menus.host import end_answer, redacted_traceback

        logging.getLogger(__name__).error("unexpected error on %s: %s", request.path, redacted_traceback(exc))
        if request.path == "/ussd":
            return Response(end_answer(), status=200, content_type="text/plain; charset=utf-8")
        if is_api_path(request.path):
            return http_error_json(InternalServerError())
        return Response("500 Internal Server Error", status=500, content_type="text/plain; charset=utf-8")

    return app

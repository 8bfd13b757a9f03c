"""Gateway callbacks: who may post them (their token, an optional address allow-list), and the
plain-text answers gateways read. Used by /ussd (ussd_app/webhook.py) and the SMS callbacks
(ussd_app/sms/webhooks.py)."""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Response, current_app, request

log = logging.getLogger(__name__)


def plain(body: str, status: int = 200) -> Response:
    return Response(body, status=status, content_type="text/plain; charset=utf-8")


def _address_allowed(networks: tuple) -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def callback_authenticated(expected_token: str | None) -> bool:
    """A gateway callback is from an allowed network (CALLBACK_ALLOWED_NETWORKS, when set) and
    carries the endpoint's own `?token=` (always in production; development may run without)."""
    settings = current_app.extensions["ussd_settings"]
    if settings.callback_networks and not _address_allowed(settings.callback_networks):
        return False
    if not expected_token:
        return True
    given = request.args.get("token", "")
    return hmac.compare_digest(given.encode("utf-8"), expected_token.encode("utf-8"))


def refuse_callback() -> Response:
    """403, nothing done; logged with the caller's address only (never the form: it names a phone)."""
    log.warning("refused %s callback from %s: wrong token or address", request.path, request.remote_addr)
    return plain("forbidden", 403)

"""Gateway callbacks for SMS: delivery reports and incoming messages.

Each gateway posts to its own routes, `/sms/<gateway>/delivery` and `/sms/<gateway>/inbound`
(Africa's Talking's also at `/sms/delivery` and `/sms/inbound`); its adapter parses the body into
neutral reports and messages (ussd_app/sms/gateways). Both are authenticated like `/ussd`, with
their own token: `?token=<SMS_CALLBACK_TOKEN>` (and CALLBACK_ALLOWED_NETWORKS when set); a refused
post changes nothing. Delivery reports may repeat and arrive out of order: a row's status only
ever moves forward.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, request

from ussd_app.callback_auth import callback_authenticated, plain, refuse_callback
from ussd_app.clock import app_now
from ussd_app.sms import outbox
from ussd_app.sms.gateways import webhook_parser
from ussd_app.sms.gateways.interface import (
    BadWebhook,
    DeliveryReport,
    WebhookParser,
    WebhookPayload,
)
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.inbound import handle_inbound, inbound_key
from ussd_app.sms.outbox import take_new_outbox_ids
from ussd_app.ussd_request import BadCallback, normalise_phone

bp = Blueprint("sms", __name__)


def apply_delivery_report(db, report: DeliveryReport, now) -> bool:
    """Move the row forward to the reported status; False when unknown or not forward."""
    return outbox.apply_report(db, report.provider_message_id, report.status, now, report.reason)


def _parser(gateway: str) -> WebhookParser:
    parser = webhook_parser(gateway)
    if parser is None:
        abort(404)
    return parser


def _payload() -> WebhookPayload:
    # The form first: reading the raw body for JSON before would leave a form body unparsed.
    form = request.form
    return WebhookPayload(form, None if form else request.get_json(force=True, silent=True))


@bp.post("/sms/delivery", defaults={"gateway": "africastalking"})
@bp.post("/sms/<gateway>/delivery")
def delivery(gateway: str) -> Response:
    if not callback_authenticated(current_app.extensions["ussd_settings"].sms_callback_token):
        return refuse_callback()
    try:
        reports = _parser(gateway).delivery_reports(_payload())
    except BadWebhook as exc:
        return plain(str(exc), 400)
    with current_app.extensions["db_sessions"]() as db, db.begin():
        moved = [apply_delivery_report(db, report, app_now()) for report in reports]
    # Always 200 for a well-formed report: a repeat or a late report is not an error to retry.
    return plain("ok" if any(moved) else "ok (no change)")


@bp.post("/sms/inbound", defaults={"gateway": "africastalking"})
@bp.post("/sms/<gateway>/inbound")
def inbound(gateway: str) -> Response:
    if not callback_authenticated(current_app.extensions["ussd_settings"].sms_callback_token):
        return refuse_callback()
    try:
        message = _parser(gateway).inbound_message(_payload())
        phone = normalise_phone(message.phone)
    except BadWebhook as exc:
        return plain(str(exc), 400)
    except BadCallback:
        return plain("the sender is not a phone number", 400)
    key = inbound_key(phone, message.text, message.provider_id, message.received_at)
    with current_app.extensions["db_sessions"]() as db:
        with db.begin():
            action = handle_inbound(db, phone=phone, text=message.text, key=key, now=app_now())
        enqueue_outbox(current_app.extensions["redis"], take_new_outbox_ids(db))
    return plain(action or "ok")

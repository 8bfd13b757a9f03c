"""Gateway callbacks for SMS: delivery reports and incoming messages.

Both are authenticated like `/ussd`, with their own token: `?token=<SMS_CALLBACK_TOKEN>` (and
CALLBACK_ALLOWED_NETWORKS when set); a refused post changes nothing. Delivery reports
may repeat and arrive out of order: a row's status only ever moves forward.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from sqlalchemy import update

from ussd_app.clock import app_now
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.inbound import handle_inbound, inbound_key
from ussd_app.sms.outbox import RANK, OutboxMessage, take_new_outbox_ids
from ussd_app.ussd_request import BadCallback, normalise_phone
from ussd_app.webhook import callback_authenticated, plain, refuse_callback

bp = Blueprint("sms", __name__)

# Delivery report statuses (Africa's Talking) -> outbox status.
REPORT_STATUS = {"sent": "sent", "submitted": "sent", "buffered": "sent", "success": "delivered",
                 "failed": "failed", "rejected": "rejected", "expired": "failed"}
MAX_FIELD = 200


def apply_delivery_report(db, message_id: str, report_status: str, reason: str | None, now) -> bool:
    """Move the row forward to the reported status; False when unknown or not forward."""
    new = REPORT_STATUS.get(report_status.strip().lower())
    if new is None:
        return False
    behind = [s for s, rank in RANK.items() if rank < RANK[new]]
    values = dict(status=new, updated_at=now)
    if RANK[new] == RANK["delivered"]:
        values["final_at"] = now
        if reason:
            values["last_error"] = reason[:300]
    result = db.execute(update(OutboxMessage)
                        .where(OutboxMessage.provider_message_id == message_id, OutboxMessage.status.in_(behind))
                        .values(**values).execution_options(synchronize_session=False))
    return result.rowcount > 0


@bp.post("/sms/delivery")
def delivery() -> Response:
    if not callback_authenticated(current_app.extensions["ussd_settings"].sms_callback_token):
        return refuse_callback()
    message_id = (request.form.get("id") or "").strip()
    status = (request.form.get("status") or "").strip()
    if not message_id or not status or len(message_id) > MAX_FIELD or len(status) > 40:
        return plain("id and status are required", 400)
    reason = (request.form.get("failureReason") or "").strip()[:MAX_FIELD] or None
    with current_app.extensions["db_sessions"]() as db, db.begin():
        moved = apply_delivery_report(db, message_id, status, reason, app_now())
    # Always 200 for a well-formed report: a repeat or a late report is not an error to retry.
    return plain("ok" if moved else "ok (no change)")


@bp.post("/sms/inbound")
def inbound() -> Response:
    if not callback_authenticated(current_app.extensions["ussd_settings"].sms_callback_token):
        return refuse_callback()
    text = request.form.get("text") or ""
    try:
        phone = normalise_phone((request.form.get("from") or "").strip()[:20])
    except BadCallback:
        return plain("from is not a phone number", 400)
    if len(text) > 1600:
        return plain("text is too long", 400)
    key = inbound_key(phone, text, (request.form.get("id") or "").strip()[:MAX_FIELD] or None,
                      request.form.get("date"))
    with current_app.extensions["db_sessions"]() as db:
        with db.begin():
            action = handle_inbound(db, phone=phone, text=text, key=key, now=app_now())
        enqueue_outbox(current_app.extensions["redis"], take_new_outbox_ids(db))
    return plain(action or "ok")

"""Africa's Talking Voice callbacks, and the recordings the gateway fetches.

Register on the voice number (Africa's Talking dashboard, Voice, the number's settings):
callback URL `https://<host>/voice/callback?token=<VOICE_CALLBACK_TOKEN>` and events URL
`https://<host>/voice/events?token=<VOICE_CALLBACK_TOKEN>`; authenticated like the other
callbacks (ussd_app/callback_auth.py). Fields read (Africa's Talking, "Handle calls": POST
variables): `isActive` (1 during the call; 0 in the final request, with `durationInSeconds`,
`amount` and `currencyCode`), `sessionId`, `direction`, `callerNumber` (her number: "the phone
user in the call"), `destinationNumber` (ours), `dtmfDigits` (after GetDigits), `status`,
`callSessionState` and `hangupCause` (why a call did not go through: NO_ANSWER, USER_BUSY, ...).

The events URL acts only on the end of a call (`isActive=0`); its other events change nothing.
The answer plays her message's fragments, then offers 1 (hear it again) and 2 (stop these calls).
An unknown session, a call already answered or ended, or an inbound call gets `<Reject/>`: a
polite hang-up that changes nothing. Recordings are served at `/voice/media/<key>` (the key
names the content: cached for good).
"""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, current_app, request
from sqlalchemy import select

from ussd_app.callback_auth import callback_authenticated, refuse_callback
from ussd_app.clock import app_now
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.outbox import ANSWERED, FINAL, PLACED, PLACING, VOICE, OutboxMessage, take_new_outbox_ids
from ussd_app.sms.outbox_calls import mark_call_answered, mark_call_placed, take_new_call_ids
from ussd_app.ussd_request import BadCallback, normalise_phone
from ussd_app.voice import xml
from ussd_app.voice.audio import placeholder_tone
from ussd_app.voice.calls import end_of_call
from ussd_app.voice.channels import stop_calls
from ussd_app.voice.fragments import call_fragments
from ussd_app.voice.recordings import by_storage_key, recordings_for
from ussd_app.voice.storage import KEY, storage_from_settings

log = logging.getLogger(__name__)
bp = Blueprint("voice", __name__)
SESSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
WORD = re.compile(r"^[A-Za-z_]{1,40}$")  # status, callSessionState, hangupCause


def _xml(body: str) -> Response:
    return Response(body, content_type="application/xml; charset=utf-8")


def _base_url() -> str:
    return current_app.extensions["ussd_settings"].public_base_url or request.host_url.rstrip("/")


def _media_urls(db, language: str, keys: list[str]) -> dict[str, str]:
    base = _base_url()
    return {k: f"{base}/voice/media/{r.storage_key}" for k, r in recordings_for(db, language, keys).items()}


def _message_xml(db, row: OutboxMessage) -> str:
    urls = _media_urls(db, row.language, call_fragments(row.fragments))
    token = request.args.get("token")
    digits_url = f"{_base_url()}/voice/callback" + (f"?token={token}" if token else "")
    return xml.play_then_menu([urls[k] for k in row.fragments if k in urls], urls.get("menu.repeat_or_stop"),
                              digits_url, urls.get("menu.goodbye"))


def _find_or_adopt(db, session_id: str, phone: str | None, now) -> OutboxMessage | None:
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.provider_message_id == session_id,
                                                OutboxMessage.channel == VOICE).with_for_update())
    if row is not None or phone is None:
        return row
    # A worker stopped between its request and recording the answer: the call rang all the
    # same, and this is it (the row is still `placing`, never requested again).
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == phone, OutboxMessage.channel == VOICE,
                                                OutboxMessage.call_state == PLACING,
                                                OutboxMessage.status.not_in(FINAL))
                    .order_by(OutboxMessage.id.desc()).limit(1).with_for_update())
    if row is not None:
        mark_call_placed(row, session_id, now)
    return row


def _int(value) -> int | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(min(max(number, 0), 86400)) if number == number else None  # NaN is not a duration


def _word(value) -> str | None:
    text = value.strip() if isinstance(value, str) else ""
    return text if WORD.match(text) else None


def _cost(form) -> str | None:
    amount, currency = (form.get("amount") or "").strip(), (form.get("currencyCode") or "").strip()
    if not (re.fullmatch(r"\d{1,10}(\.\d{1,6})?", amount) and re.fullmatch(r"[A-Z]{3}", currency)):
        return None
    return f"{currency} {amount}"


def _end(db, row: OutboxMessage, form, now) -> str:
    status = _word(form.get("status")) or _word(form.get("callSessionState")) or ""
    answered = row.call_state == ANSWERED or status in ("Success", "Completed")
    return end_of_call(db, row, answered=answered, status=status,
                       cause=_word(form.get("hangupCause")),
                       duration_s=_int(form.get("durationInSeconds")), cost=_cost(form), now=now,
                       settings=current_app.extensions["ussd_settings"])


def _during(db, row: OutboxMessage, form, now) -> str:
    digits = (form.get("dtmfDigits") or "").strip()[:8]
    if not digits:
        if row.call_state not in (PLACED, PLACING):
            return xml.reject()  # answered already: a replayed answer callback
        mark_call_answered(row, now)
        return _message_xml(db, row)
    if row.call_state != ANSWERED:
        return xml.reject()
    if digits.startswith("1"):
        return _message_xml(db, row)
    keys = ["menu.stopped"] if digits.startswith("2") else ["menu.goodbye"]
    if digits.startswith("2"):
        stop_calls(db, row.recipient, now)
    return xml.play_and_end(list(_media_urls(db, row.language, keys).values()))


def _handle(events_only: bool = False) -> Response:
    if not callback_authenticated(current_app.extensions["ussd_settings"].voice_callback_token):
        return refuse_callback()
    form = request.form
    session_id = (form.get("sessionId") or "").strip()
    if not SESSION_ID.match(session_id):
        return Response("sessionId is required (letters, digits, _ . : -)", status=400,
                        content_type="text/plain; charset=utf-8")
    try:
        phone = normalise_phone(form.get("callerNumber") or "")
    except BadCallback:
        phone = None
    final = (form.get("isActive") or "").strip() == "0"
    inbound = (form.get("direction") or "").strip().lower() == "inbound"
    now = app_now()
    with current_app.extensions["db_sessions"]() as db:
        with db.begin():
            row = None if inbound else _find_or_adopt(db, session_id, phone, now)
            if row is None:
                answer, what = xml.reject(), "unknown session"
            elif final:
                answer, what = xml.empty(), _end(db, row, form, now)
            elif events_only:  # ringing, started...: only the answer callback plays anything
                answer, what = xml.empty(), "event noted"
            elif row.status in FINAL:
                answer, what = xml.reject(), "call already ended"
            else:
                answer, what = _during(db, row, form, now), "in call"
            take_new_call_ids(db)  # a next try is due later: the dispatcher hands it out
        enqueue_outbox(current_app.extensions["redis"], take_new_outbox_ids(db))
    log.info("voice callback: %s", what)
    return _xml(answer)


@bp.post("/voice/callback")
def callback() -> Response:
    return _handle()


@bp.post("/voice/events")
def events() -> Response:
    return _handle(events_only=True)


@bp.get("/voice/media/<key>")
def media(key: str) -> Response:
    if not KEY.match(key):
        abort(404)
    with current_app.extensions["db_sessions"]() as db:
        row = by_storage_key(db, key)
        if row is None:
            abort(404)
        content_type, placeholder, fragment_key = row.content_type, row.placeholder, row.fragment_key
    data = storage_from_settings(current_app.extensions["ussd_settings"]).get(key)
    if data is None and placeholder:  # demo tones are generated, never stored
        data = placeholder_tone(fragment_key)
    if data is None:
        abort(404)
    response = Response(data, content_type=content_type)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

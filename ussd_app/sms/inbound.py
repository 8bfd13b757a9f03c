"""Incoming SMS: act on keywords (stop, start again, help) and answer in the person's language."""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from ussd_app.redact import mask_phone
from ussd_app.sms.blocklist import is_blocked
from ussd_app.sms.keywords import HELP, REPLIES, START, STOP, parse_keyword
from ussd_app.sms.optout import record_opt_in, record_opt_out
from ussd_app.sms.outbox import queue_sms
from ussd_app.sms.purposes import REPLY
from ussd_app.subscribers import get_or_create
from ussd_app.text import languages
from ussd_app.text.i18n import LANGUAGES

log = logging.getLogger(__name__)
DEFAULT_LANGUAGE = languages.DEFAULT


def inbound_key(phone: str, text: str, message_id: str | None, date: str | None) -> str:
    """Stable per incoming message, so a resent callback is answered once."""
    if message_id:
        return f"inbound:{message_id}"[:200]
    digest = hashlib.sha256(f"{phone}|{date}|{text}".encode("utf-8")).hexdigest()[:32]
    return f"inbound:{digest}"


def handle_inbound(db, *, phone: str, text: str, key: str, now: datetime) -> str | None:
    """Apply a keyword and queue its answer (the caller commits). Returns the action, if any."""
    keyword = parse_keyword(text)
    if keyword is None:
        log.info("sms inbound from %s: no keyword", mask_phone(phone))
        return None
    if is_blocked(db, phone):  # erased on request: no record is made of her again, no answer goes
        log.info("sms inbound from %s: erased number, ignored", mask_phone(phone))
        return None
    subscriber = get_or_create(db, phone, now)
    language = subscriber.language if subscriber.language in LANGUAGES else None
    language = language or keyword.language or DEFAULT_LANGUAGE
    if subscriber.language is None:
        subscriber.language = language  # the keyword's language is the best guess we have
    if keyword.action == STOP:
        record_opt_out(db, phone, source="sms", now=now)
    elif keyword.action == START:
        record_opt_in(db, phone, now=now)
    queue_sms(db, recipient=phone, language=language, message=REPLIES[keyword.action],
              kind="keyword_reply", purpose=REPLY, dedupe_key=key, now=now)
    log.info("sms inbound from %s: %s", mask_phone(phone), keyword.action)
    return keyword.action


__all__ = ["handle_inbound", "inbound_key", "HELP", "START", "STOP"]

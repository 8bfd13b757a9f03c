"""A message goes by the channel she chose: an SMS, a call, or both.

A call is queued only when every fragment it plays is recorded in her language and a voice
number is configured; otherwise the SMS goes, as before. With "both" the SMS and the call are
queued together (the SMS keeps the message's own dedupe key, so a call falling back to SMS
later never sends it twice).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.sms.outbox_calls import queue_call
from ussd_app.sms.purposes import REMINDER
from ussd_app.sms.wording import reminder_message
from ussd_app.subscribers import Subscriber, find_by_phone
from ussd_app.voice.channels import BOTH, SMS, VOICE, channel_of
from ussd_app.voice.fragments import call_fragments, reminder_script
from ussd_app.voice.recordings import missing


def queue_message(db, *, recipient: str, language: str, message, script: list[str], kind: str,
                  purpose: str, dedupe_key: str, now: datetime, voice: bool,
                  campaign_id: int | None = None) -> OutboxMessage:
    """Queue the message by her channel (calls only when `voice`: a voice number is
    configured); returns the first row (the call when there is one)."""
    channel = channel_of(find_by_phone(db, recipient))
    can_call = voice and channel != SMS and not missing(db, language, call_fragments(script))
    rows = []
    if can_call:
        rows.append(queue_call(db, recipient=recipient, language=language, message=message, script=script,
                               kind=kind, purpose=purpose, dedupe_key=f"{dedupe_key}:call1", now=now,
                               campaign_id=campaign_id))
    if not can_call or channel == BOTH:
        rows.append(queue_sms(db, recipient=recipient, language=language, message=message, kind=kind,
                              purpose=purpose, dedupe_key=dedupe_key, now=now))
    return rows[0]


def queue_reminder(db, reminder, now: datetime, *, voice: bool = False, purpose: str = REMINDER) -> OutboxMessage:
    return queue_message(db, recipient=reminder.phone, language=reminder.language,
                         message=reminder_message(reminder), script=reminder_script(reminder),
                         kind="reminder", purpose=purpose, dedupe_key=f"reminder:{reminder.id}", now=now, voice=voice)


def wants_calls(db, phones) -> set[str]:
    """Those of `phones` whose reminders go by call (or call and SMS) now."""
    return set(db.scalars(select(Subscriber.phone).where(
        Subscriber.phone.in_(set(phones)), Subscriber.reminder_channel.in_((VOICE, BOTH)),
        Subscriber.calls_stopped_at.is_(None))))

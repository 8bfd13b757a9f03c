"""How she wants her messages: by SMS (the default), by phone call, or both.

She chooses on USSD (registration and "My reminders"); staff may set it on her page. Pressing 2
in a call stops calls: from then on her messages come by SMS whatever she chose, until she
chooses a call again (which clears the stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ussd_app.effects import Effect
from ussd_app.subscribers import Subscriber, find_by_phone, get_or_create
from ussd_app.text.i18n import N_

SMS, VOICE, BOTH = "sms", "voice", "both"
CHANNELS = (SMS, VOICE, BOTH)
LABELS = {SMS: N_("SMS"), VOICE: N_("Phone call"), BOTH: N_("SMS and phone call")}


def channel_of(subscriber: Subscriber | None) -> str:
    """The channel her messages go by now (a stop of calls means SMS)."""
    if subscriber is None or subscriber.reminder_channel not in CHANNELS:
        return SMS
    if subscriber.calls_stopped_at is not None:
        return SMS
    return subscriber.reminder_channel


def chosen_channel(subscriber: Subscriber | None) -> str:
    """What she chose (shown to her and to staff), stop of calls aside."""
    if subscriber is None or subscriber.reminder_channel not in CHANNELS:
        return SMS
    return subscriber.reminder_channel


def set_channel(db, phone: str, channel: str, now: datetime) -> Subscriber:
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    subscriber = get_or_create(db, phone, now)
    subscriber.reminder_channel = channel
    if channel != SMS:
        subscriber.calls_stopped_at = None  # choosing calls again undoes "2: stop these calls"
    return subscriber


def stop_calls(db, phone: str, now: datetime) -> None:
    subscriber = find_by_phone(db, phone)
    if subscriber is not None and subscriber.calls_stopped_at is None:
        subscriber.calls_stopped_at = now


@dataclass(frozen=True)
class SetChannel(Effect):
    """A USSD hop's choice of channel, applied in the hop's transaction."""

    channel: str

    def apply(self, db, hop) -> None:
        set_channel(db, hop.phone, self.channel, hop.now)

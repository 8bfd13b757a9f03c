"""People who dial the service, known by phone number, with their chosen language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import String, select
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.effects import Effect
from ussd_app.text.languages import CODE_LENGTH


class Subscriber(Base):
    __tablename__ = "subscribers"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), unique=True)  # E.164
    language: Mapped[str | None] = mapped_column(String(CODE_LENGTH))
    # The USSD session in which the language was chosen: replaying a session Redis lost must
    # start on the language screen if that is where it started.
    language_session_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the person stopped each category of SMS (ussd_app.sms.optout): everything (keyword
    # STOP, USSD, or the gateway's blacklist; "sms", "ussd" or "gateway" says how), her health
    # reminders, the clinics' campaigns. Every sender honours them by the message's purpose.
    sms_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sms_opt_out_source: Mapped[str | None] = mapped_column(String(16))
    reminders_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    campaigns_opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How she wants her messages (ussd_app/voice/channels.py): "sms" (None: the default),
    # "voice" or "both"; and when she pressed 2 in a call to stop calls (then: by SMS).
    reminder_channel: Mapped[str | None] = mapped_column(String(8))
    calls_stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def find_by_phone(db, phone: str) -> Subscriber | None:
    return db.scalar(select(Subscriber).where(Subscriber.phone == phone))


def get_or_create(db, phone: str, now: datetime) -> Subscriber:
    subscriber = find_by_phone(db, phone)
    if subscriber is None:
        subscriber = Subscriber(phone=phone, created_at=now)
        db.add(subscriber)
        db.flush()
    return subscriber


def starting_language(db, phone: str, session_id: str) -> str | None:
    """The language a session starts in (None: ask). Stable when a lost session is replayed."""
    subscriber = find_by_phone(db, phone)
    if subscriber is None or subscriber.language_session_id == session_id:
        return None
    return subscriber.language


@dataclass(frozen=True)
class SetLanguage(Effect):
    language: str
    first_choice: bool = False

    def apply(self, db, hop) -> None:
        subscriber = get_or_create(db, hop.phone, hop.now)
        subscriber.language = self.language
        subscriber.last_seen_at = hop.now
        if self.first_choice:
            subscriber.language_session_id = hop.session_id

"""A planned reminder: one row per visit, kept forever (sent, skipped or stopped, with the reason).

Rows are planned when a schedule starts; the dispatcher turns due ones into outbox rows
(dedupe key `reminder:<id>`), so a reminder becomes at most one SMS whatever happens.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.text.languages import CODE_LENGTH

PLANNED = "planned"  # waiting for its time
QUEUED = "queued"  # became an outbox row (see outbox_id)
SKIPPED = "skipped"  # never sent, see skip_reason (past when planned, opted out, visit passed)
STOPPED = "stopped"  # schedule stopped before it went (child moved, pregnancy ended, caller asked)

KINDS = ("immunization", "antenatal", "appointment")


class Reminder(Base):
    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("source_ref", "kind", "step"),
        # The dispatcher's due query reads planned reminders only, in (due_at, id) order: the
        # ones already sent or skipped (most rows, in time) are not in this index.
        Index("ix_reminders_planned_due", "due_at", "id",
              postgresql_where=text("status = 'planned'"), sqlite_where=text("status = 'planned'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))
    step: Mapped[str] = mapped_column(String(32))  # "6w", "9m", "anc20", "day-2", ...
    source_ref: Mapped[str] = mapped_column(String(100), index=True)  # e.g. "enrollment:K7P4QX"
    child_name: Mapped[str | None] = mapped_column(String(60))
    facility_name: Mapped[str] = mapped_column(String(80))
    visit_date: Mapped[date] = mapped_column(Date)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[str] = mapped_column(String(16), default=PLANNED, index=True)
    skip_reason: Mapped[str | None] = mapped_column(String(200))
    outbox_id: Mapped[int | None] = mapped_column(Integer, ForeignKey("sms_outbox.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when it left PLANNED

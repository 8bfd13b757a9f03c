"""What this service knows about a CSCom's month, as counts: the indicators of the DHIS2 report.

A month is a DHIS2 monthly period (`YYYYMM`); Africa/Bamako is UTC+0 all year, so the month
runs from 00:00 UTC on its first day to 00:00 UTC on the next month's. Counting is read-only
and repeatable: pushing the same month twice sends the same numbers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import String, cast, func, literal, select, union_all

from ussd_app.clinic.models import Appointment, Campaign
from ussd_app.health.enrollment import CHILD, PREGNANCY, Enrollment
from ussd_app.health.facilities import Facility
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import KINDS as REMINDER_KINDS, Reminder

INDICATORS = {
    "pregnancies_received": "pregnancy registrations received (made over USSD) in the month",
    "pregnancies_approved": "pregnancy registrations approved by the centre in the month",
    "children_received": "child registrations received in the month",
    "children_approved": "child registrations approved in the month",
    **{f"reminders_sent_{kind}": f"{kind} reminder SMS accepted by the gateway in the month"
       for kind in REMINDER_KINDS},
    **{f"reminders_delivered_{kind}": f"{kind} reminder SMS reported delivered in the month"
       for kind in REMINDER_KINDS},
    "campaign_messages_sent": "SMS of the centre's campaigns accepted by the gateway in the month",
    "campaign_messages_delivered": "SMS of the centre's campaigns reported delivered in the month",
}
KIND_NAMES = {PREGNANCY: "pregnancies", CHILD: "children"}
PERIOD = re.compile(r"^(\d{4})-?(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, raw: str) -> "Period":
        """`2026-11` or `202611`."""
        found = PERIOD.match((raw or "").strip())
        if not found:
            raise ValueError(f"a month is YYYY-MM (e.g. 2026-11), not {raw!r}")
        return cls(int(found.group(1)), int(found.group(2)))

    @classmethod
    def before(cls, now: datetime) -> "Period":
        """The month before the one `now` is in (what the 1st of a month reports)."""
        return cls(now.year - 1, 12) if now.month == 1 else cls(now.year, now.month - 1)

    @property
    def dhis2(self) -> str:
        return f"{self.year:04d}{self.month:02d}"

    @property
    def start(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=timezone.utc)

    @property
    def end(self) -> datetime:
        year, month = (self.year + 1, 1) if self.month == 12 else (self.year, self.month + 1)
        return datetime(year, month, 1, tzinfo=timezone.utc)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def _within(column, period: Period):
    return (column >= period.start) & (column < period.end)


def _reminder_centres():
    """source_ref -> facility code, for reminders of registrations and of appointments."""
    of_enrollments = (select((literal("enrollment:") + Enrollment.reference).label("ref"),
                             Facility.code.label("code"))
                      .join(Facility, Facility.id == Enrollment.facility_id))
    of_appointments = select((literal("appointment:") + cast(Appointment.id, String)).label("ref"),
                             Appointment.facility_code.label("code"))
    return union_all(of_enrollments, of_appointments).subquery("reminder_centres")


def _registrations(db, period: Period):
    received = db.execute(select(Facility.code, Enrollment.kind, func.count())
                          .join(Facility, Facility.id == Enrollment.facility_id)
                          .where(_within(Enrollment.created_at, period))
                          .group_by(Facility.code, Enrollment.kind))
    for code, kind, count in received:
        yield code, f"{KIND_NAMES[kind]}_received", count
    # decided_at moves again when a registration is closed; the approval SMS (dedupe key
    # "enrollment:<ref>:approved", ussd_app.health.enrollment) keeps the moment it was approved.
    approval_key = literal("enrollment:") + Enrollment.reference + literal(":approved")
    approved = db.execute(select(Facility.code, Enrollment.kind, func.count())
                          .join(Facility, Facility.id == Enrollment.facility_id)
                          .join(OutboxMessage, OutboxMessage.dedupe_key == approval_key)
                          .where(_within(OutboxMessage.created_at, period))
                          .group_by(Facility.code, Enrollment.kind))
    for code, kind, count in approved:
        yield code, f"{KIND_NAMES[kind]}_approved", count


def _reminders(db, period: Period):
    centres = _reminder_centres()
    base = (select(centres.c.code, Reminder.kind, func.count())
            .select_from(Reminder)
            .join(OutboxMessage, OutboxMessage.id == Reminder.outbox_id)
            .join(centres, centres.c.ref == Reminder.source_ref)
            .group_by(centres.c.code, Reminder.kind))
    for code, kind, count in db.execute(base.where(_within(OutboxMessage.sent_at, period))):
        yield code, f"reminders_sent_{kind}", count
    delivered = base.where(OutboxMessage.status == "delivered", _within(OutboxMessage.final_at, period))
    for code, kind, count in db.execute(delivered):
        yield code, f"reminders_delivered_{kind}", count


def _campaigns(db, period: Period):
    # Campaigns of every centre at once have no centre of their own: they are not reported.
    base = (select(Campaign.facility_code, func.count())
            .select_from(OutboxMessage)
            .join(Campaign, Campaign.id == OutboxMessage.campaign_id)
            .where(Campaign.facility_code.is_not(None))
            .group_by(Campaign.facility_code))
    for code, count in db.execute(base.where(_within(OutboxMessage.sent_at, period))):
        yield code, "campaign_messages_sent", count
    delivered = base.where(OutboxMessage.status == "delivered", _within(OutboxMessage.final_at, period))
    for code, count in db.execute(delivered):
        yield code, "campaign_messages_delivered", count


def count_month(db, period: Period, facility_codes=None) -> dict[str, dict[str, int]]:
    """{facility code: {indicator: count}} for the month; every indicator present, zeros too.

    Centres in `facility_codes` are always in the answer; without it, every centre with data.
    """
    wanted = set(facility_codes) if facility_codes is not None else None
    counts: dict[str, dict[str, int]] = {code: dict.fromkeys(INDICATORS, 0) for code in wanted or ()}
    for source in (_registrations, _reminders, _campaigns):
        for code, indicator, count in source(db, period):
            if wanted is not None and code not in wanted:
                continue
            counts.setdefault(code, dict.fromkeys(INDICATORS, 0))[indicator] += int(count)
    return counts

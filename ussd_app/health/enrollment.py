"""Enrollment for subsidized care: a pregnant woman or a child under five at a partner CSCom.

A mother registers over USSD (status "pending", a short reference sent by SMS); the clinic
approves or declines (CLI today, dashboard later: both call these functions). Approval starts
the matching reminder schedule; declining, or closing a pregnancy, stops it. Functions take a
database session and never commit.

A decline gives one of DECLINE_REASONS: the mother is told it in her own language (SMS, and
"My registrations"). Staff may add a note in their own words; it stays with the record for the
centre and is never sent, since it is typed in one language and her messages must be in hers.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime
from ussd_app.health import postnatal, references
from ussd_app.health.dates import today_in_mali
from ussd_app.health.facilities import Facility, flags
from ussd_app.sms.outbox import queue_sms
from ussd_app.sms.purposes import NOTICE, REQUESTED
from ussd_app.subscribers import find_by_phone
from ussd_app.text.i18n import LANGUAGES, N_, T, translate
from ussd_app.text.languages import CODE_LENGTH

PREGNANCY, CHILD = "pregnancy", "child"
PENDING, APPROVED, DECLINED, ENDED = "pending", "approved", "declined", "ended"
ACTIVE = (PENDING, APPROVED)

# One SMS part each, for the longest centre name and a child's name of 30 letters (tested).
SMS_RECEIVED_PREGNANCY = N_("Registration received. Reference {ref}, {centre}. Show it at the "
                            "centre, which will answer by SMS.")
SMS_RECEIVED_CHILD = N_("Registration of {name} received. Reference {ref}, {centre}. Show it at "
                        "the centre, which will answer by SMS.")
SMS_APPROVED = N_("Registration {ref} at {centre} is approved. Go to the centre with this "
                  "reference. You will get reminders by SMS.")
SMS_DECLINED = N_("Registration {ref} at {centre} was not accepted. Reason: {reason}. The centre "
                  "can tell you more.")
SMS_ENDED = N_("Registration {ref} at {centre} is closed. Its SMS reminders have stopped.")
# A child registered at its birth before it has a name (names are often given on the 7th day):
# how her reminders call it.
YOUR_BABY = N_("your baby")
# Reason code -> what the mother is told (the `{reason}` of SMS_DECLINED and of her USSD screen).
# Short, so the SMS fits one part at nearly every centre.
DECLINE_REASONS = {
    "outside_area": N_("outside the centre's area"),
    "bring_card": N_("come with your health card"),
    "already_registered": N_("already registered"),
    "missing_information": N_("information is missing"),
    "see_the_centre": N_("come to the centre to talk about it"),
}


class EnrollmentError(ValueError):
    """A clinic action that cannot be done (unknown reference, already decided...)."""


class Enrollment(Base):
    __tablename__ = "health_enrollments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(8), unique=True)
    request_key: Mapped[str] = mapped_column(String(200), unique=True)  # the USSD hop that made it
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
    language: Mapped[str] = mapped_column(String(CODE_LENGTH))
    kind: Mapped[str] = mapped_column(String(16))  # pregnancy | child
    mother_name: Mapped[str | None] = mapped_column(String(40))  # as she typed it; older rows: none
    facility_id: Mapped[int] = mapped_column(ForeignKey("health_facilities.id"), index=True)
    child_name: Mapped[str | None] = mapped_column(String(40))
    child_name_key: Mapped[str | None] = mapped_column(String(40))  # folded, for duplicates
    birth_date: Mapped[date | None] = mapped_column(Date)
    last_period: Mapped[date | None] = mapped_column(Date)
    pregnancy_month: Mapped[int | None] = mapped_column(Integer)  # as she said it, 1-9
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    reason_code: Mapped[str | None] = mapped_column(String(32))  # a DECLINE_REASONS key
    reason: Mapped[str | None] = mapped_column(String(200))  # staff's note (never sent), or why closed
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now, onupdate=system_now)

    facility: Mapped[Facility] = relationship(lazy="joined")

    @property
    def source_ref(self) -> str:
        return f"enrollment:{self.reference}"


def name_key(name: str) -> str:
    """"Awa", " awa ", "AWA" and "Àwa" are the same child for duplicate checks."""
    decomposed = unicodedata.normalize("NFKD", " ".join(name.split()).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def find_active(db, *, phone: str, kind: str, facility_id: int, child_name: str | None = None,
                birth_date: date | None = None) -> Enrollment | None:
    """Her pending or approved enrollment at this centre for the same pregnancy or child."""
    query = select(Enrollment).where(Enrollment.phone == phone, Enrollment.kind == kind,
                                     Enrollment.facility_id == facility_id,
                                     Enrollment.status.in_(ACTIVE))
    if kind == CHILD:
        query = query.where(Enrollment.child_name_key == name_key(child_name or ""),
                            Enrollment.birth_date == birth_date)
    return db.scalars(query.order_by(Enrollment.id)).first()


def by_request_key(db, request_key: str) -> Enrollment | None:
    return db.scalar(select(Enrollment).where(Enrollment.request_key == request_key))


def by_reference(db, reference: str) -> Enrollment | None:
    return db.scalar(select(Enrollment).where(Enrollment.reference == references.normalise(reference)))


def plan_reference(db, request_key: str) -> str:
    """The reference an enrollment made by `request_key` has or will have (read only)."""
    def taken(ref: str) -> bool:
        owner = db.scalar(select(Enrollment.request_key).where(Enrollment.reference == ref))
        return owner is not None and owner != request_key
    return references.first_free(request_key, taken)


def register(db, *, request_key: str, reference: str, phone: str, language: str, kind: str,
             facility_id: int, now: datetime, mother_name: str | None = None,
             child_name: str | None = None,
             birth_date: date | None = None, last_period: date | None = None,
             pregnancy_month: int | None = None, due_date: date | None = None) -> Enrollment:
    """Create a pending enrollment and queue its SMS; idempotent on `request_key`.

    If she already has an active one for the same pregnancy or child at this centre, that one is
    returned unchanged (the screen shows its reference).
    """
    existing = by_request_key(db, request_key)
    if existing is not None:
        return existing
    duplicate = find_active(db, phone=phone, kind=kind, facility_id=facility_id,
                            child_name=child_name, birth_date=birth_date)
    if duplicate is not None:
        return duplicate
    if kind not in (PREGNANCY, CHILD) or language not in LANGUAGES:
        raise ValueError("unknown enrollment kind or language")
    enrollment = Enrollment(
        reference=reference, request_key=request_key, phone=phone, language=language, kind=kind,
        mother_name=mother_name, facility_id=facility_id, child_name=child_name,
        child_name_key=name_key(child_name) if child_name else None, birth_date=birth_date,
        last_period=last_period, pregnancy_month=pregnancy_month, due_date=due_date,
        status=PENDING, created_at=now, updated_at=now)
    db.add(enrollment)
    db.flush()
    params = {"ref": enrollment.reference, "centre": enrollment.facility.name}
    if kind == CHILD:
        message = T(SMS_RECEIVED_CHILD, {**params, "name": child_name})
    else:
        message = T(SMS_RECEIVED_PREGNANCY, params)
    _tell(db, enrollment, message, "received", now, purpose=REQUESTED)
    return enrollment


def for_phone(db, phone: str) -> list[Enrollment]:
    return list(db.scalars(select(Enrollment).where(Enrollment.phone == phone)
                           .order_by(Enrollment.created_at.desc(), Enrollment.id.desc())))


def list_enrollments(db, *, status: str | None = None, facility_code: str | None = None) -> list[Enrollment]:
    query = select(Enrollment).order_by(Enrollment.created_at, Enrollment.id)
    if status:
        query = query.where(Enrollment.status == status)
    if facility_code:
        query = query.join(Enrollment.facility).where(Facility.code == facility_code.upper())
    return list(db.scalars(query))


def _get(db, reference: str) -> Enrollment:
    enrollment = by_reference(db, reference)
    if enrollment is None:
        raise EnrollmentError(f"no enrollment with reference {references.normalise(reference)}")
    return enrollment


def approve(db, reference: str, *, now: datetime) -> Enrollment:
    """Accept a pending enrollment: tell her by SMS and start her reminders."""
    enrollment = _get(db, reference)
    if enrollment.status != PENDING:
        raise EnrollmentError(f"{enrollment.reference} is {enrollment.status}, not pending")
    enrollment.status, enrollment.decided_at, enrollment.updated_at = APPROVED, now, now
    start_schedules(db, enrollment, now=now)
    centre = enrollment.facility.name
    _tell(db, enrollment, T(SMS_APPROVED, {"ref": enrollment.reference, "centre": centre}), "approved", now)
    return enrollment


def start_schedules(db, enrollment: Enrollment, *, now: datetime) -> None:
    """The reminders of an approved enrollment: a child's vaccinations (and, in its first six
    weeks, the postnatal check-ups), or a pregnancy's antenatal contacts."""
    from ussd_app.sms import schedules

    language = mother_language(db, enrollment)
    centre = enrollment.facility.name
    if enrollment.kind == CHILD:
        name = enrollment.child_name or translate(language, YOUR_BABY)
        schedules.start_immunization_schedule(
            db, phone=enrollment.phone, language=language, child_name=name,
            birth_date=enrollment.birth_date, facility_name=centre,
            source_ref=enrollment.source_ref, now=now, flags=flags(enrollment.facility))
        if postnatal.is_newborn(enrollment.birth_date, today_in_mali(now)):
            postnatal.start(db, phone=enrollment.phone, language=language,
                            birth_date=enrollment.birth_date, facility_name=centre,
                            source_ref=enrollment.source_ref, child_name=name, now=now)
    else:
        schedules.start_antenatal_schedule(
            db, phone=enrollment.phone, language=language, due_date=enrollment.due_date,
            facility_name=centre, source_ref=enrollment.source_ref, now=now)


def decline(db, reference: str, *, reason_code: str, note: str = "", now: datetime) -> Enrollment:
    """Refuse a pending (or withdraw an approved) enrollment: she is told the preset reason in
    her language; `note` is kept for the centre's staff only."""
    if reason_code not in DECLINE_REASONS:
        raise EnrollmentError(f"a reason is required to decline: one of {', '.join(DECLINE_REASONS)}")
    enrollment = _get(db, reference)
    if enrollment.status not in ACTIVE:
        raise EnrollmentError(f"{enrollment.reference} is already {enrollment.status}")
    _close(db, enrollment, DECLINED, " ".join((note or "").split())[:200] or None, now)
    enrollment.reason_code = reason_code
    language = mother_language(db, enrollment)
    told = translate(language, DECLINE_REASONS[reason_code])
    _tell(db, enrollment, T(SMS_DECLINED, {"ref": enrollment.reference, "reason": told,
                                           "centre": enrollment.facility.name}), "declined", now)
    return enrollment


def reason_told(enrollment: Enrollment, language: str) -> str | None:
    """The reason a declined mother was told, in `language` (a record from before preset
    reasons kept the words she was sent)."""
    if enrollment.status != DECLINED:
        return None
    if enrollment.reason_code in DECLINE_REASONS:
        return translate(language, DECLINE_REASONS[enrollment.reason_code])
    return enrollment.reason


def end_pregnancy(db, reference: str, *, reason: str, now: datetime) -> Enrollment:
    """Close a pregnancy enrollment (birth, loss, moved away): its reminders stop."""
    enrollment = _get(db, reference)
    if enrollment.kind != PREGNANCY:
        raise EnrollmentError(f"{enrollment.reference} is not a pregnancy enrollment")
    if enrollment.status not in ACTIVE:
        raise EnrollmentError(f"{enrollment.reference} is already {enrollment.status}")
    _close(db, enrollment, ENDED, " ".join((reason or "").split())[:200] or None, now)
    _tell(db, enrollment, T(SMS_ENDED, {"ref": enrollment.reference,
                                        "centre": enrollment.facility.name}), "ended", now)
    return enrollment


def _close(db, enrollment: Enrollment, status: str, reason: str | None, now: datetime) -> None:
    from ussd_app.sms import schedules

    enrollment.status, enrollment.reason = status, reason
    enrollment.decided_at, enrollment.updated_at = now, now
    # A pending enrollment has no reminders yet; stopping is harmless then and keeps one path.
    schedules.stop_schedules(db, source_ref=enrollment.source_ref, reason=status, now=now)


def mother_language(db, enrollment: Enrollment) -> str:
    """Her language now (she may have changed it since registering)."""
    subscriber = find_by_phone(db, enrollment.phone)
    if subscriber is not None and subscriber.language in LANGUAGES:
        return subscriber.language
    return enrollment.language


def _tell(db, enrollment: Enrollment, message: T, event: str, now: datetime,
          purpose: str = NOTICE) -> None:
    """The registration's news by SMS: its reference goes at once (she is waiting for it on
    the phone); the centre's later decisions wait out the quiet hours."""
    queue_sms(db, recipient=enrollment.phone, language=mother_language(db, enrollment),
              message=message, kind="enrollment", purpose=purpose,
              dedupe_key=f"{enrollment.source_ref}:{event}", now=now)

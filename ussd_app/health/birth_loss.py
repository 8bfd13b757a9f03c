"""Birth and loss: what changes when a pregnancy ends or a child's journey stops.

Told by the mother over USSD ("My registrations") or recorded by the centre's staff on the
dashboard; both call these functions, which never commit. Each is recorded once per
registration (ussd_app.health.outcomes): a replayed hop or a second submit changes nothing and
sends nothing more.

A birth closes the pregnancy (its antenatal reminders stop) and registers the child at the
same centre. The child is approved at once when the centre had approved the pregnancy (the
centre already knows her: she only tells us the pregnancy went on to its end), so its
postnatal and vaccination reminders start now; otherwise it waits for the staff's approval,
like any registration, and its reminders start then.

A loss stops every reminder of that pregnancy or child at once, cancels what was waiting in
the outbox about it (its registration news, the birth message, and the centres' campaigns to
pregnant women and parents), and sends one kind message, never a congratulation or a baby's
reminder afterwards. The reason is kept for the clinic; she chooses whether the centre's
general health information (campaigns) still comes. The wording follows MomConnect's loss
flow (praekelt ndoh-jsbox opt-out app: "We are sorry for your loss", then an optional offer
of further messages, reasons miscarriage / stillbirth / baby died): sympathy first, no baby
content, the clinic named as there for her.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, column, or_, select, table

from ussd_app.health import enrollment as enr
from ussd_app.health import outcomes
from ussd_app.health.dates import DateProblem, parse_date, today_in_mali
from ussd_app.health.outcomes import BORN, LOST, LOSS_REASONS, Outcome
from ussd_app.health.postnatal import POSTNATAL_DAYS
from ussd_app.sms.optout import record_opt_out
from ussd_app.sms.outbox import OutboxMessage, cancel, queue_sms
from ussd_app.sms.purposes import CAMPAIGNS, NOTICE, REQUESTED
from ussd_app.sms.schedules import stop_schedules
from ussd_app.text.i18n import N_, T

# TRANSLATORS: Source: WHO recommendations on maternal and newborn care for a positive postnatal
# experience, 2022 (NBK579653), Recommendation 44: postnatal contacts within 24 hours, at 48-72
# hours ("day 3"), days 7-14 and week 6.
SMS_BORN_APPROVED = N_("Congratulations! Child registered at {centre}, ref. {ref}. Check-ups: day 1, "
                       "day 3, days 7-14, week 6.")
# TRANSLATORS: Source: as above (WHO 2022 postnatal care, Recommendation 44).
SMS_BORN_PENDING = N_("Congratulations! Child {ref}: {centre} will answer by SMS. Check-ups: day 1, "
                      "day 3, days 7-14, week 6.")
# Wording checked against MomConnect's loss messages (see the module's docstring): no baby content.
SMS_LOST = N_("We are so sorry for your loss. These reminders have stopped. {centre} is there for "
              "you.")
# Audience kinds of campaigns about pregnancy or babies (ussd_app.clinic.audience PREGNANT and
# CHILDREN_DUE; named here because the clinic sits above this module).
BABY_AUDIENCES = ("pregnant", "children_due")
LOSS_WITHIN_DAYS = 366  # a loss's date, when given, is within the past year
STOPPED_BORN, STOPPED_LOST = BORN, LOST  # the reason their reminders were stopped with
_CAMPAIGNS = table("clinic_campaigns", column("id"), column("audience_kind"))


class OutcomeError(ValueError):
    """The birth or loss cannot be recorded (not active, already recorded, wrong kind)."""


def can_record_birth(enrollment, outcome: Outcome | None) -> bool:
    return enrollment.kind == enr.PREGNANCY and enrollment.status in enr.ACTIVE and outcome is None


def can_record_loss(enrollment, outcome: Outcome | None) -> bool:
    return enrollment.status in enr.ACTIVE and outcome is None


def birth_date(text: str, today: date) -> date:
    """A date of birth she reports: a real date, not in the future, within the postnatal six
    weeks (an older child is registered with "Register for care"). DateProblem otherwise."""
    born = parse_date(text, today)
    if born > today:
        raise DateProblem("future")
    if (today - born).days > POSTNATAL_DAYS:
        raise DateProblem("too_old")
    return born


def _already(db, enrollment, request_key: str) -> Outcome | None:
    return outcomes.by_request_key(db, request_key) or outcomes.for_enrollment(db, enrollment.id)


def _tell(db, enrollment, message: T, event: str, channel: str, now: datetime) -> None:
    # She is on the phone when she tells us herself: it goes at once; the centre's news waits
    # out the quiet hours.
    queue_sms(db, recipient=enrollment.phone, language=enr.mother_language(db, enrollment),
              message=message, kind="enrollment", purpose=REQUESTED if channel == outcomes.USSD else NOTICE,
              dedupe_key=f"outcome:{enrollment.source_ref}:{event}", now=now)


def record_birth(db, pregnancy, *, born: date, sex: str | None, child_name: str | None, channel: str,
                 recorded_by: str, request_key: str, now: datetime) -> Outcome:
    """The baby is born: close the pregnancy, register the child, start its reminders."""
    existing = _already(db, pregnancy, request_key)
    if existing is not None:
        return existing
    if not can_record_birth(pregnancy, None):
        raise OutcomeError(f"{pregnancy.reference}: no birth can be recorded")
    if born > today_in_mali(now) or sex not in (None, outcomes.GIRL, outcomes.BOY):
        raise OutcomeError("a birth date in the future, or an unknown sex")
    approved = pregnancy.status == enr.APPROVED
    _close(db, pregnancy, STOPPED_BORN, now)
    child_key = f"{request_key}:child"
    child = enr.Enrollment(
        reference=enr.plan_reference(db, child_key), request_key=child_key, phone=pregnancy.phone,
        language=pregnancy.language, kind=enr.CHILD, mother_name=pregnancy.mother_name,
        facility_id=pregnancy.facility_id, child_name=child_name,
        child_name_key=enr.name_key(child_name) if child_name else None, birth_date=born,
        status=enr.APPROVED if approved else enr.PENDING, created_at=now, updated_at=now,
        decided_at=now if approved else None)
    db.add(child)
    db.flush()
    if approved:
        enr.start_schedules(db, child, now=now)
    outcome = Outcome(enrollment_id=pregnancy.id, phone=pregnancy.phone, kind=BORN, event_date=born,
                      sex=sex, child_enrollment_id=child.id, channel=channel, recorded_by=recorded_by,
                      request_key=request_key, created_at=now)
    db.add(outcome)
    db.flush()
    message = SMS_BORN_APPROVED if approved else SMS_BORN_PENDING
    _tell(db, pregnancy, T(message, {"ref": child.reference, "centre": pregnancy.facility.name}),
          BORN, channel, now)
    return outcome


def record_loss(db, enrollment, *, reason_code: str, keep_information: bool, channel: str,
                recorded_by: str, request_key: str, now: datetime, when: date | None = None) -> Outcome:
    """The pregnancy or the child is lost: every reminder of it stops and nothing about it goes."""
    existing = _already(db, enrollment, request_key)
    if existing is not None:
        return existing
    if not can_record_loss(enrollment, None):
        raise OutcomeError(f"{enrollment.reference}: no loss can be recorded")
    today = today_in_mali(now)
    if reason_code not in LOSS_REASONS or (when is not None and not today - timedelta(days=LOSS_WITHIN_DAYS) <= when <= today):
        raise OutcomeError("an unknown reason, or a date that is not in the past year")
    refs = [enrollment.source_ref]
    birth = db.scalar(select(Outcome).where(Outcome.child_enrollment_id == enrollment.id))
    if birth is not None:  # the child of a birth she told us: its pregnancy's news goes too
        refs += [e.source_ref for e in db.scalars(select(enr.Enrollment)
                                                  .where(enr.Enrollment.id == birth.enrollment_id))]
    _close(db, enrollment, STOPPED_LOST, now)
    for ref in refs[1:]:
        stop_schedules(db, source_ref=ref, reason=STOPPED_LOST, now=now)
    cancel(db, _about(enrollment.phone, refs), reason=f"stopped: {STOPPED_LOST}", now=now)
    if not keep_information:
        record_opt_out(db, enrollment.phone, source="ussd" if channel == outcomes.USSD else "clinic",
                       now=now, categories=(CAMPAIGNS,))
    outcome = Outcome(enrollment_id=enrollment.id, phone=enrollment.phone, kind=LOST,
                      event_date=when or today, reason_code=reason_code, keep_information=keep_information,
                      channel=channel, recorded_by=recorded_by, request_key=request_key, created_at=now)
    db.add(outcome)
    db.flush()
    _tell(db, enrollment, T(SMS_LOST, {"centre": enrollment.facility.name}), LOST, channel, now)
    return outcome


def _about(phone: str, refs: list[str]):
    """Unsent messages to `phone` about these registrations, or from baby campaigns."""
    baby_campaigns = select(_CAMPAIGNS.c.id).where(_CAMPAIGNS.c.audience_kind.in_(BABY_AUDIENCES))
    about = [OutboxMessage.dedupe_key.like(f"{prefix}{ref}:%") for ref in refs
             for prefix in ("", "outcome:")]
    return and_(OutboxMessage.recipient == phone,
                or_(*about, OutboxMessage.campaign_id.in_(baby_campaigns)))


def _close(db, enrollment, reason: str, now: datetime) -> None:
    """Ended, its reminders stopped (history stays); the outcome row says why."""
    enrollment.status = enr.ENDED
    enrollment.decided_at = enrollment.decided_at or now
    enrollment.updated_at = now
    stop_schedules(db, source_ref=enrollment.source_ref, reason=reason, now=now)

"""Demo data: the shipped list of CSComs, a mother with two registrations to look at, and the
approved registrations the demo reminders are planned from.

The demo mother (DEMO_PHONE) has a pending pregnancy and a declined child registration, so
"My registrations" shows each status in the simulator (and "My baby is born" or a loss can be
told from the pregnancy). DEMO_LOSS_PHONE lost her pregnancy: the centre recorded it, her
antenatal reminders are stopped, and the person page shows the loss with its reason. The
reminder mothers (ussd_app.sms.demo) have approved registrations, so the clinic dashboard shows
them with their visits. No SMS is queued for demo rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ussd_app.health import enrollment as enr
from ussd_app.health import outcomes
from ussd_app.health.dates import due_date_from_month
from ussd_app.health.facilities import Facility, load_shipped
from ussd_app.sms.demo import DEMO_MOTHER, DEMO_MOTHER_STOPPED
from ussd_app.sms.optout import record_opt_out
from ussd_app.sms.purposes import HEALTH
from ussd_app.sms.schedules import start_antenatal_schedule, start_immunization_schedule, stop_schedules

DEMO_PHONE = "+22376990020"
DEMO_LOSS_PHONE = "+22376990030"


def load_facilities(db, now: datetime) -> str:
    added, updated = load_shipped(db, now=now)
    return f"health centres: {added} added, {updated} updated"


def load_demo_registrations(db, now: datetime) -> str | None:
    facility = db.scalar(select(Facility).where(Facility.code == "BKO-C1-SOTUBA"))
    if facility is None or enr.by_request_key(db, "demo:pregnancy") is not None:
        return None
    common = dict(phone=DEMO_PHONE, language="fr", facility_id=facility.id, created_at=now,
                  updated_at=now)
    db.add(enr.Enrollment(request_key="demo:pregnancy", reference=enr.plan_reference(db, "demo:pregnancy"),
                          kind=enr.PREGNANCY, pregnancy_month=4, status=enr.PENDING,
                          due_date=due_date_from_month(4, now.date()), **common))
    db.flush()
    db.add(enr.Enrollment(request_key="demo:child", reference=enr.plan_reference(db, "demo:child"),
                          kind=enr.CHILD, child_name="Awa", child_name_key="awa",
                          birth_date=now.date() - timedelta(days=400), status=enr.DECLINED,
                          reason_code="outside_area", decided_at=now, **common))
    db.flush()
    return f"health registrations for {DEMO_PHONE}: 1 pending, 1 declined"


def _approved(db, now: datetime, key: str, code: str, **fields) -> enr.Enrollment | None:
    """An approved registration made without its SMS (demo rows are looked at, not sent)."""
    found = enr.by_request_key(db, key)
    if found is not None:
        return found
    facility = db.scalar(select(Facility).where(Facility.code == code))
    if facility is None:
        return None
    enrollment = enr.Enrollment(request_key=key, reference=enr.plan_reference(db, key), status=enr.APPROVED,
                                facility_id=facility.id, created_at=now, updated_at=now, decided_at=now,
                                **fields)
    db.add(enrollment)
    db.flush()
    return enrollment


def load_demo_reminders(db, now: datetime) -> str:
    today = now.date()
    child = _approved(db, now, "demo:reminders-child", "BKO-C1-SOTUBA", phone=DEMO_MOTHER, language="bm",
                      kind=enr.CHILD, child_name="Awa", child_name_key="awa", birth_date=today - timedelta(weeks=3))
    if child is not None:
        start_immunization_schedule(db, phone=DEMO_MOTHER, language="bm", child_name="Awa",
                                    birth_date=child.birth_date, facility_name=child.facility.name,
                                    source_ref=child.source_ref, now=now)
    pregnancy = _approved(db, now, "demo:reminders-pregnancy", "BKO-C3-BAKON", phone=DEMO_MOTHER_STOPPED,
                          language="fr", kind=enr.PREGNANCY, due_date=today + timedelta(weeks=20))
    if pregnancy is not None:
        start_antenatal_schedule(db, phone=DEMO_MOTHER_STOPPED, language="fr", due_date=pregnancy.due_date,
                                 facility_name=pregnancy.facility.name, source_ref=pregnancy.source_ref, now=now)
    record_opt_out(db, DEMO_MOTHER_STOPPED, source="ussd", now=now, categories=HEALTH)
    return f"reminders: {DEMO_MOTHER} (planned), {DEMO_MOTHER_STOPPED} (stopped by her)"


def load_demo_loss(db, now: datetime) -> str | None:
    """A pregnancy lost at 14 weeks, recorded by the midwife (no SMS: demo rows are not sent)."""
    pregnancy = _approved(db, now, "demo:loss-pregnancy", "BKO-C1-SOTUBA", phone=DEMO_LOSS_PHONE,
                          language="bm", kind=enr.PREGNANCY, mother_name="Fanta Diarra",
                          due_date=now.date() + timedelta(weeks=26))
    if pregnancy is None or outcomes.for_enrollment(db, pregnancy.id) is not None:
        return None
    start_antenatal_schedule(db, phone=DEMO_LOSS_PHONE, language="bm", due_date=pregnancy.due_date,
                             facility_name=pregnancy.facility.name, source_ref=pregnancy.source_ref,
                             now=now - timedelta(weeks=4))
    pregnancy.status = enr.ENDED
    stop_schedules(db, source_ref=pregnancy.source_ref, reason=outcomes.LOST, now=now)
    db.add(outcomes.Outcome(enrollment_id=pregnancy.id, phone=DEMO_LOSS_PHONE, kind=outcomes.LOST,
                            event_date=now.date() - timedelta(days=2), reason_code="miscarriage",
                            keep_information=True, channel=outcomes.DASHBOARD, recorded_by="sage-femme",
                            request_key="demo:loss", created_at=now))
    db.flush()
    return f"a recorded loss: {DEMO_LOSS_PHONE} (antenatal reminders stopped)"

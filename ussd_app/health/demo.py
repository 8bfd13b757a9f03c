"""Demo data: the shipped list of CSComs, and a mother with two registrations to look at.

The demo mother (DEMO_PHONE) has a pending pregnancy and a declined child registration, so
"My registrations" shows each status in the simulator. No SMS is queued for demo rows.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ussd_app.health import enrollment as enr
from ussd_app.health.dates import due_date_from_month
from ussd_app.health.facilities import Facility, load_shipped

DEMO_PHONE = "+22376990020"


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
                          reason="Hors de la zone de la CSCom", decided_at=now, **common))
    db.flush()
    return f"health registrations for {DEMO_PHONE}: 1 pending, 1 declined"

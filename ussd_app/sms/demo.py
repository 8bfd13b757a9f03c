"""Demo reminders for `ussd-app serve`: a mother with her child's vaccination visits planned,
and one who stopped hers from USSD (so "My reminders" shows both ways)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ussd_app.demo import demo_loader
from ussd_app.sms.reminder import PLANNED, Reminder
from ussd_app.sms.schedules import start_antenatal_schedule, start_immunization_schedule, stop_reminders

DEMO_MOTHER = "+22376990001"  # reminders planned
DEMO_MOTHER_STOPPED = "+22376990002"  # stopped her reminders


@demo_loader
def load_demo_reminders(db, now: datetime) -> str:
    from ussd_app.menus.reminders import USER_STOP

    today = now.date()
    start_immunization_schedule(db, phone=DEMO_MOTHER, language="bm", child_name="Awa",
                                birth_date=today - timedelta(weeks=3), facility_name="CSCom Sotuba",
                                source_ref="demo:child-awa", now=now)
    start_antenatal_schedule(db, phone=DEMO_MOTHER_STOPPED, language="fr", due_date=today + timedelta(weeks=20),
                             facility_name="CSCom ASACO-BAKON", source_ref="demo:pregnancy-1", now=now)
    planned = list(db.scalars(select(Reminder).where(Reminder.phone == DEMO_MOTHER_STOPPED,
                                                     Reminder.status == PLANNED)))
    stop_reminders(db, planned, reason=USER_STOP, now=now)
    return f"reminders: {DEMO_MOTHER} (planned), {DEMO_MOTHER_STOPPED} (stopped by her)"


def walk_phones(db) -> list[str]:
    return [DEMO_MOTHER, DEMO_MOTHER_STOPPED]

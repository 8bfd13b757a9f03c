"""Demo reminders for `ussd-app serve`: a mother with her child's vaccination visits planned,
and one who stopped hers from USSD (so "My reminders" shows both ways)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ussd_app.sms.optout import record_opt_out
from ussd_app.sms.purposes import HEALTH
from ussd_app.sms.schedules import start_antenatal_schedule, start_immunization_schedule

DEMO_MOTHER = "+22376990001"  # reminders planned
DEMO_MOTHER_STOPPED = "+22376990002"  # stopped her reminders


def load_demo_reminders(db, now: datetime) -> str:
    today = now.date()
    start_immunization_schedule(db, phone=DEMO_MOTHER, language="bm", child_name="Awa",
                                birth_date=today - timedelta(weeks=3), facility_name="CSCom Sotuba",
                                source_ref="demo:child-awa", now=now)
    start_antenatal_schedule(db, phone=DEMO_MOTHER_STOPPED, language="fr", due_date=today + timedelta(weeks=20),
                             facility_name="CSCom ASACO-BAKON", source_ref="demo:pregnancy-1", now=now)
    record_opt_out(db, DEMO_MOTHER_STOPPED, source="ussd", now=now, categories=HEALTH)
    return f"reminders: {DEMO_MOTHER} (planned), {DEMO_MOTHER_STOPPED} (stopped by her)"


def walk_phones(db) -> list[str]:
    return [DEMO_MOTHER, DEMO_MOTHER_STOPPED]

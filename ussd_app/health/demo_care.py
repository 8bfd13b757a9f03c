"""Demo care journeys at CSCom Sotuba, so the dashboard's late list and coverage charts have
something to show: children on time, late, registered late; pregnancies with contacts recorded.
Idempotent (each registration by its request key); no SMS is queued for them."""

from __future__ import annotations

from datetime import datetime, timedelta

from ussd_app.health import enrollment as enr
from ussd_app.health.demo import _approved
from ussd_app.health.records import record_contact, record_doses
from ussd_app.sms.schedules import start_antenatal_schedule, start_immunization_schedule

CENTRE = "BKO-C1-SOTUBA"
# (phone, child, age in days, doses given: dose -> days after birth)
CHILDREN = (
    ("+22376990041", "Seydou", 200, {"BCG1": 2, "VPO0": 2, "Penta1": 43, "VPO1": 43, "PCV1": 43, "Rota1": 43,
                                     "Penta2": 72, "VPO2": 72, "PCV2": 72, "Rota2": 72, "Penta3": 101,
                                     "VPO3": 101, "PCV3": 101, "Rota3": 101, "VPI1": 101}),
    ("+22376990042", "Moussa", 98, {"BCG1": 3, "VPO0": 3}),  # not seen since birth: 6- and 10-week doses late
    ("+22376990043", "Fanta", 330, {}),  # registered at 11 months: catch-up
    ("+22376990044", "Oumou", 160, {"BCG1": 1, "VPO0": 1, "Penta1": 75, "VPO1": 75, "PCV1": 75, "Rota1": 75}),
)
# (phone, mother, days to the expected delivery, contacts: days before today)
PREGNANCIES = (
    ("+22376990045", "Kadiatou Coulibaly", -20, (190, 150, 110, 70, 40)),  # delivered: 5 contacts
    ("+22376990046", "Mariam Keita", 120, (30,)),
    ("+22376990047", "Aminata Sangaré", 100, ()),  # approved at month 6: first visit now
)


def load_demo_care(db, now: datetime) -> str | None:
    today = now.date()
    if enr.by_request_key(db, "demo:care-child-1") is not None:
        return None
    for n, (phone, name, age, given) in enumerate(CHILDREN, start=1):
        born = today - timedelta(days=age)
        child = _approved(db, now, f"demo:care-child-{n}", CENTRE, phone=phone, language="bm" if n % 2 else "fr",
                          kind=enr.CHILD, child_name=name, child_name_key=name.lower(), birth_date=born)
        if child is None:
            return None
        start_immunization_schedule(db, phone=phone, language=child.language, child_name=name, birth_date=born,
                                    facility_name=child.facility.name, source_ref=child.source_ref, now=now)
        if given:
            record_doses(db, child, [(key, born + timedelta(days=d)) for key, d in given.items()],
                         recorded_by="sage-femme", client_key=f"demo:care-child-{n}", now=now)
    for n, (phone, mother, days, contacts) in enumerate(PREGNANCIES, start=1):
        pregnancy = _approved(db, now, f"demo:care-pregnancy-{n}", CENTRE, phone=phone, language="fr",
                              kind=enr.PREGNANCY, mother_name=mother, due_date=today + timedelta(days=days))
        if days > 0:
            start_antenatal_schedule(db, phone=phone, language="fr", due_date=pregnancy.due_date,
                                     facility_name=pregnancy.facility.name, source_ref=pregnancy.source_ref, now=now)
        for m, before in enumerate(contacts):
            record_contact(db, pregnancy, today - timedelta(days=before), recorded_by="sage-femme",
                           client_key=f"demo:care-pregnancy-{n}-{m}", now=now)
    return (f"care journeys at {CENTRE}: {len(CHILDREN)} children (2 late, 1 registered late), "
            f"{len(PREGNANCIES)} pregnancies (late list and coverage at /clinic/late and /clinic/coverage)")

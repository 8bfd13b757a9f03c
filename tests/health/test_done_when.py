"""The issue's "done when", once per language, as a new user would try it.

She reads about implants and gets the summary by SMS, registers her pregnancy and her
2-year-old at Sotuba's CSCom, receives two references by SMS, sees them as pending; a clinic
approval reaches her by SMS and starts her reminders.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.health.conftest import (
    LANG_KEY,
    REFERENCE,
    ddmmyyyy,
    fresh,
    label,
    outbox,
    pick,
    read_all_pages,
)
from ussd_app.health import enrollment as enr
from ussd_app.health.topics import IMPLANT, SMS_HEADING
from ussd_app.menus.health_info import SEND_BY_SMS
from ussd_app.sms.reminder import PLANNED, Reminder
from ussd_app.sms.schedules import add_months

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def _register(d, lang):
    pick(d, lang, "Commune I", raw=True)
    pick(d, lang, "Sotuba", raw=True).sees("Sotuba")
    pick(d, lang, "Confirm")
    [reference] = set(REFERENCE.findall(d.screen))
    pick(d, lang, "SMS")  # how she wants her reminders: she can read them
    return reference


@pytest.mark.parametrize("lang, phone", [("bm", "+22376100001"), ("fr", "+22366100002")])
def test_done_when(dial, db, facilities, today, cli, lang, phone):
    # 1. a new user reads about implants and asks for the SMS
    d = dial(phone=phone).press(LANG_KEY[lang])
    pick(d, lang, "Health information")
    pick(d, lang, "Family planning methods")
    pick(d, lang, IMPLANT.title)
    read_all_pages(d)
    pick(d, lang, SEND_BY_SMS)
    [info] = outbox(db, "health_info", phone)
    assert info.body.split("\n")[0] == label(lang, SMS_HEADING)
    assert label(lang, IMPLANT.body) in info.body and info.parts <= 2

    # 2. she registers her pregnancy (5th month) at Sotuba
    d = fresh(dial(phone=phone), lang)
    pick(d, lang, "Register for care")
    pick(d, lang, "Me, I am pregnant")
    pick(d, lang, "Month of pregnancy")
    pregnancy_ref = _register(d.press("5", "Awa Traore"), lang)

    # 3. and her 2-year-old
    d = fresh(dial(phone=phone), lang)
    pick(d, lang, "Register for care")
    pick(d, lang, "My child under 5")
    born = add_months(today, -24) - timedelta(days=10)
    child_ref = _register(d.press("Awa").press(ddmmyyyy(born), "Awa Traore"), lang)
    assert pregnancy_ref != child_ref

    # 4. two references by SMS, with the centre's name, in her language
    received = outbox(db, "enrollment", phone)
    assert len(received) == 2
    for sms, ref in zip(received, (pregnancy_ref, child_ref)):
        assert ref in sms.body and "Sotuba" in sms.body and sms.language == lang

    # 5. she sees both as pending
    pick(d, lang, "My registrations")
    d.sees(pregnancy_ref, child_ref)
    assert d.screen.count(label(lang, "pending")) == 2

    # 6. the clinic approves: she is told by SMS and her reminders start
    for ref in (pregnancy_ref, child_ref):
        result = cli("enrollments", "approve", ref)
        assert result.exit_code == 0, result.output
    approvals = outbox(db, "enrollment", phone)[2:]
    assert len(approvals) == 2
    assert all(a.language == lang and "Sotuba" in a.body for a in approvals)
    assert {pregnancy_ref, child_ref} == {r for a in approvals for r in REFERENCE.findall(a.body)}
    db.expire_all()
    reminders = db.scalars(select(Reminder).where(Reminder.phone == phone)).all()
    started = {(r.source_ref, r.kind) for r in reminders}
    assert started == {(f"enrollment:{pregnancy_ref}", "antenatal"),
                       (f"enrollment:{child_ref}", "immunization")}
    # a 5-month pregnancy has antenatal visits ahead; a 2-year-old's missed doses that are
    # still allowed are planned as catch-up from tomorrow
    assert any(r.status == PLANNED for r in reminders if r.kind == "antenatal")
    assert {r.language for r in reminders} == {lang}

    d = fresh(dial(phone=phone), lang)
    pick(d, lang, "My registrations")
    assert d.screen.count(label(lang, "approved")) == 2
    assert {e.status for e in db.scalars(select(enr.Enrollment))} == {enr.APPROVED}

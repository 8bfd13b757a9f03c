"""Registering a pregnancy or a child under five over USSD, and "My registrations"."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.health.conftest import (
    LANG_KEY,
    REFERENCE,
    ddmmyyyy,
    fresh,
    label,
    outbox,
    pick,
)
from ussd_app.health import enrollment as enr
from ussd_app.health.dates import due_date_from_last_period
from ussd_app.menus import registration as reg
from ussd_app.sms.schedules import add_months
from ussd_app.text.i18n import LANGUAGES

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

PHONE = "+22376000020"
MOTHER = "Awa Traore"


def start(dial, lang, phone=PHONE):
    return pick(fresh(dial(phone=phone), lang), lang, "Register for care")


def to_centre(d, lang, commune="Commune I", centre="Sotuba"):
    pick(d, lang, commune, raw=True)
    return pick(d, lang, centre, raw=True)


def register_pregnancy_by_month(dial, lang, month="6", phone=PHONE):
    d = start(dial, lang, phone)
    pick(d, lang, "Me, I am pregnant")
    pick(d, lang, "Month of pregnancy")
    d.press(month, MOTHER)
    return to_centre(d, lang)


def register_child(dial, lang, name, born, phone=PHONE, centre="Sotuba"):
    d = start(dial, lang, phone)
    pick(d, lang, "My child under 5")
    d.press(name).press(ddmmyyyy(born), MOTHER)
    return to_centre(d, lang, centre=centre)


def enrollments(db):
    db.expire_all()
    return list(db.scalars(select(enr.Enrollment).order_by(enr.Enrollment.id)))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_pregnancy_by_last_period_gives_naegele_due_date(dial, db, facilities, today, lang):
    lmp = today - timedelta(days=70)
    d = start(dial, lang)
    pick(d, lang, "Me, I am pregnant")
    pick(d, lang, "Date of my last period")
    d.press(ddmmyyyy(lmp), MOTHER)
    to_centre(d, lang)
    d.sees(due_date_from_last_period(lmp).strftime("%d/%m/%Y"), "Sotuba")
    pick(d, lang, "Confirm")
    [e] = enrollments(db)
    assert (e.kind, e.last_period, e.due_date) == (enr.PREGNANCY, lmp, due_date_from_last_period(lmp))
    assert e.status == enr.PENDING and e.language == lang and e.phone == PHONE
    assert e.mother_name == MOTHER
    assert e.reference in d.screen


@pytest.mark.parametrize("lang", LANGUAGES)
def test_bad_dates_are_asked_again_with_a_hint(dial, db, facilities, today, lang):
    d = start(dial, lang)
    pick(d, lang, "My child under 5")
    d.press("awa").sees(label(lang, "Date of birth of {name}? Type day, month, year. Example: "
                                    "15062024").replace("{name}", "Awa"))
    tomorrow = today + timedelta(days=1)
    later_this_year = [(tomorrow.strftime("%d%m"), reg.DATE_HINTS["no_year"])] \
        if tomorrow.year == today.year else []  # on 31 December no day of this year is later
    for typed, hint in [
        ("1506024", reg.DATE_HINTS["format"]),
        *later_this_year,
        ("29022023", reg.DATE_HINTS["not_a_date"]),
        (ddmmyyyy(today + timedelta(days=1)), reg.DATE_HINTS["future"]),
        (ddmmyyyy(add_months(today, -72)), reg.TOO_OLD_CHILD),
    ]:
        d.press(typed).sees(label(lang, hint))
    d.press(ddmmyyyy(today - timedelta(days=400))).sees(label(lang, "Your name? First name and "
                                                                    "family name."))
    d.press(MOTHER).sees(label(lang, "Your CSCom: choose the commune or district"))
    assert enrollments(db) == []


def test_bad_month_and_name_are_asked_again(dial, facilities):
    d = start(dial, "fr")
    pick(d, "fr", "Me, I am pregnant")
    pick(d, "fr", "Month of pregnancy")
    d.press("10").sees(label("fr", "Type a number from 1 to 9."))
    d.press("6", "A").sees(label("fr", "Type your name with letters only."))
    d.press("0", "0", "0")
    pick(d, "fr", "My child under 5")
    d.press("A1").sees(label("fr", "Type the child's first name with letters only."))


def test_confirm_hop_resent_or_replayed_stores_one_enrollment_with_the_shown_reference(
        dial, db, facilities, redis_client):
    d = register_pregnancy_by_month(dial, "fr")
    pick(d, "fr", "Confirm")
    shown = REFERENCE.findall(d.screen)
    assert d.resend() == d.answer
    redis_client.flushdb()  # Redis lost everything: the resent hop is replayed from `text`
    again = d.resend()
    assert REFERENCE.findall(again[4:]) == shown
    [e] = enrollments(db)
    assert [e.reference] == shown
    assert len(outbox(db, "enrollment")) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_same_child_at_same_centre_is_shown_the_existing_reference(dial, db, facilities, today, lang):
    born = today - timedelta(days=500)
    d = register_child(dial, lang, "Awa", born)
    pick(d, lang, "Confirm")
    [first] = enrollments(db)
    d = register_child(dial, lang, " AWA ", born)
    d.sees(first.reference, label(lang, "pending"))
    assert len(enrollments(db)) == 1
    # another child, or the same child at another centre, is a new registration
    pick(register_child(dial, lang, "Awa", born - timedelta(days=1)), lang, "Confirm")
    pick(register_child(dial, lang, "Awa", born, centre="Boulkassoumbougou"), lang, "Confirm")
    assert len(enrollments(db)) == 3


def test_second_pregnancy_while_one_is_pending_shows_the_existing_one(dial, db, facilities):
    pick(register_pregnancy_by_month(dial, "fr", "3"), "fr", "Confirm")
    [first] = enrollments(db)
    register_pregnancy_by_month(dial, "fr", "4").sees(first.reference)
    assert len(enrollments(db)) == 1
    enr.decline(db, first.reference, reason_code="outside_area", now=first.created_at)
    db.commit()
    pick(register_pregnancy_by_month(dial, "fr", "4"), "fr", "Confirm")  # declined: may register again
    assert len(enrollments(db)) == 2


def test_two_sessions_at_the_confirm_screen_store_one(dial, db, facilities):
    first = register_pregnancy_by_month(dial, "fr")
    second = register_pregnancy_by_month(dial, "fr")
    pick(first, "fr", "Confirm")
    [e] = enrollments(db)
    pick(second, "fr", "Confirm").sees(e.reference)
    assert len(enrollments(db)) == 1


def test_cancel_stores_nothing(dial, db, facilities):
    d = register_pregnancy_by_month(dial, "fr")
    pick(d, "fr", "Cancel").sees(label("fr", "Main menu"))
    assert enrollments(db) == [] and outbox(db) == []


def test_my_registrations_shows_each_status_and_the_decline_reason(dial, db, facilities, today):
    pick(register_pregnancy_by_month(dial, "fr"), "fr", "Confirm")
    pick(register_child(dial, "fr", "Moussa", today - timedelta(days=30)), "fr", "Confirm")
    pregnancy, child = enrollments(db)
    enr.decline(db, child.reference, reason_code="already_registered", note="Inscrit a Sikasso",
                now=child.created_at)
    db.commit()
    d = fresh(dial(phone=PHONE), "fr")
    pick(d, "fr", "My registrations")
    d.sees(f"{pregnancy.reference} Grossesse: en attente", f"{child.reference} Moussa: refusée")
    pick(d, "fr", child.reference, raw=True).sees("État : refusée", "Motif : inscription déjà faite")


def test_my_registrations_is_empty_for_a_new_caller(dial, facilities):
    d = dial(phone="+22376000029").press(LANG_KEY["bm"])
    pick(d, "bm", "My registrations").sees(label("bm", "You have no registration yet."))


def test_registration_sms_names_the_centre_and_the_reference(dial, db, facilities, today):
    pick(register_child(dial, "bm", "Awa", today - timedelta(days=60)), "bm", "Confirm")
    [e] = enrollments(db)
    [sms] = outbox(db, "enrollment")
    assert e.reference in sms.body and "Sotuba" in sms.body and "Awa" in sms.body
    assert sms.language == "bm" and sms.recipient == PHONE
    assert db.scalar(select(func.count()).select_from(enr.Enrollment)) == 1


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("screen_id, hints", [
    (reg.PREG_MONTH, ["Type a number from 1 to 9."]),
    (reg.PREG_LMP, [*reg.DATE_HINTS.values()]),
    (reg.MOTHER, ["Type your name with letters only."]),
    (reg.CHILD_NAME, ["Type the child's first name with letters only."]),
    (reg.CHILD_DOB, [*reg.DATE_HINTS.values(), reg.TOO_OLD_CHILD]),
])
def test_every_hint_shows_whole_above_its_question(lang, screen_id, hints):
    from ussd_app.menus import registry
    from ussd_app.menus.render import render_page

    class S:
        data = {"child": "Aminata"}
    s = S()
    s.lang = lang
    view = registry()[screen_id].view(None, s)
    for hint in hints:
        text, _ = render_page(lang, view, True, 0, hint)
        assert text.startswith(label(lang, hint) + "\n"), text
        assert label(lang, view.body[0]) in text if isinstance(view.body[0], str) else True
        assert len("CON " + text) <= 160


def test_demo_mother_sees_a_pending_and_a_declined_registration(app, dial, db, now):
    from ussd_app.demo import load_demo
    from ussd_app.health.demo import DEMO_PHONE

    load_demo(app.extensions["db_sessions"], now)
    load_demo(app.extensions["db_sessions"], now)  # idempotent
    pregnancy, child = [e for e in enrollments(db) if e.phone == DEMO_PHONE]
    d = fresh(dial(phone=DEMO_PHONE), "fr")
    pick(d, "fr", "My registrations").sees("en attente", "refusée")
    pick(d, "fr", child.reference, raw=True).sees("Motif : hors de la zone du centre")
    assert outbox(db, "enrollment") == []  # demo rows send nothing


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_pregnancy_question_says_what_it_asks(dial, facilities, lang):
    d = start(dial, lang)
    pick(d, lang, "Me, I am pregnant").sees(
        label(lang, "How far along is your pregnancy? Tell us one of these:"),
        label(lang, "Month of pregnancy"), label(lang, "Date of my last period"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_last_period_over_42_weeks_ago_explains_and_offers_the_month(dial, db, facilities, today,
                                                                      lang):
    d = start(dial, lang)
    pick(pick(d, lang, "Me, I am pregnant"), lang, "Date of my last period")
    d.press(ddmmyyyy(today - timedelta(weeks=43))).sees(label(lang, reg.TOO_OLD_PERIOD))
    pick(d, lang, "Type the date again").press(ddmmyyyy(today - timedelta(weeks=50)))
    pick(d, lang, "Give the month instead").sees(label(lang, "In which month of pregnancy are you? "
                                                             "Type 1 to 9."))
    pick(d.press("6", MOTHER), lang, "Commune I", raw=True)
    pick(pick(d, lang, "Sotuba", raw=True), lang, "Confirm")
    [e] = enrollments(db)
    assert (e.pregnancy_month, e.last_period) == (6, None)


def test_a_last_period_over_42_weeks_ago_can_start_again(dial, facilities, today):
    d = start(dial, "fr")
    pick(pick(d, "fr", "Me, I am pregnant"), "fr", "Date of my last period")
    d.press(ddmmyyyy(today - timedelta(weeks=43)))
    pick(d, "fr", "Start again").sees(label("fr", "Register for subsidized care. Who is it for?"))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_short_dates_are_taken(dial, db, facilities, today, lang):
    lmp = today - timedelta(days=70)
    d = start(dial, lang)
    pick(pick(d, lang, "Me, I am pregnant"), lang, "Date of my last period")
    to_centre(d.press(lmp.strftime("%d%m%y"), MOTHER), lang)
    pick(d, lang, "Confirm")
    born = today - timedelta(days=400)
    d = start(dial, lang)
    pick(d, lang, "My child under 5").press("Moussa")
    to_centre(d.press(f"{born.day}/{born.month}/{born:%y}", MOTHER), lang)
    pick(d, lang, "Confirm")
    pregnancy, child = enrollments(db)
    assert (pregnancy.last_period, child.birth_date) == (lmp, born)


def test_the_mother_name_is_kept_and_shown_in_my_registrations(dial, db, facilities, today):
    d = start(dial, "fr")
    pick(d, "fr", "My child under 5").press("Moussa")
    to_centre(d.press(ddmmyyyy(today - timedelta(days=30)), "  aminata   KONE "), "fr")
    pick(d, "fr", "Confirm")
    [e] = enrollments(db)
    assert e.mother_name == "Aminata KONE"
    d = fresh(dial(phone=PHONE), "fr")
    pick(d, "fr", "My registrations")
    pick(d, "fr", e.reference, raw=True).sees(f"{e.reference} - Moussa", "Mère : Aminata KONE")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_right_after_registering_she_chooses_calls_for_her_reminders(dial, db, facilities, lang):
    from ussd_app.subscribers import find_by_phone

    d = register_pregnancy_by_month(dial, lang)
    pick(d, lang, "Confirm")
    [e] = enrollments(db)
    d.sees(e.reference, label(lang, "SMS and phone call"))
    pick(d, lang, "Phone call").sees(e.reference, label(lang, "My registrations"))
    db.expire_all()
    assert find_by_phone(db, PHONE).reminder_channel == "voice"

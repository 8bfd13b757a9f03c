"""Clinic decisions: approve, decline, close a pregnancy; each tells her by SMS, reminders follow."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import TEST_NOW
from tests.health.conftest import outbox
from ussd_app.health import enrollment as enr
from ussd_app.sms.reminder import PLANNED, STOPPED, Reminder
from ussd_app.subscribers import get_or_create
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import translate

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

NOW = TEST_NOW
PHONE = "+22376000030"


def _pregnancy(db, facilities, key="ussd:t-p:5:enroll", language="fr"):
    e = enr.register(db, request_key=key, reference=enr.plan_reference(db, key), phone=PHONE,
                     language=language, kind=enr.PREGNANCY, facility_id=facilities["BKO-C1-SOTUBA"].id,
                     now=NOW, pregnancy_month=3, due_date=NOW.date() + timedelta(days=190))
    db.commit()
    return e


def _child(db, facilities, key="ussd:t-c:5:enroll", language="bm"):
    e = enr.register(db, request_key=key, reference=enr.plan_reference(db, key), phone=PHONE,
                     language=language, kind=enr.CHILD, facility_id=facilities["BKO-C1-SOTUBA"].id,
                     now=NOW, child_name="Awa", birth_date=NOW.date() - timedelta(days=20))
    db.commit()
    return e


def _reminders(db, e):
    db.expire_all()
    return list(db.scalars(select(Reminder).where(Reminder.source_ref == f"enrollment:{e.reference}")))


def test_register_queues_one_sms_and_is_idempotent_on_the_hop_key(db, facilities):
    e = _pregnancy(db, facilities)
    again = _pregnancy(db, facilities)
    assert again.id == e.id
    [sms] = outbox(db, "enrollment")
    assert e.reference in sms.body and "Sotuba" in sms.body
    assert sms.dedupe_key == f"enrollment:{e.reference}:received"


def test_approving_a_pregnancy_tells_her_and_starts_antenatal_reminders(db, facilities):
    e = _pregnancy(db, facilities)
    enr.approve(db, e.reference.lower(), now=NOW)
    db.commit()
    assert e.status == enr.APPROVED and e.decided_at is not None
    approved = [m for m in outbox(db, "enrollment") if m.dedupe_key.endswith(":approved")]
    assert len(approved) == 1 and e.reference in approved[0].body and approved[0].language == "fr"
    reminders = _reminders(db, e)
    assert reminders and {r.kind for r in reminders} == {"antenatal"}
    assert any(r.status == PLANNED for r in reminders)
    assert all(r.facility_name == e.facility.name and r.phone == PHONE for r in reminders)


def test_approving_a_child_starts_immunization_reminders_in_her_current_language(db, facilities):
    e = _child(db, facilities, language="fr")
    get_or_create(db, PHONE, now=TEST_NOW).language = "bm"  # she switched language since registering
    db.commit()
    enr.approve(db, e.reference, now=NOW)
    db.commit()
    reminders = _reminders(db, e)
    # 20 days old: its vaccinations, and the postnatal check-ups still ahead (ussd_app.health.postnatal)
    assert {r.kind for r in reminders} == {"immunization", "postnatal"}
    assert {r.child_name for r in reminders} == {"Awa"} and {r.language for r in reminders} == {"bm"}
    assert outbox(db, "enrollment")[-1].language == "bm"


def test_declining_an_approved_enrollment_stops_its_reminders_and_gives_the_reason(db, facilities):
    e = _child(db, facilities)  # she chose Bambara
    enr.approve(db, e.reference, now=NOW)
    enr.decline(db, e.reference, reason_code="outside_area", note="  Hors de  la zone ", now=NOW)
    db.commit()
    assert (e.status, e.reason_code, e.reason) == (enr.DECLINED, "outside_area", "Hors de la zone")
    assert {r.status for r in _reminders(db, e)} <= {STOPPED, "skipped"}
    declined = outbox(db, "enrollment")[-1]
    # Told in her language; the staff's French note is never sent.
    assert to_gsm(translate("bm", enr.DECLINE_REASONS["outside_area"])) in declined.body
    assert "zone" not in declined.body and declined.dedupe_key.endswith(":declined")
    assert enr.reason_told(e, "fr") == "hors de la zone du centre"


def test_ending_a_pregnancy_stops_its_reminders(db, facilities):
    e = _pregnancy(db, facilities)
    enr.approve(db, e.reference, now=NOW)
    enr.end_pregnancy(db, e.reference, reason="birth", now=NOW)
    db.commit()
    assert e.status == enr.ENDED
    assert not [r for r in _reminders(db, e) if r.status == PLANNED]


@pytest.mark.parametrize("action", ["approve", "decline", "end"])
def test_actions_on_unknown_or_decided_enrollments_are_refused(db, facilities, action):
    e = _pregnancy(db, facilities)
    enr.decline(db, e.reference, reason_code="already_registered", now=NOW)
    db.commit()
    calls = {"approve": lambda ref: enr.approve(db, ref, now=NOW),
             "decline": lambda ref: enr.decline(db, ref, reason_code="outside_area", now=NOW),
             "end": lambda ref: enr.end_pregnancy(db, ref, reason="x", now=NOW)}
    with pytest.raises(enr.EnrollmentError):
        calls[action](e.reference)
    with pytest.raises(enr.EnrollmentError):
        calls[action]("AAAAAA")


def test_decline_needs_a_reason_and_end_is_for_pregnancies(db, facilities):
    child = _child(db, facilities)
    for code in ("", "Hors zone"):  # a preset reason, never free text
        with pytest.raises(enr.EnrollmentError):
            enr.decline(db, child.reference, reason_code=code, note="Hors zone", now=NOW)
    with pytest.raises(enr.EnrollmentError):
        enr.end_pregnancy(db, child.reference, reason="", now=NOW)


def test_cli_list_approve_decline(db, facilities, cli):
    p, c = _pregnancy(db, facilities), _child(db, facilities)
    listed = cli("enrollments", "list", "--status", "pending")
    assert listed.exit_code == 0 and p.reference in listed.output and c.reference in listed.output
    assert "child Awa" in listed.output and "BKO-C1-SOTUBA" in listed.output
    approved = cli("enrollments", "approve", p.reference)
    assert approved.exit_code == 0, approved.output
    assert "approved" in approved.output and "told by SMS" in approved.output
    declined = cli("enrollments", "decline", c.reference, "--reason", "outside_area", "--note", "Pas dans la zone")
    assert declined.exit_code == 0, declined.output
    again = cli("enrollments", "approve", p.reference)
    assert again.exit_code != 0 and "approved, not pending" in again.output
    missing = cli("enrollments", "decline", "ZZZZZZ")
    assert missing.exit_code != 0  # --reason is required
    db.expire_all()
    assert db.get(enr.Enrollment, p.id).status == enr.APPROVED
    assert (db.get(enr.Enrollment, c.id).reason_code, db.get(enr.Enrollment, c.id).reason) == (
        "outside_area", "Pas dans la zone")
    assert _reminders(db, p)
    assert cli("enrollments", "list", "--status", "pending").output.strip() == "no registrations"
    ended = cli("enrollments", "end", p.reference, "--reason", "birth")
    assert ended.exit_code == 0, ended.output

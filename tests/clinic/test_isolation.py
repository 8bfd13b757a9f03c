"""Staff and tokens of one centre reach nothing of another, by any URL or API call.

Every route of the dashboard and the API is tried (taken from app.url_map, so a new route is
covered, or fails here until its path arguments are known), with the other centre's references,
phones and ids, by GET and by POST; list pages must not show the other centre's people.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import CENTRE_B, page
from tests.conftest import TEST_NOW
from ussd_app.clinic import audience as audiences
from ussd_app.clinic import campaigns
from ussd_app.clinic.appointments import set_appointment
from ussd_app.clinic.models import Appointment, Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.health.enrollment import Enrollment
from ussd_app.savings.groups import add_member, create_group
from ussd_app.sms.outbox import OutboxMessage

SECRET_TITLE = "Campagne secrète de Boulkassoumbougou"


@pytest.fixture
def other_centre(db, world, app):
    """Centre B's records of every kind the clinic side knows."""
    now = TEST_NOW
    scope_b = Scope(CENTRE_B)
    campaign, _ = campaigns.create(db, scope=scope_b, idempotency_key="b-1", created_by="bintou",
                                   title=SECRET_TITLE, audience=audiences.Audience("centre"),
                                   messages={"fr": "Message B", "bm": "Cikan B"},
                                   send_at=now + timedelta(days=5), now=now,
                                   settings=app.extensions["ussd_settings"])
    target = world.b_pending[0]
    appointment = set_appointment(db, scope=scope_b, enrollment=target, phone=target.phone,
                                  when=now.date() + timedelta(days=3), note="", created_by="bintou",
                                  idempotency_key="b-appt", now=now)
    group = create_group(db, name="Jigiya", share_value=500, health_fund_per_meeting=100, facility_code=CENTRE_B, now=TEST_NOW)
    add_member(db, group, phone="+22366000099", name="Oumou D.", now=TEST_NOW)
    failed = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == target.phone))
    failed.status, failed.last_error, failed.final_at = "failed", "403 InvalidPhoneNumber", now
    db.commit()
    return {"campaign": campaign, "appointment": appointment, "failed": failed, "group": group}


def path_values(world, other):
    b = world.b_pending[0]
    return {"reference": b.reference, "digits": b.phone.lstrip("+"), "campaign_id": other["campaign"].id,
            "code": CENTRE_B, "group_id": other["group"].id}


def markers(world, other) -> list[str]:
    return ([e.reference for e in world.b_pending] + [e.phone for e in world.b_pending]
            + [SECRET_TITLE, "Jigiya", "+22366000099", CENTRE_B, "Boulkassoumbougou"])


def snapshot(db, world, other) -> tuple:
    """Everything of centre B that a request could change."""
    db.expire_all()
    b_refs = [e.reference for e in world.b_pending]
    phones = [e.phone for e in world.b_pending]
    return (
        tuple(db.execute(select(Enrollment.reference, Enrollment.status).where(Enrollment.reference.in_(b_refs))
                         .order_by(Enrollment.reference)).all()),
        db.scalar(select(func.count()).where(OutboxMessage.recipient.in_(phones))),
        tuple(db.execute(select(Campaign.id, Campaign.status)).all()),
        tuple(db.execute(select(Appointment.id, Appointment.stopped_at)).all()),
    )


def routes(app, prefix):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] == prefix and not rule.endpoint.endswith(".static"):
            yield rule


def fill(rule, values) -> str:
    path = rule.rule
    for arg in rule.arguments:
        assert arg in values, f"{rule.rule}: teach this test about <{arg}>"
        converter = rule._converters[arg]
        path = path.replace(f"<{type(converter).__name__.lower().replace('converter', '')}:{arg}>", str(values[arg]))
        path = path.replace(f"<int:{arg}>", str(values[arg])).replace(f"<{arg}>", str(values[arg]))
    return path


def hostile_form(world, other) -> dict:
    b = world.b_pending[0]
    return {"reference": b.reference, "source_ref": f"enrollment:{b.reference}", "id": str(other["failed"].id),
            "all_failed": "1", "facility_code": CENTRE_B, "audience": "centre", "title": "x",
            "message_fr": "x", "message_bm": "x", "key": "hostile", "action": "send",
            "date": (TEST_NOW.date() + timedelta(days=2)).isoformat(), "form_key": "hostile",
            "reason": "x", "lang": "fr"}


ADMIN_ONLY = {"clinic.audit_page", "clinic.audit_csv"}  # a centre's staff get 404, as for another centre's pages


def test_staff_of_one_centre_reach_nothing_of_another(app, world, other_centre, signed_in, db):
    awa = signed_in("awa")
    values = path_values(world, other_centre)
    secret = markers(world, other_centre)
    before = snapshot(db, world, other_centre)
    tried = 0
    for rule in routes(app, "clinic"):
        url = fill(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if rule.endpoint in ("clinic.logout", "clinic.login"):
                continue  # signing out or in again reveals nothing; tried in test_auth
            awa.get("/clinic/registrations")  # a fresh CSRF token, like a page would carry
            if method == "GET":
                response = awa.get(url)
            else:
                response = awa.post(url, hostile_form(world, other_centre))
            tried += 1
            text = page(response)
            if rule.arguments or rule.endpoint in ADMIN_ONLY:
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            else:
                # 403: an admin's action (changing recordings) refused to centre staff.
                assert response.status_code in (200, 302, 303, 400, 403), f"{method} {url}: {response.status_code}"
                leaked = [m for m in secret if m in text]
                assert not leaked, f"{method} {url} shows {leaked}"
            # Following a redirect shows nothing of centre B either.
            if response.status_code in (302, 303):
                landing = page(awa.get(response.headers["Location"]))
                assert not [m for m in secret if m in landing], f"{method} {url} -> {response.headers['Location']}"
    assert tried >= 20
    assert snapshot(db, world, other_centre)[:2] == before[:2]
    # The campaign she just sent went to her own centre, never to B's people.
    db.expire_all()
    assert db.scalar(select(Campaign.facility_code).where(Campaign.title == "x")) == world.a.code
    assert snapshot(db, world, other_centre)[3] == before[3]
    assert db.scalar(select(Campaign.status).where(Campaign.id == other_centre["campaign"].id)) == "planning"


def test_tokens_of_one_centre_reach_nothing_of_another(app, client, world, other_centre, tokens, db):
    values = path_values(world, other_centre)
    secret = markers(world, other_centre)
    before = snapshot(db, world, other_centre)
    body = {"reference": world.b_pending[0].reference, "date": (TEST_NOW.date() + timedelta(days=2)).isoformat(),
            "reason": "x", "title": "x", "audience": {"kind": "centre"}, "message_fr": "x", "message_bm": "x",
            "facility_code": CENTRE_B}
    tried = 0
    for rule in routes(app, "clinic_api"):
        url = fill(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            headers = {**tokens["a"], "Idempotency-Key": f"hostile-{tried}"}
            response = client.open(url, method=method, json=body if method == "POST" else None, headers=headers)
            tried += 1
            text = response.get_data(as_text=True)
            if rule.arguments:
                assert response.status_code == 404, f"{method} {url} answered {response.status_code}"
            else:
                assert not [m for m in secret if m in text], f"{method} {url} leaks"
                assert response.status_code != 500
    assert tried >= 8
    after = snapshot(db, world, other_centre)
    assert after[:2] == before[:2] and after[3] == before[3]
    assert db.scalar(select(Campaign.status).where(Campaign.id == other_centre["campaign"].id)) == "planning"
    # An appointment for B's person through A's token is refused (404), so none was added.
    assert db.scalar(select(func.count()).select_from(Appointment)) == 1


def test_admin_sees_every_centre(signed_in, world, other_centre):
    admin = signed_in("admin")
    assert world.b_pending[0].reference in page(admin.get("/clinic/registrations"))
    assert SECRET_TITLE in page(admin.get("/clinic/campaigns"))
    assert admin.get(f"/clinic/campaigns/{other_centre['campaign'].id}").status_code == 200
    assert admin.get(f"/clinic/people/{world.b_pending[0].phone.lstrip('+')}").status_code == 200


def test_other_centres_staff_sees_her_own(signed_in, world, other_centre):
    bintou = signed_in("bintou")
    assert SECRET_TITLE in page(bintou.get("/clinic/campaigns"))
    assert world.a_pending[0].reference not in page(bintou.get("/clinic/registrations?status=all"))

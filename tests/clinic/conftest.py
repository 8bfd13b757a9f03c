"""Clinic fixtures: two centres with their people, staff of each, a signed-in client, tokens,
and the SMS runtime (real SDK against the local fake API, real RQ workers in burst mode)."""

from __future__ import annotations

import html
import re
from html import unescape
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from tests.conftest import FAKE_AT_API_KEY, TEST_NOW
from ussd_app.clinic import audience as audiences
from ussd_app.clinic import campaigns, labels
from ussd_app.clinic.accounts import create_api_token, create_staff
from ussd_app.clinic.appointments import set_appointment, stop_schedule
from ussd_app.clinic.campaigns import CANCELLED_ERROR
from ussd_app.clinic.scope import Scope
from ussd_app.clinic.views_campaigns import STATE_LABELS
from ussd_app.health import enrollment as health
from ussd_app.health.facilities import Facility
from ussd_app.redis_conn import QUEUE_NAMES
from ussd_app.savings.groups import create_group
from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.dispatch import SKIP_OPTED_OUT, SKIP_VISIT_PASSED
from ussd_app.sms.gateways.africastalking import AfricasTalkingGateway
from ussd_app.sms.outbox import STATUSES, queue_sms
from ussd_app.sms.purposes import NOTICE, REMINDER
from ussd_app.sms.reminder import Reminder
from ussd_app.sms.schedules import ANTENATAL_WEEKS, APPOINTMENT_REMINDERS, IMMUNIZATION_VISITS
from ussd_app.subscribers import get_or_create

PASSWORD = "sage-femme-2026"
API_KEY = FAKE_AT_API_KEY
CENTRE_A, CENTRE_B = "BKO-C1-SOTUBA", "BKO-C1-BOULK"


@dataclass
class World:
    """What the tests arrange: two centres, a midwife at each, an admin, people at both."""

    a: Facility
    b: Facility
    a_pending: list  # enrollments at A, pending
    b_pending: list  # enrollments at B, pending


def add_facility(db, code: str, name: str) -> Facility:
    now = TEST_NOW
    facility = Facility(code=code, name=name, commune="Commune I", region="Bamako", phone=None,
                        active=True, created_at=now, updated_at=now)
    db.add(facility)
    db.flush()
    return facility


_seq = [0]


def enroll(db, facility: Facility, phone: str, *, kind: str = "pregnancy", language: str = "fr",
           child_name: str | None = None, birth_date: date | None = None, due_date: date | None = None,
           now: datetime | None = None, mother_name: str | None = None):
    """A registration made the way the USSD flow makes it (health's own function)."""
    now = now or TEST_NOW
    _seq[0] += 1
    key = f"test:{phone}:{_seq[0]}"
    subscriber = get_or_create(db, phone, now=TEST_NOW)
    subscriber.language = language
    if kind == "pregnancy" and due_date is None:
        due_date = now.date() + timedelta(days=150)
    return health.register(db, request_key=key, reference=health.plan_reference(db, key), phone=phone,
                           language=language, kind=kind, facility_id=facility.id, now=now,
                           mother_name=mother_name, child_name=child_name, birth_date=birth_date,
                           due_date=due_date)


@pytest.fixture
def world(db) -> World:
    a = add_facility(db, CENTRE_A, "CSCom Sotuba")
    b = add_facility(db, CENTRE_B, "CSCom Boulkassoumbougou")
    a_pending = [enroll(db, a, "+22376000001"), enroll(db, a, "+22376000002", language="bm")]
    b_pending = [enroll(db, b, "+22366000001"), enroll(db, b, "+22366000002", kind="child",
                                                       child_name="Fanta", birth_date=date(2025, 1, 10))]
    create_staff(db, username="awa", password=PASSWORD, facility_code=CENTRE_A, display_name="Awa Diarra", now=TEST_NOW)
    create_staff(db, username="bintou", password=PASSWORD, facility_code=CENTRE_B, now=TEST_NOW)
    create_staff(db, username="admin", password=PASSWORD, role="admin", now=TEST_NOW)
    db.commit()
    return World(a, b, a_pending, b_pending)


def page(response) -> str:
    """The response's text as a reader sees it (entities decoded)."""
    return html.unescape(response.get_data(as_text=True))


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A Flask test client that carries the CSRF token like a page's forms do."""

    def __init__(self, client):
        self.client = client
        self.token = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        found = CSRF.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, url, data=None, **kw):
        if self.token is None:
            self.get("/clinic/login")
        data = dict(data or {})
        data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)

    def login(self, username: str, password: str = PASSWORD):
        self.get("/clinic/login")
        response = self.post("/clinic/login", {"username": username, "password": password})
        self.get("/clinic/registrations")
        return response


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def signed_in(app):
    """signed_in("awa") -> a Browser signed in as that account (each its own cookie jar)."""

    def make(username: str) -> Browser:
        b = Browser(app.test_client())
        response = b.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return b

    return make


@pytest.fixture
def tokens(db, world):
    out = {}
    for label, code in (("a", CENTRE_A), ("b", CENTRE_B), ("all", None)):
        _row, secret = create_api_token(db, name=f"test {label}", facility_code=code, now=TEST_NOW)
        out[label] = {"Authorization": f"Bearer {secret}"}
    db.commit()
    return out


@pytest.fixture
def sms_rt(app, redis_client, fake_at):
    gateway = AfricasTalkingGateway("sandbox", API_KEY, sender_id="SANTE", base_url=fake_at.url,
                                    timeout=(0.5, 0.5))
    # No quiet hours here, so a run at night still completes; tests/clinic/test_campaigns.py
    # checks the quiet hours themselves.
    settings = replace(app.extensions["ussd_settings"], sms_rate_per_second=500,
                       quiet_hours_start=0, quiet_hours_end=0)
    app.extensions["ussd_settings"] = settings
    rt = sms_runtime.SmsRuntime(settings, app.extensions["db_sessions"], redis_client, gateway,
                                app.extensions["clock"])
    sms_runtime.install(rt)
    yield rt
    sms_runtime.install(None)


@pytest.fixture
def work(redis_client, sms_rt):
    """Run a real RQ worker in burst mode until the queues are empty."""

    def run() -> None:
        queues = [Queue(name, connection=redis_client) for name in QUEUE_NAMES]
        SimpleWorker(queues, connection=redis_client).work(burst=True)

    return run


def visible_text(html: str) -> str:
    """What a reader sees of a page: no tags, attributes, scripts or styles."""
    html = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", html)
    return " ".join(unescape(re.sub(r"(?s)<[^>]+>", " ", html)).split())


# Every code the database holds for a kind, step, status or reason ("test" is left out: it is a
# French word too).
RAW_CODES = sorted(
    set(labels.ENROLLMENT_STATUSES) | set(labels.ENROLLMENT_KINDS) | set(labels.REMINDER_KINDS)
    | set(labels.REMINDER_STATUSES) | set(labels.SKIP_REASONS) | set(labels.DECLINE_REASONS)
    | (set(labels.MESSAGE_KINDS) - {"test"}) | set(STATUSES) | set(labels.MESSAGE_ERRORS)
    | set(STATE_LABELS) | {"cancelled", CANCELLED_ERROR, labels.STAFF_STOP.strip()}
    | {v.step for v in IMMUNIZATION_VISITS} | {f"anc{w}" for w in ANTENATAL_WEEKS}
    | {step for step, _days, _at in APPOINTMENT_REMINDERS})


def raw_codes_in(text: str) -> list[str]:
    return [code for code in RAW_CODES if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text)]


@pytest.fixture
def busy_centre(db, world, app):
    """Centre A with a record of every kind the dashboard shows, in every state."""
    now = TEST_NOW
    today = now.date()
    first, bambara = world.a_pending
    health.approve(db, first.reference, now=now)  # antenatal visits, the early ones skipped
    child = enroll(db, world.a, "+22376000003", kind="child", child_name="Moussa",
                   birth_date=today - timedelta(days=300))
    health.approve(db, child.reference, now=now)
    health.decline(db, bambara.reference, reason_code="outside_area", note="Quartier de Sikasso", now=now)
    closed = enroll(db, world.a, "+22376000004", mother_name="Kadiatou Diallo")
    health.approve(db, closed.reference, now=now)
    health.end_pregnancy(db, closed.reference, reason="naissance", now=now)
    appointment = set_appointment(db, scope=Scope(CENTRE_A), enrollment=first, phone=first.phone,
                                  when=today + timedelta(days=5), note="", created_by="awa",
                                  idempotency_key="busy", now=now)
    stop_schedule(db, source_ref=appointment.source_ref, reason=labels.STAFF_STOP + "awa", now=now)
    reminders = list(db.scalars(select(Reminder).where(Reminder.source_ref == child.source_ref)
                                .order_by(Reminder.id)))
    for reminder, (status, reason) in zip(reminders, [("skipped", SKIP_VISIT_PASSED), ("skipped", SKIP_OPTED_OUT),
                                                      ("stopped", labels.OLD_USER_STOP), ("queued", None)]):
        reminder.status, reminder.skip_reason = status, reason
    errors = [CANCELLED_ERROR, SKIP_OPTED_OUT, "not an E.164 phone number", "stopped: ended",
              "gave up after 5 attempts: timeout", "403 InvalidPhoneNumber"]
    for i, kind in enumerate(labels.MESSAGE_KINDS):
        row = queue_sms(db, recipient=first.phone, language="fr", message="Bonjour", kind=kind,
                        purpose=NOTICE, dedupe_key=f"busy:{kind}", now=now)
        row.status = STATUSES[i % len(STATUSES)]
        if row.status in ("failed", "rejected"):
            row.last_error = errors.pop()
    for error in errors:
        row = queue_sms(db, recipient=first.phone, language="fr", message="Bonjour", kind="reminder",
                        purpose=REMINDER, dedupe_key=f"busy:{error}", now=now)
        row.status, row.last_error = "failed", error
    campaign, _ = campaigns.create(db, scope=Scope(CENTRE_A), idempotency_key="busy", created_by="awa",
                                   title="Journée de vaccination", audience=audiences.Audience("centre"),
                                   messages={"fr": "Venez samedi.", "bm": "Aw ka na sibiri."},
                                   send_at=now + timedelta(days=2), now=now, settings=app.extensions["ussd_settings"])
    create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=250, facility_code=CENTRE_A, now=now)
    db.commit()
    return {"child": child, "closed": closed, "campaign": campaign}

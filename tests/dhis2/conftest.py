"""DHIS2 fixtures: two centres with a month of activity, a mapping file, the local fake DHIS2."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import pytest

from tests.clinic.conftest import CENTRE_A, CENTRE_B, add_facility, enroll
from ussd_app.clinic.models import Campaign
from ussd_app.dhis2.client import Dhis2Client
from ussd_app.dhis2.indicators import Period
from ussd_app.health import enrollment as health
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.reminder import QUEUED, Reminder
from ussd_app.testing.fake_dhis2 import FakeDhis2

ORG_A, ORG_B = "DiszpKrYNg8", "FNnj3jKGS7i"
DATA_SET = "QX4ZTUbOt3a"
DEFAULT_COC = "HllvX50cXC0"
ELEMENTS = {"pregnancies_received": "Ix2HsbDMLea", "pregnancies_approved": "eY5ehpbEsB7",
            "children_received": "f7n9E0hX8qk", "children_approved": "s46m5MS0hxu",
            "reminders_sent_immunization": "UOlfIjgN8X6", "reminders_delivered_immunization": "UOlfIjgN8X7",
            "campaign_messages_sent": "Jtf34kNZhzP", "campaign_messages_delivered": "Jtf34kNZhzQ"}
USER, PASSWORD = "ussd-app", "district-2026"


def mapping_json(elements=None, org_units=None) -> dict:
    return {"dataSet": DATA_SET,
            "dataElements": {name: {"dataElement": uid, "categoryOptionCombo": DEFAULT_COC}
                             for name, uid in (elements or ELEMENTS).items()},
            "orgUnits": org_units or {CENTRE_A: ORG_A, CENTRE_B: ORG_B}}


@pytest.fixture
def mapping_file(tmp_path):
    path = tmp_path / "dhis2-mapping.json"
    path.write_text(json.dumps(mapping_json()))
    return path


@pytest.fixture
def fake_dhis2():
    """DHIS2 knows the mapped data elements and both centres' org units, nothing else."""
    fake = FakeDhis2(username=USER, password=PASSWORD, data_elements=ELEMENTS.values(),
                     org_units={ORG_A, ORG_B}, category_option_combos={DEFAULT_COC}).start()
    yield fake
    fake.stop()


@pytest.fixture
def client_for(fake_dhis2):
    # Timeouts long enough for a busy machine: only the test of a slow DHIS2 shortens the read.
    def make(password: str = PASSWORD, read_timeout: float = 10) -> Dhis2Client:
        return Dhis2Client(fake_dhis2.url, USER, password, timeout=(5, read_timeout))

    return make


@pytest.fixture
def dhis2_settings(app, fake_dhis2, mapping_file):
    settings = replace(app.extensions["ussd_settings"], dhis2_url=fake_dhis2.url, dhis2_username=USER,
                       dhis2_password=PASSWORD, dhis2_mapping=mapping_file)
    app.extensions["ussd_settings"] = settings
    return settings


@dataclass
class Month:
    period: Period
    expected: dict  # facility code -> {indicator: count}


def _outbox(db, now: datetime, key: str, *, status: str, campaign_id: int | None = None,
            kind: str = "reminder") -> OutboxMessage:
    row = OutboxMessage(recipient="+22376000001", language="fr", body="Rappel", parts=1, kind=kind, purpose=kind,
                        dedupe_key=key, status=status, attempts=1, due_at=now, created_at=now, updated_at=now,
                        sent_at=now, final_at=now if status == "delivered" else None,
                        provider_message_id=f"ATXid_{key}", campaign_id=campaign_id)
    db.add(row)
    db.flush()
    return row


@pytest.fixture
def month(db, clock) -> Month:
    """This month at A: 2 pregnancies and 1 child received, 1 pregnancy approved, 3 immunization
    reminders sent (2 delivered), 2 campaign SMS sent (1 delivered). At B: 1 child received. And
    last month at A: one registration and one reminder, which must not count."""
    now = clock.now
    period = Period(now.year, now.month)
    last_month = period.start - timedelta(days=2)
    a, b = add_facility(db, CENTRE_A, "CSCom Sotuba"), add_facility(db, CENTRE_B, "CSCom Boulkassoumbougou")
    old = enroll(db, a, "+22376000009", now=last_month)
    first = enroll(db, a, "+22376000001", now=now)
    enroll(db, a, "+22376000002", now=now)
    child = enroll(db, a, "+22376000003", kind="child", child_name="Awa", birth_date=date(2026, 1, 5), now=now)
    enroll(db, b, "+22366000001", kind="child", child_name="Fanta", birth_date=date(2026, 2, 1), now=now)
    health.approve(db, first.reference, now=now)
    for index, status in enumerate(("delivered", "delivered", "sent")):
        row = _outbox(db, now, f"test-reminder-{index}", status=status)
        db.add(Reminder(phone=child.phone, language="fr", kind="immunization", step=f"s{index}",
                        source_ref=f"enrollment:{child.reference}", facility_name="CSCom Sotuba",
                        visit_date=now.date(), due_at=now, status=QUEUED, outbox_id=row.id, created_at=now))
    stale = _outbox(db, last_month, "test-reminder-old", status="delivered")
    db.add(Reminder(phone=old.phone, language="fr", kind="immunization", step="old",
                    source_ref=f"enrollment:{old.reference}", facility_name="CSCom Sotuba",
                    visit_date=last_month.date(), due_at=last_month, status=QUEUED, outbox_id=stale.id,
                    created_at=last_month))
    campaign = Campaign(facility_code=CENTRE_A, idempotency_key="test-campaign", created_by="test",
                        title="Boloci", audience_kind="centre", audience_params="{}",
                        texts={"fr": "x", "bm": "x"}, send_at=now, status="planned", created_at=now)
    db.add(campaign)
    db.flush()
    _outbox(db, now, "test-campaign-1", status="delivered", campaign_id=campaign.id, kind="campaign")
    _outbox(db, now, "test-campaign-2", status="sent", campaign_id=campaign.id, kind="campaign")
    db.commit()
    expected_a = {"pregnancies_received": 2, "pregnancies_approved": 1, "children_received": 1,
                  "children_approved": 0, "reminders_sent_immunization": 3, "reminders_delivered_immunization": 2,
                  "campaign_messages_sent": 2, "campaign_messages_delivered": 1}
    expected_b = dict.fromkeys(expected_a, 0) | {"children_received": 1}
    return Month(period, {CENTRE_A: expected_a, CENTRE_B: expected_b})

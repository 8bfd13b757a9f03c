"""Care over the API: doses and contacts recorded idempotently, the late list by token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import enroll
from tests.conftest import TEST_NOW
from ussd_app.health import enrollment as health
from ussd_app.health.records import DoseGiven

pytestmark = pytest.mark.dates


@pytest.fixture
def child(db, world):
    found = enroll(db, world.a, "+22376000051", kind="child", child_name="Fanta",
                   birth_date=TEST_NOW.date() - timedelta(weeks=10), now=TEST_NOW - timedelta(weeks=10))
    health.approve(db, found.reference, now=TEST_NOW - timedelta(weeks=10))
    db.commit()
    return found


def test_doses_are_recorded_once_per_idempotency_key(client, db, tokens, child):
    body = {"doses": [{"dose": "Penta1", "date": TEST_NOW.date().isoformat()},
                      {"dose": "BCG1", "date": TEST_NOW.date().isoformat()}]}
    headers = {**tokens["a"], "Idempotency-Key": "register-page-4"}
    first = client.post(f"/api/v1/enrollments/{child.reference}/doses", json=body, headers=headers)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["created"] == 2
    again = client.post(f"/api/v1/enrollments/{child.reference}/doses", json=body, headers=headers)
    assert again.status_code == 200 and again.get_json()["recorded"] == first.get_json()["recorded"]
    assert db.scalar(select(func.count(DoseGiven.id))) == 2
    missing_key = client.post(f"/api/v1/enrollments/{child.reference}/doses", json=body, headers=tokens["a"])
    assert missing_key.status_code == 400
    other_centre = client.post(f"/api/v1/enrollments/{child.reference}/doses", json=body,
                               headers={**tokens["b"], "Idempotency-Key": "x"})
    assert other_centre.status_code == 404
    future = {"doses": [{"dose": "RR1", "date": (TEST_NOW.date() + timedelta(days=3)).isoformat()}]}
    refused = client.post(f"/api/v1/enrollments/{child.reference}/doses", json=future,
                          headers={**tokens["a"], "Idempotency-Key": "y"})
    assert refused.status_code == 422 and refused.get_json()["error"] == "not_recorded"
    unknown = client.post(f"/api/v1/enrollments/{child.reference}/doses", json={"doses": [{"dose": "X1", "date": "2026-01-01"}]},
                          headers={**tokens["a"], "Idempotency-Key": "z"})
    assert unknown.status_code == 400


def test_a_contact_and_the_late_list(client, db, tokens, world, child):
    pregnancy = world.a_pending[0]
    health.approve(db, pregnancy.reference, now=TEST_NOW)
    db.commit()
    recorded = client.post(f"/api/v1/enrollments/{pregnancy.reference}/contacts",
                           json={"date": TEST_NOW.date().isoformat()},
                           headers={**tokens["a"], "Idempotency-Key": "cpn-1"})
    assert recorded.status_code == 201
    late = client.get("/api/v1/late", headers=tokens["a"]).get_json()
    [row] = late["children"]
    assert row["reference"] == child.reference and row["phone"] == "+22376000051"
    assert row["missed"][:2] == ["BCG1", "Penta1"] and row["days_late"] == 70
    assert client.get("/api/v1/late", headers=tokens["b"]).get_json()["children"] == []
    everyone = client.get("/api/v1/late", headers=tokens["all"]).get_json()["children"]
    assert everyone[0]["phone"] != "+22376000051"  # masked for a token of every centre

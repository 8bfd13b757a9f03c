"""The OpenAPI document matches the API: schemathesis generates requests from /api/v1/openapi.json
(valid ones, and invalid ones the API must refuse) and checks every answer against the document,
in-process (WSGI), on each database backend."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from sqlalchemy import func, select

from tests.clinic.conftest import CENTRE_A, add_facility, enroll
from tests.conftest import TEST_NOW
from ussd_app.clinic.accounts import create_api_token
from ussd_app.clinic.models import ApiToken, Campaign

EXAMPLES = 12  # per operation and mode: the whole run stays well under a minute


@pytest.fixture
def token(db):
    facility = add_facility(db, CENTRE_A, "CSCom Sotuba")
    enroll(db, facility, "+22376000001")
    _row, secret = create_api_token(db, name="schemathesis", facility_code=CENTRE_A, now=TEST_NOW)
    db.commit()
    return secret


def failures_of(operation, mode: GenerationMode) -> str | None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate()

    try:
        check()
    except (AssertionError, BaseExceptionGroup) as exc:  # schemathesis' failures, with their report
        report = exc.message if isinstance(exc, BaseExceptionGroup) else str(exc)
        return f"{operation.label} ({mode.value}): {report}"
    return None


# 422 is the API's answer to a request the document allows and a rule of the service refuses (a
# date in the past, a message over 3 SMS, nobody matching the audience): JSON Schema cannot say
# those. Generated text is UTF-8 without NUL: the API refuses both (tests/clinic/test_edges.py).
CONFIG = {"generation": {"allow-x00": False, "codec": "utf-8"},
          "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422",
                                                                          "429"]}}}


def test_the_api_answers_as_its_document_says(app, db, token):
    config = schemathesis.Config.from_dict({**CONFIG, "auth": {"openapi": {"bearer": {"bearer": token}}}})
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=config)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 20  # every /api/v1 route: exports, audit log, care journeys, birth and loss
    failures = [failure for operation in operations for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
                if (failure := failures_of(operation, mode)) is not None]
    assert not failures, "\n\n".join(failures)
    db.expire_all()  # the generated requests did get past the bearer check and did real work
    assert db.scalar(select(ApiToken.last_used_at)) is not None
    assert db.scalar(select(func.count()).select_from(Campaign)) > 0

"""Pushing a month to the local fake DHIS2 through the real client (requests): values, import
summaries, conflicts, retries that never count twice, the CLI and the dashboard page."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.clinic.conftest import CENTRE_A, CENTRE_B, PASSWORD as STAFF_PASSWORD, Browser, page
from tests.conftest import REDIS_URL
from tests.dhis2.conftest import DATA_SET, DEFAULT_COC, ELEMENTS, ORG_A, ORG_B, PASSWORD, USER, mapping_json
from ussd_app.cli import main
from ussd_app.clinic.accounts import create_staff
from ussd_app.dhis2 import models
from ussd_app.dhis2.client import parse_summary
from ussd_app.dhis2.indicators import count_month
from ussd_app.dhis2.mapping import MappingError, parse_mapping
from ussd_app.dhis2.models import Dhis2Push
from ussd_app.dhis2.push import NO_ORG_UNIT, push_month

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def push(app, client, month, mapping=None, **kw):
    return push_month(app.extensions["db_sessions"], client, mapping or parse_mapping(mapping_json()),
                      month.period, clock=app.extensions["clock"], delays=(0,), sleep=lambda s: None, **kw)


def pushes(db) -> list[Dhis2Push]:
    db.expire_all()
    return list(db.scalars(select(Dhis2Push).order_by(Dhis2Push.facility_code, Dhis2Push.id)))


def test_the_month_is_counted_per_centre(db, month):
    counts = count_month(db, month.period)
    for code, expected in month.expected.items():
        assert {k: counts[code][k] for k in expected} == expected


def test_a_push_stores_every_value_in_dhis2_and_its_summary(app, db, month, fake_dhis2, client_for):
    outcomes = push(app, client_for(), month)
    assert sorted((o.facility_code, o.status) for o in outcomes) == [(CENTRE_B, "success"), (CENTRE_A, "success")]
    [sent] = [p for p in fake_dhis2.posts if p["orgUnit"] == ORG_A]
    assert sent["dataSet"] == DATA_SET and sent["period"] == month.period.dhis2 and sent["orgUnit"] == ORG_A
    for indicator, count in month.expected[CENTRE_A].items():
        assert fake_dhis2.value(ELEMENTS[indicator], month.period.dhis2, ORG_A, DEFAULT_COC) == str(count)
    assert fake_dhis2.value(ELEMENTS["children_received"], month.period.dhis2, ORG_B, DEFAULT_COC) == "1"
    rows = pushes(db)
    assert [(r.facility_code, r.status, r.imported, r.updated, r.attempts) for r in rows] == [
        (CENTRE_B, "success", len(ELEMENTS), 0, 1), (CENTRE_A, "success", len(ELEMENTS), 0, 1)]


def test_pushing_the_same_month_again_updates_values_and_keeps_one_record(app, db, month, fake_dhis2, client_for):
    push(app, client_for(), month)
    push(app, client_for(), month)
    rows = pushes(db)
    assert len(rows) == 2 and all(r.attempts == 2 and r.updated == len(ELEMENTS) and r.imported == 0 for r in rows)
    assert fake_dhis2.value(ELEMENTS["pregnancies_received"], month.period.dhis2, ORG_A, DEFAULT_COC) == "2"


def test_a_retry_after_a_network_error_never_counts_twice(app, db, month, fake_dhis2, client_for):
    fake_dhis2.fail_next(1, status=503)
    fake_dhis2.hang_next(1, seconds=1.5)  # the client gives up after 0.5 s
    seen = []
    outcomes = push(app, client_for(read_timeout=0.5), month, facility_codes=[CENTRE_A], progress=seen.append)
    assert [(o.status, o.attempt, o.final) for o in seen] == [
        ("unreachable", 1, False), ("unreachable", 2, False), ("success", 3, True)]
    assert "HTTP 503" in seen[0].error and "in time" in seen[1].error
    assert outcomes[-1].summary.imported == len(ELEMENTS)
    [row] = pushes(db)
    assert (row.status, row.attempts, row.imported, row.error) == ("success", 3, len(ELEMENTS), None)
    assert fake_dhis2.value(ELEMENTS["reminders_sent_immunization"], month.period.dhis2, ORG_A, DEFAULT_COC) == "3"


def test_dhis2_away_on_every_try_leaves_an_unreachable_record(app, db, month, fake_dhis2, client_for):
    fake_dhis2.fail_next(3, status=502)
    [outcome] = push(app, client_for(), month, facility_codes=[CENTRE_B])
    assert (outcome.status, outcome.final, outcome.attempt) == ("unreachable", True, 3)
    [row] = pushes(db)
    assert row.status == models.UNREACHABLE and row.attempts == 3 and "502" in row.error
    assert fake_dhis2.posts == []


def test_wrong_credentials_are_not_retried(app, db, month, fake_dhis2, client_for):
    [outcome] = push(app, client_for(password="wrong"), month, facility_codes=[CENTRE_A])
    assert outcome.status == models.REFUSED and "credentials" in outcome.error
    assert fake_dhis2.received == 0  # refused before the import, and only once
    assert pushes(db)[0].attempts == 1


def test_conflicts_are_kept_with_their_text(app, db, month, fake_dhis2, client_for):
    unknown = {**ELEMENTS, "children_approved": "Zz9999999Zz"}
    mapping = parse_mapping(mapping_json(elements=unknown, org_units={CENTRE_A: ORG_A, CENTRE_B: "Qq1111111Qq"}))
    outcomes = {o.facility_code: o for o in push(app, client_for(), month, mapping=mapping)}
    assert outcomes[CENTRE_A].status == models.WARNING and outcomes[CENTRE_B].status == models.ERROR
    row_b, row_a = pushes(db)
    assert (row_a.imported, row_a.ignored) == (len(ELEMENTS) - 1, 1)
    assert row_a.conflict_list == [{"object": "Zz9999999Zz",
                                    "value": "Data element not found or not accessible: `Zz9999999Zz`"}]
    assert row_b.imported == 0 and row_b.ignored == len(ELEMENTS)
    assert "Org unit not found" in row_b.conflict_list[0]["value"]


def test_changed_numbers_are_a_new_record(app, db, month, fake_dhis2, client_for):
    push(app, client_for(), month, facility_codes=[CENTRE_B])
    from tests.clinic.conftest import enroll
    from ussd_app.health.facilities import Facility

    enroll(db, db.scalar(select(Facility).where(Facility.code == CENTRE_B)), "+22366000005",
           now=app.extensions["clock"]())
    db.commit()
    push(app, client_for(), month, facility_codes=[CENTRE_B])
    first, second = pushes(db)
    assert first.payload_hash != second.payload_hash and second.updated >= 1
    assert fake_dhis2.value(ELEMENTS["pregnancies_received"], month.period.dhis2, ORG_B, DEFAULT_COC) == "1"


def test_a_centre_with_data_but_no_org_unit_is_reported_not_sent(app, db, month, fake_dhis2, client_for):
    mapping = parse_mapping(mapping_json(org_units={CENTRE_A: ORG_A}))
    outcomes = {o.facility_code: o for o in push(app, client_for(), month, mapping=mapping)}
    assert outcomes[CENTRE_B].status == NO_ORG_UNIT and "no org unit" in outcomes[CENTRE_B].error
    assert [p["orgUnit"] for p in fake_dhis2.posts] == [ORG_A]
    with pytest.raises(MappingError, match=CENTRE_B):
        push(app, client_for(), month, mapping=mapping, facility_codes=[CENTRE_B])


def test_summaries_before_dhis2_2_38_are_read_too():
    bare = {"responseType": "ImportSummary", "status": "WARNING",
            "importCount": {"imported": 2, "updated": 1, "ignored": 1, "deleted": 0},
            "conflicts": [{"object": "x", "value": "Data element not found"}]}
    summary = parse_summary(bare)
    assert (summary.status, summary.imported, summary.updated, summary.ignored) == ("WARNING", 2, 1, 1)
    assert parse_summary({"httpStatus": "Conflict", "response": bare}) == summary


@pytest.fixture
def cli_env(database_url, tmp_path, clock, dhis2_settings, fake_dhis2, mapping_file):
    return {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "USSD_INSTANCE_PATH": str(tmp_path / "i"),
            "USSD_CLOCK_START": clock.now.isoformat(), "DHIS2_URL": fake_dhis2.url, "DHIS2_USERNAME": USER,
            "DHIS2_PASSWORD": PASSWORD, "DHIS2_MAPPING": str(mapping_file)}


def test_cli_dry_run_prints_the_payload_and_sends_nothing(cli_env, db, month, fake_dhis2):
    result = CliRunner().invoke(main, ["dhis2", "push", "--period", str(month.period), "--dry-run",
                                       "--facility", CENTRE_A], env=cli_env)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output.split("payload:\n", 1)[1].rsplit("\n1 CSCom", 1)[0])
    assert payload["orgUnit"] == ORG_A and payload["period"] == month.period.dhis2
    assert fake_dhis2.received == 0 and pushes(db) == []


def test_cli_push_shows_progress_per_centre_and_conflicts(cli_env, db, month, fake_dhis2, mapping_file):
    mapping_file.write_text(json.dumps(mapping_json(elements={**ELEMENTS, "children_approved": "Zz9999999Zz"})))
    result = CliRunner().invoke(main, ["dhis2", "push", "--period", month.period.dhis2], env=cli_env)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    at_a = lines.index(next(line for line in lines if line.startswith(f"{CENTRE_A} ")))
    assert lines[at_a] == (f"{CENTRE_A} {month.period}: warning: imported {len(ELEMENTS) - 1}, updated 0, "
                           "ignored 1, deleted 0, 1 conflict(s)")
    assert "conflict Zz9999999Zz: Data element not found" in lines[at_a + 1]
    assert any(line.startswith(f"{CENTRE_B} {month.period}: warning") for line in lines)
    assert lines[-1] == "2 CSCom(s), 0 not reported"
    bad = CliRunner().invoke(main, ["dhis2", "push", "--period", "2026-13"], env=cli_env)
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_the_dashboard_lists_pushes_with_conflicts_of_the_viewers_centres(app, db, month, fake_dhis2, client_for):
    mapping = parse_mapping(mapping_json(elements={**ELEMENTS, "children_approved": "Zz9999999Zz"}))
    push(app, client_for(), month, mapping=mapping)
    create_staff(db, username="admin", password=STAFF_PASSWORD, role="admin", now=month.period.start)
    create_staff(db, username="awa", password=STAFF_PASSWORD, facility_code=CENTRE_A, now=month.period.start)
    db.commit()
    admin, staff = Browser(app.test_client()), Browser(app.test_client())
    admin.login("admin")
    staff.login("awa")
    text = page(admin.get("/clinic/dhis2"))
    assert CENTRE_A in text and CENTRE_B in text and f"{month.period}" in text
    assert "Data element not found or not accessible: `Zz9999999Zz`" in text
    own = page(staff.get("/clinic/dhis2"))
    assert CENTRE_A in own and "Zz9999999Zz" in own and CENTRE_B not in own

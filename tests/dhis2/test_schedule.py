"""The monthly job: on the 1st, last month for every CSCom of the mapping, once per month."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from ussd_app.dhis2.client import Dhis2Unavailable
from ussd_app.dhis2.models import Dhis2Push
from ussd_app.dhis2.schedule import MONTHLY_CRON, monthly_scheduler, push_previous_month, run_monthly, \
    start_monthly_push
from ussd_app.sms.runtime import SmsRuntime

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


@pytest.fixture
def rt(app, dhis2_settings, redis_client, clock):
    return SmsRuntime(dhis2_settings, app.extensions["db_sessions"], redis_client, None, clock)


def test_the_first_of_the_month_pushes_the_month_before(rt, db, month, fake_dhis2, clock):
    clock.set(month.period.end + timedelta(hours=6))
    assert run_monthly(rt, sleep=lambda s: None) == f"{month.period}: success=2"
    assert {p["period"] for p in fake_dhis2.posts} == {month.period.dhis2}
    assert len(db.scalars(select(Dhis2Push)).all()) == 2
    # Another worker's scheduler enqueued the same month: it stops at once.
    assert "already being pushed" in run_monthly(rt)
    assert len(fake_dhis2.posts) == 2


def test_a_month_dhis2_never_answered_fails_the_job(rt, month, fake_dhis2, clock):
    clock.set(month.period.end + timedelta(hours=6))
    fake_dhis2.fail_next(6, status=503)
    with pytest.raises(Dhis2Unavailable, match=f"dhis2 push --period {month.period}"):
        run_monthly(rt, sleep=lambda s: None)


def test_january_reports_december_of_the_year_before(rt, clock, fake_dhis2, month):
    clock.set(clock.now.replace(year=2027, month=1, day=1, hour=6))
    assert run_monthly(rt, sleep=lambda s: None).startswith("2026-12: ")


def test_the_job_is_registered_for_the_first_of_each_month(redis_client):
    [job] = monthly_scheduler(redis_client).get_jobs()
    assert job.func is push_previous_month and job.cron == MONTHLY_CRON
    assert job.next_enqueue_time.day == 1


def test_the_worker_starts_no_schedule_without_dhis2(settings, redis_client):
    assert start_monthly_push(redis_client, settings) is None

"""The daily overdue-loan job: run by a worker as the scheduler enqueues it, it reminds once."""

import pytest
from sqlalchemy import func, select

from tests.savings.conftest import phone_of
from tests.sms.conftest import gateway, sms_rt  # noqa: F401  (fixtures)
from ussd_app.savings.loans import issue_loan
from ussd_app.savings.models import SavingsGroup
from ussd_app.savings.overdue import DAILY_CRON, remind_overdue_job
from ussd_app.savings.recording import record_meeting
from ussd_app.sms.outbox import OutboxMessage

pytestmark = pytest.mark.dates

def test_the_daily_job_reminds_each_overdue_borrower_once(make_group, db, clock, sms_rt):
    group, members = make_group(size=2)
    group = db.get(SavingsGroup, group.id)
    record_meeting(db, group, day=clock.now.date(), key="m",
                   shares_by_member={m.id: 2 for m in members}, recorded_by_id=None, now=clock.now,
                   send_receipts=False)
    issue_loan(db, group, members[1], amount=1_000, months=1, key="l", recorded_by_id=None,
               now=clock.now)
    db.commit()
    assert remind_overdue_job() == 0  # not due yet
    clock.advance(days=40)
    assert remind_overdue_job() == 1
    assert remind_overdue_job() == 1  # the same loan, still overdue: no second SMS
    db.expire_all()
    sent = db.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.recipient == phone_of(2), OutboxMessage.dedupe_key.like("savings:overdue:%")))
    assert sent == 1
    assert DAILY_CRON == "0 8 * * *"  # 08:00 Bamako, after the quiet hours

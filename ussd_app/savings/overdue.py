"""The overdue-loan reminder: one polite SMS to the borrower only, once per loan.

Run by the scheduler each morning; running it again (or twice at once) sends nothing more:
the outbox's dedupe key is the loan's.
"""

from __future__ import annotations

from datetime import datetime

from ussd_app.savings import receipts
from ussd_app.savings.groups import bamako_today
from ussd_app.savings.loans import overdue_loans
from ussd_app.savings.models import Member, SavingsGroup


def remind_overdue(db, *, now: datetime) -> int:
    """Queue a reminder for each overdue loan (those already reminded are deduplicated);
    returns how many loans are overdue."""
    loans = overdue_loans(db, bamako_today(now))
    for state in loans:
        member = db.get(Member, state.entry.member_id)
        receipts.overdue_reminder(db, db.get(SavingsGroup, member.group_id), member,
                                  state.entry.id, state.terms.due_on, state.owed, now)
    return len(loans)


# 08:00 Bamako time (UTC, see dhis2/schedule.py), a polite hour for a reminder.
DAILY_CRON = "0 8 * * *"


def remind_overdue_job() -> int:
    """RQ job, daily."""
    from ussd_app.sms import runtime as sms_runtime

    rt = sms_runtime.current()
    with rt.session_factory() as db, db.begin():
        return remind_overdue(db, now=rt.clock())


def start_daily_reminders(connection, stop=None):
    import threading

    from rq.cron import CronScheduler

    from ussd_app.redis_conn import run_cron_in_thread

    scheduler = CronScheduler(connection=connection,
                              name=f"savings-overdue-{threading.get_ident()}")
    scheduler.register(remind_overdue_job, queue_name="default", cron=DAILY_CRON,
                       job_timeout=600)
    return run_cron_in_thread(scheduler, "savings-overdue", stop)

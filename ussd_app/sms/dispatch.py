"""The periodic dispatcher: due reminders become outbox rows; due rows nobody holds go to RQ.

It runs every DISPATCH_INTERVAL_S as an RQ job enqueued by RQ's CronScheduler inside
`ussd-app worker`. Because it looks only at the database, a Redis flush or a worker killed
mid-send loses nothing: rows handed to RQ but still unsent after REQUEUE_AFTER_S, and rows held
by a worker past their hold, are handed out again (sending is idempotent on the row).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update

from ussd_app.redis_conn import run_cron_in_thread
from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.optout import may_send, stopped_by_phone
from ussd_app.sms.outbox import VOICE, OutboxMessage, take_new_call_ids, take_new_outbox_ids
from ussd_app.sms.purposes import AT_NIGHT, REMINDER
from ussd_app.sms.quiet_hours import BAMAKO, in_quiet_hours
from ussd_app.sms.reminder import PLANNED, QUEUED, SKIPPED, Reminder
from ussd_app.subscribers import Subscriber
from ussd_app.text.i18n import LANGUAGES
from ussd_app.voice.routing import queue_reminder

log = logging.getLogger(__name__)

DISPATCH_INTERVAL_S = 30
FRESH_GRACE_S = 20  # whoever queues a row enqueues it after commit; the dispatcher waits this long
REQUEUE_AFTER_S = 300  # handed to RQ this long ago and still not sent: the job was lost
BATCH = 500
SKIP_VISIT_PASSED = "visit date passed before it could be sent"
SKIP_OPTED_OUT = "recipient opted out"


def materialise_reminders(db, now: datetime, *, voice: bool = False) -> int:
    """Turn due reminders into outbox rows (or skip them, with the reason). Returns rows queued.
    With `voice` (a voice number is configured), by call for those who chose it."""
    due = list(db.scalars(select(Reminder).where(Reminder.status == PLANNED, Reminder.due_at <= now)
                          .order_by(Reminder.due_at, Reminder.id).limit(BATCH)
                          # Several workers may dispatch at once: each takes rows the others have not.
                          .with_for_update(skip_locked=True)))
    stopped = stopped_by_phone(db, [r.phone for r in due])
    # The language the person uses now (she may have changed it on USSD since the plan was made).
    current_language = dict(db.execute(select(Subscriber.phone, Subscriber.language)
                                       .where(Subscriber.phone.in_({r.phone for r in due}),
                                              Subscriber.language.in_(LANGUAGES))).all()) if due else {}
    today = now.astimezone(BAMAKO).date()
    queued = 0
    for reminder in due:
        reminder.closed_at = now
        if reminder.visit_date < today:
            reminder.status, reminder.skip_reason = SKIPPED, SKIP_VISIT_PASSED
        elif not may_send(REMINDER, stopped.get(reminder.phone, ())):
            reminder.status, reminder.skip_reason = SKIPPED, SKIP_OPTED_OUT
        else:
            reminder.language = current_language.get(reminder.phone, reminder.language)
            row = queue_reminder(db, reminder, now, voice=voice)  # by SMS, call or both (ussd_app.voice.routing)
            reminder.status, reminder.outbox_id = QUEUED, row.id
            queued += 1
    db.flush()
    return queued


def unheld_due_ids(db, now: datetime, purposes=None) -> list[int]:
    """Due rows (of `purposes`, when given) no worker holds and no live job is expected to take."""
    query = (select(OutboxMessage.id)
             .where(OutboxMessage.status.in_(("pending", "queued")), OutboxMessage.due_at <= now,
                    or_(OutboxMessage.locked_until.is_(None), OutboxMessage.locked_until < now),
                    or_(OutboxMessage.queued_at.is_(None),
                        OutboxMessage.queued_at < now - timedelta(seconds=REQUEUE_AFTER_S)),
                    or_(OutboxMessage.status == "queued",
                        OutboxMessage.created_at <= now - timedelta(seconds=FRESH_GRACE_S))))
    if purposes is not None:
        query = query.where(OutboxMessage.purpose.in_(purposes))
    return list(db.scalars(query.order_by(OutboxMessage.due_at, OutboxMessage.id).limit(BATCH)
                           .with_for_update(skip_locked=True)))


def dispatch_once(db, now: datetime, settings) -> list[int]:
    """One pass (the caller commits, then enqueues the returned ids)."""
    materialise_reminders(db, now, voice=bool(getattr(settings, "at_voice_number", None)))
    fresh = take_new_outbox_ids(db) + take_new_call_ids(db)  # the reminders just queued
    if in_quiet_hours(now, settings.quiet_hours_start, settings.quiet_hours_end):
        # At night only what she asked for goes (ussd_app.sms.purposes); reminders and the
        # rest wait for the morning.
        ids = unheld_due_ids(db, now, AT_NIGHT)
    else:
        ids = sorted(set(unheld_due_ids(db, now)) | set(fresh))
    if ids:
        # Guarded again, so a row a worker took in the meantime never moves backward.
        db.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids),
                                               OutboxMessage.status.in_(("pending", "queued")),
                                               or_(OutboxMessage.locked_until.is_(None),
                                                   OutboxMessage.locked_until < now))
                   .values(status="queued", queued_at=now, updated_at=now)
                   .execution_options(synchronize_session=False))
    return ids


def run_dispatch(rt) -> int:
    from ussd_app.voice.calls import enqueue_calls

    now = rt.clock()
    with rt.session_factory() as db, db.begin():
        ids = dispatch_once(db, now, rt.settings)
        calls = set(db.scalars(select(OutboxMessage.id).where(OutboxMessage.id.in_(ids),
                                                              OutboxMessage.channel == VOICE))) if ids else set()
    handed = (enqueue_outbox(rt.redis, [i for i in ids if i not in calls])
              + enqueue_calls(rt.redis, calls))
    if ids:
        log.info("sms dispatcher: %d due rows handed to workers", handed)
    return handed


def dispatch_outbox() -> int:
    """RQ job run every DISPATCH_INTERVAL_S."""
    return run_dispatch(sms_runtime.current())


def start_periodic_dispatch(connection, interval_s: int = DISPATCH_INTERVAL_S,
                            stop: threading.Event | None = None) -> threading.Thread:
    """Enqueue `dispatch_outbox` every `interval_s` with RQ's CronScheduler, from a thread."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=connection, name=f"sms-dispatch-{threading.get_ident()}")
    scheduler.register(dispatch_outbox, queue_name="default", interval=interval_s, job_timeout=120,
                       result_ttl=60)
    return run_cron_in_thread(scheduler, "sms-dispatch", stop)

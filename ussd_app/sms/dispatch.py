"""The periodic dispatcher: due reminders become outbox rows; due rows nobody holds go to RQ.

It runs every DISPATCH_INTERVAL_S as an RQ job enqueued by RQ's CronScheduler inside
`ussd-app worker`. Because it looks only at the database, a Redis flush or a worker killed
mid-send loses nothing: rows handed to RQ but still unsent after REQUEUE_AFTER_S, and rows held
by a worker past their hold, are handed out again (sending is idempotent on the row). Each run
first closes the calls whose end never came back (ussd_app/voice/sweep.py).

Due reminders are taken a page at a time in (due_at, id) order, each page in a transaction of
its own, until none is due or the run's time is spent: a morning with 50 000 due reaches the
outbox in one run, with memory bounded by a page. A page is read through the partial index of
planned reminders (migration 0019), written to the outbox in one statement (`queue_many`) and
closed in one batch of updates.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import or_, select, text, tuple_, update

from ussd_app.redis_conn import run_cron_in_thread
from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.blocklist import blocked_among
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.optout import may_send, stopped_by_phone
from ussd_app.sms.outbox import ERASED_ERROR, VOICE, OutboxMessage, hand_out, render_sms, take_new_outbox_ids
from ussd_app.sms.outbox_bulk import queue_many
from ussd_app.sms.outbox_calls import take_new_call_ids
from ussd_app.sms.purposes import AT_NIGHT, OVERDUE, REMINDER
from ussd_app.sms.quiet_hours import BAMAKO, in_quiet_hours
from ussd_app.sms.reminder import PLANNED, QUEUED, SKIPPED, Reminder
from ussd_app.sms.wording import is_overdue, reminder_message
from ussd_app.subscribers import Subscriber
from ussd_app.text.i18n import LANGUAGES
from ussd_app.voice.routing import queue_reminder, wants_calls

log = logging.getLogger(__name__)

DISPATCH_INTERVAL_S = 30
FRESH_GRACE_S = 20  # whoever queues a row enqueues it after commit; the dispatcher waits this long
REQUEUE_AFTER_S = 300  # handed to RQ this long ago and still not sent: the job was lost
BATCH = 500  # outbox rows handed out per pass
REMINDER_PAGE = 1000  # reminders per transaction
RUN_BUDGET_S = 90  # a run stops taking pages after this long (its job times out at 120 s)
SKIP_VISIT_PASSED = "visit date passed before it could be sent"
SKIP_OPTED_OUT = "recipient opted out"
SKIP_ERASED = ERASED_ERROR


# What a page reads of each reminder: enough to word its message, never the whole row.
_PAGE_COLUMNS = (Reminder.id, Reminder.due_at, Reminder.phone, Reminder.language, Reminder.kind,
                 Reminder.step, Reminder.child_name, Reminder.facility_name, Reminder.visit_date)


def due_page(db, now: datetime, after: tuple | None, size: int) -> list:
    """Planned reminders due by `now`, after the keyset `after` ((due_at, id)), oldest first."""
    query = select(*_PAGE_COLUMNS).where(Reminder.status == PLANNED, Reminder.due_at <= now)
    if after is not None:
        query = query.where(tuple_(Reminder.due_at, Reminder.id) > tuple_(*after))
    # Several workers may dispatch at once: each takes rows the others have not.
    return list(db.execute(query.order_by(Reminder.due_at, Reminder.id).limit(size)
                           .with_for_update(skip_locked=True)))


def materialise_reminders(db, now: datetime, after: tuple | None = None, size: int | None = None,
                          handed_out: bool = False, voice: bool = False) -> tuple[int, tuple | None]:
    """Turn one page of due reminders (`REMINDER_PAGE` by default) into outbox rows, or skip
    them with the reason. Returns (rows queued, the keyset of the page's last reminder, None
    when it was the last page). `handed_out`: the outbox rows are written queued, to be
    enqueued after the commit (see `queue_many`). `voice` (a voice number is configured): by call
    for those who chose it (ussd_app.voice.routing), one by one."""
    size = size or REMINDER_PAGE
    due = due_page(db, now, after, size)
    if not due:
        return 0, None
    phones = {r.phone for r in due}
    stopped = stopped_by_phone(db, phones)
    erased = blocked_among(db, phones)
    callers = wants_calls(db, phones) if voice else set()
    # The language the person uses now (she may have changed it on USSD since the plan was made).
    current_language = dict(db.execute(select(Subscriber.phone, Subscriber.language)
                                       .where(Subscriber.phone.in_(phones),
                                              Subscriber.language.in_(LANGUAGES))).all())
    today = now.astimezone(BAMAKO).date()
    closed, messages, routed = [], [], 0
    for r in due:
        row = {"id": r.id, "closed_at": now, "skip_reason": None, "language": r.language}
        if r.visit_date < today:
            row.update(status=SKIPPED, skip_reason=SKIP_VISIT_PASSED)
        elif not may_send(REMINDER, stopped.get(r.phone, ())):
            row.update(status=SKIPPED, skip_reason=SKIP_OPTED_OUT)
        elif r.phone in erased:  # her data was erased meanwhile
            row.update(status=SKIPPED, skip_reason=SKIP_ERASED)
        else:
            language = current_language.get(r.phone, r.language)
            reminder = SimpleNamespace(**{**r._mapping, "language": language})
            purpose = OVERDUE if is_overdue(r) else REMINDER
            row.update(status=QUEUED, language=language)
            if r.phone in callers:  # by SMS, call or both, as she chose
                row["outbox_id"] = queue_reminder(db, reminder, now, voice=True, purpose=purpose).id
                routed += 1
                closed.append(row)
                continue
            wording = reminder_message(reminder)
            messages.append({"recipient": r.phone, "language": language,
                             "body": render_sms(language, wording), "kind": "reminder",
                             "purpose": purpose, "dedupe_key": f"reminder:{r.id}"})
        closed.append(row)
    ids = queue_many(db, messages, now=now, handed_out=handed_out)
    for row in closed:
        row.setdefault("outbox_id", ids.get(f"reminder:{row['id']}"))
    close_reminders(db, closed)
    last = due[-1]
    return len(messages) + routed, ((last.due_at, last.id) if len(due) == size else None)


# PostgreSQL: the page's reminders closed by one statement, one array a column.
_CLOSE_UNNESTED = text(
    "UPDATE reminders SET status = u.status, skip_reason = u.skip_reason, language = u.language, "
    "outbox_id = u.outbox_id, closed_at = u.closed_at "
    "FROM unnest(CAST(:id AS int[]), CAST(:status AS varchar[]), CAST(:skip_reason AS varchar[]), "
    "CAST(:language AS varchar[]), CAST(:outbox_id AS int[]), CAST(:closed_at AS timestamptz[])) "
    "AS u(id, status, skip_reason, language, outbox_id, closed_at) WHERE reminders.id = u.id")


def close_reminders(db, closed: list[dict]) -> None:
    """Write each reminder's new status (and outbox row, skip reason, language), by id."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(_CLOSE_UNNESTED, {column: [row[column] for row in closed] for column in closed[0]})
    else:
        db.execute(update(Reminder), closed)  # one batch of UPDATEs by primary key


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


def dispatch_once(db, now: datetime, settings, after: tuple | None = None) -> tuple[list[int], tuple | None]:
    """One pass: a page of due reminders after the keyset `after`, and due outbox rows. Returns
    the ids to enqueue once the caller has committed, and the keyset of the next page of
    reminders (None: no more is due). Due outbox rows are looked for on a run's first pass
    only (`after` None): the later passes would read the rows the first ones just handed out."""
    quiet = in_quiet_hours(now, settings.quiet_hours_start, settings.quiet_hours_end)
    # By day the morning's reminders are written queued (handed out below, after the commit).
    _, next_page = materialise_reminders(db, now, after, handed_out=not quiet,
                                         voice=bool(getattr(settings, "at_voice_number", None)))
    fresh = take_new_outbox_ids(db) + take_new_call_ids(db)  # the reminders just queued
    # At night only what she asked for goes (ussd_app.sms.purposes); reminders and the rest
    # wait for the morning.
    unheld = unheld_due_ids(db, now, AT_NIGHT if quiet else None) if after is None else []
    if unheld:
        # Guarded again, so a row a worker took in the meantime never moves backward.
        hand_out(db, unheld, now)
    ids = sorted(set(unheld) | (set() if quiet else set(fresh)))
    return ids, next_page


def run_dispatch(rt, budget_s: float = RUN_BUDGET_S) -> int:
    """Passes of `dispatch_once`, each committed and its rows enqueued, until no reminder is due
    (or `budget_s` is spent: the next run goes on). Returns the rows handed to workers."""
    from ussd_app.voice.calls import enqueue_calls
    from ussd_app.voice.sweep import close_unended_calls

    now = rt.clock()
    stop_at = time.monotonic() + budget_s
    with rt.session_factory() as db:
        with db.begin():
            close_unended_calls(db, now, rt.settings)  # calls whose end never came back
            take_new_call_ids(db)  # their next tries are due later: a later pass hands them out
        handed, after = enqueue_outbox(rt.redis, take_new_outbox_ids(db)), None
    while True:
        with rt.session_factory() as db, db.begin():
            ids, after = dispatch_once(db, now, rt.settings, after)
            calls = set(db.scalars(select(OutboxMessage.id).where(OutboxMessage.id.in_(ids),
                                                                  OutboxMessage.channel == VOICE))) if ids else set()
        handed += enqueue_outbox(rt.redis, [i for i in ids if i not in calls]) + enqueue_calls(rt.redis, calls)
        if after is None or time.monotonic() > stop_at:
            break
    if handed:
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

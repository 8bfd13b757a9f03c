"""What /metrics reports, read at scrape time: Redis counters, the database, RQ's registries.

Hop counters live in Redis (ussd_app.ops.hops); everything else is read from where it is true
(the outbox and PIN tables, RQ's queues, the DHIS2 push records), so no worker has to remember
anything and every scrape agrees with the dashboard.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from ussd_app.dhis2 import models as dhis2_models
from ussd_app.dhis2.models import Dhis2Push
from ussd_app.ops import hops
from ussd_app.redis_conn import QUEUE_NAMES
from ussd_app.savings.models import PinCredential
from ussd_app.sms.outbox import FINAL, STATUSES, OutboxMessage

OPEN = ("pending", "queued")


@dataclass
class Family:
    name: str
    kind: str  # counter, gauge, histogram
    help: str
    samples: list = field(default_factory=list)  # (suffix, {label: value}, number)

    def add(self, value, suffix: str = "", **labels) -> "Family":
        self.samples.append((suffix, labels, value))
        return self


def _age(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


def _timestamp(moment: datetime | None) -> float:
    return moment.timestamp() if moment is not None else 0.0


def hop_families(redis) -> list[Family]:
    answers, buckets, total_s, count = hops.read(redis)
    counted = Family("ussd_hops_total", "counter", "USSD hops answered, by answer kind (CON, END, error).")
    for kind, value in answers.items():
        counted.add(value, answer=kind)
    latency = Family("ussd_hop_duration_seconds", "histogram", "Time to answer a USSD hop, in the app.")
    for bound, value in buckets:
        latency.add(value, "_bucket", le=bound)
    latency.add(total_s, "_sum").add(count, "_count")
    return [counted, latency]


def outbox_families(db, now: datetime) -> list[Family]:
    by_status = dict(db.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    messages = Family("ussd_sms_outbox_messages", "gauge", "SMS outbox rows by status.")
    for status in STATUSES:
        messages.add(by_status.get(status, 0), status=status)
    oldest_due = db.scalar(select(func.min(OutboxMessage.due_at))
                           .where(OutboxMessage.status.in_(OPEN), OutboxMessage.due_at <= now))
    unreported = db.scalar(select(func.min(OutboxMessage.sent_at)).where(OutboxMessage.status == "sent"))
    last_report = db.scalar(select(func.max(OutboxMessage.final_at))
                            .where(OutboxMessage.provider_message_id.is_not(None),
                                   OutboxMessage.status.in_(sorted(FINAL))))
    errors = dict(db.execute(select(OutboxMessage.status, func.count())
                             .where(OutboxMessage.last_error.is_not(None),
                                    OutboxMessage.status.in_((*OPEN, "failed")))
                             .group_by(OutboxMessage.status)).all())
    gateway = Family("ussd_sms_gateway_errors", "gauge",
                     "SMS whose last send failed: still retrying, or failed for good.")
    gateway.add(sum(errors.get(s, 0) for s in OPEN), state="retrying").add(errors.get("failed", 0), state="failed")
    return [
        messages,
        Family("ussd_sms_oldest_pending_age_seconds", "gauge",
               "Age of the oldest SMS that is due and not yet sent (0: none).").add(_age(now, oldest_due)),
        Family("ussd_sms_oldest_unreported_age_seconds", "gauge",
               "Time since the oldest SMS still waiting for its delivery report was sent (0: none).")
        .add(_age(now, unreported)),
        Family("ussd_sms_last_delivery_report_timestamp_seconds", "gauge",
               "When the last final delivery report arrived (Unix time; 0: never).").add(_timestamp(last_report)),
        gateway,
    ]


def pin_families(db, now: datetime) -> list[Family]:
    locked = db.scalar(select(func.count()).select_from(PinCredential).where(PinCredential.locked_until > now))
    return [Family("ussd_pin_locked_members", "gauge",
                   "Savings members whose PIN is locked now after too many wrong tries.").add(locked or 0)]


def dhis2_families(db) -> list[Family]:
    by_status = dict(db.execute(select(Dhis2Push.status, func.count()).group_by(Dhis2Push.status)).all())
    pushes = Family("ussd_dhis2_pushes", "gauge", "DHIS2 monthly pushes recorded, by result.")
    for status in dhis2_models.STATUSES:
        pushes.add(by_status.get(status, 0), status=status)
    sums = db.execute(select(func.coalesce(func.sum(Dhis2Push.imported), 0),
                             func.coalesce(func.sum(Dhis2Push.updated), 0),
                             func.coalesce(func.sum(Dhis2Push.ignored), 0))).one()
    values = Family("ussd_dhis2_values", "gauge", "Values DHIS2 reported for all recorded pushes, by result.")
    for result, value in zip(("imported", "updated", "ignored"), sums):
        values.add(int(value), result=result)
    last = db.scalar(select(func.max(Dhis2Push.attempted_at))
                     .where(Dhis2Push.status.in_((dhis2_models.SUCCESS, dhis2_models.WARNING))))
    return [pushes, values,
            Family("ussd_dhis2_last_accepted_timestamp_seconds", "gauge",
                   "When DHIS2 last accepted a push (Unix time; 0: never).").add(_timestamp(last))]


def rq_families(redis) -> list[Family]:
    from rq import Queue
    from rq.registry import FailedJobRegistry

    waiting = Family("ussd_rq_queue_jobs", "gauge", "Jobs waiting in each RQ queue.")
    failed = Family("ussd_rq_failed_jobs", "gauge", "Jobs in each RQ queue's failed-job registry.")
    for name in QUEUE_NAMES:
        queue = Queue(name, connection=redis)
        waiting.add(queue.count, queue=name)
        failed.add(FailedJobRegistry(queue=queue).count, queue=name)
    return [waiting, failed]

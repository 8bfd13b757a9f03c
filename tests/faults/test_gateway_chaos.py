"""The fake Africa's Talking API fails 30 % of requests (HTTP 500s and answers slower than the
SDK's timeout): every message still ends final within its retry budget, and none goes twice.

Time is driven forward with the runtime clock, so backoffs cost nothing; the real SDK, real RQ
workers, Redis and the database do the rest.
"""

from __future__ import annotations

from sqlalchemy import select

from ussd_app.sms import send
from ussd_app.sms.handoff import commit_and_enqueue
from ussd_app.sms.outbox import OutboxMessage, queue_sms

CAMPAIGN = "Vaccination samedi au CSCom de Sotuba, 8h-13h. Venez avec le carnet."
ROUNDS = 2 * send.MAX_ATTEMPTS  # far more backoff rounds than any row needs


def test_thirty_percent_failures_every_message_final_none_twice(db, redis_client, sms_rt, fake_at, work,
                                                                 clock, dispatch_and_work):
    campaign = [f"+2237650{n:04d}" for n in range(25)]
    personal = [f"+2236650{n:04d}" for n in range(25)]
    for number in campaign:
        queue_sms(db, recipient=number, language="fr", message=CAMPAIGN, kind="campaign", purpose="campaign",
                  dedupe_key=f"chaos:c:{number}", now=clock.now)
    for i, number in enumerate(personal):
        queue_sms(db, recipient=number, language="fr", message=f"Rappel: Awa {i}, visite mardi.",
                  kind="reminder", purpose="reminder", dedupe_key=f"chaos:r:{number}", now=clock.now)
    commit_and_enqueue(db, redis_client)
    fake_at.fail_randomly(0.3, hang_seconds=1.0, seed=7)  # the SDK gives up after 0.5 s

    work()
    for _ in range(ROUNDS):
        db.expire_all()
        if not db.scalar(select(OutboxMessage.id).where(OutboxMessage.status.in_(send.OPEN)).limit(1)):
            break
        clock.advance(seconds=send.BACKOFF_CAP_S + 1)
        dispatch_and_work()

    db.expire_all()
    rows = list(db.scalars(select(OutboxMessage)))
    assert len(rows) == 50
    assert fake_at.received > len(fake_at.requests)  # faults really happened
    for row in rows:
        delivered = fake_at.sent_to(row.recipient)
        assert row.status in ("sent", "failed"), (row.recipient, row.status)
        assert 1 <= row.attempts <= send.MAX_ATTEMPTS
        if row.status == "sent":
            assert len(delivered) == 1 and row.provider_message_id.startswith("ATXid_")
        else:  # out of budget: failed for good, never sent, and says why
            assert delivered == [] and row.attempts == send.MAX_ATTEMPTS
            assert row.last_error.startswith("gave up after 4 attempts")
    assert sum(r.status == "sent" for r in rows) >= 45  # 0.3^4: almost everyone gets through
    # Later rounds change nothing: no row is sent a second time.
    answered = len(fake_at.requests)
    clock.advance(seconds=send.BACKOFF_CAP_S + 1)
    dispatch_and_work()
    assert len(fake_at.requests) == answered

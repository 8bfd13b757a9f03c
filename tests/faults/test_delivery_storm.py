"""Delivery reports for many messages, each repeated and all shuffled, arriving at once: every
row ends at its true final status and no status ever moves backward."""

from __future__ import annotations

import random
import threading

import pytest
import requests
from sqlalchemy import select

from tests.conftest import TEST_NOW
from ussd_app.sms.outbox import RANK, OutboxMessage, queue_sms

pytestmark = pytest.mark.slow
ON_THE_WAY = ("Sent", "Submitted", "Buffered")


def test_duplicated_and_reordered_reports_end_at_the_true_final_status(served_app, db):
    rng = random.Random(11)
    final = {}
    for n in range(30):
        row = queue_sms(db, recipient=f"+2237640{n:04d}", language="fr", message="Rappel", kind="reminder", purpose="reminder",
                        dedupe_key=f"storm:{n}", now=TEST_NOW)
        row.status, row.provider_message_id, row.attempts = "sent", f"ATXid_storm{n}", 1
        final[row.provider_message_id] = rng.choice(("Success", "Failed"))
    db.commit()
    reports = []
    for message_id, last in final.items():
        for status in (*ON_THE_WAY, last):
            reports += [(message_id, status)] * rng.choice((1, 2, 3))
    rng.shuffle(reports)

    seen_ranks: dict[str, list[int]] = {}
    failures: list = []

    def post(chunk) -> None:
        for message_id, status in chunk:
            form = {"id": message_id, "status": status, "phoneNumber": "+22376000000", "networkCode": "61002"}
            if status == "Failed":
                form["failureReason"] = "DeliveryFailure"
            response = requests.post(f"{served_app}/sms/delivery", data=form, timeout=30)
            if response.status_code != 200:
                failures.append((message_id, status, response.status_code))

    def watch(stop: threading.Event) -> None:  # reads while reports land: never a step back
        with db.get_bind().connect() as conn:
            while not stop.is_set():
                for message_id, status in conn.execute(select(OutboxMessage.provider_message_id,
                                                              OutboxMessage.status)):
                    seen_ranks.setdefault(message_id, []).append(RANK[status])
                conn.rollback()

    stop = threading.Event()
    watcher = threading.Thread(target=watch, args=(stop,))
    watcher.start()
    posters = [threading.Thread(target=post, args=(reports[i::4],)) for i in range(4)]
    for t in posters:
        t.start()
    for t in posters:
        t.join()
    stop.set()
    watcher.join()

    assert failures == []
    db.expire_all()
    for row in db.scalars(select(OutboxMessage)):
        expected = "delivered" if final[row.provider_message_id] == "Success" else "failed"
        assert row.status == expected, row.provider_message_id
        if expected == "failed":
            assert row.last_error == "DeliveryFailure"
    for message_id, ranks in seen_ranks.items():
        assert ranks == sorted(ranks), message_id

"""Outbox rows written many at once: idempotent on the dedupe key, new rows enqueued after the commit."""

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_NOW
from ussd_app.sms.outbox import OutboxMessage, queue_sms, take_new_outbox_ids
from ussd_app.sms.outbox_bulk import queue_many


def message(key: str, body: str = "Rappel : visite demain.") -> dict:
    return {"recipient": "+22376123456", "language": "fr", "body": body, "kind": "reminder",
            "purpose": "reminder", "dedupe_key": key}


def test_queue_many_writes_each_key_once_and_returns_every_row(db):
    earlier = queue_sms(db, recipient="+22376123456", language="fr", message="déjà là", kind="reminder",
                        purpose="reminder", dedupe_key="k:1", now=TEST_NOW)
    take_new_outbox_ids(db)
    ids = queue_many(db, [message("k:1"), message("k:2"), message("k:3", "x" * 200)], now=TEST_NOW)
    assert ids["k:1"] == earlier.id
    assert take_new_outbox_ids(db) == sorted([ids["k:2"], ids["k:3"]])  # only the new rows
    again = queue_many(db, [message("k:2"), message("k:3")], now=TEST_NOW)
    assert again == {"k:2": ids["k:2"], "k:3": ids["k:3"]} and take_new_outbox_ids(db) == []
    db.commit()
    rows = {r.dedupe_key: r for r in db.scalars(select(OutboxMessage))}
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 3
    assert rows["k:1"].body == "déjà là"  # an existing row is left as it is
    assert rows["k:3"].parts == 2 and rows["k:2"].parts == 1
    assert rows["k:2"].status == "pending" and rows["k:2"].due_at == TEST_NOW


def test_queue_many_refuses_an_unknown_purpose(db):
    with pytest.raises(ValueError):
        queue_many(db, [dict(message("k:9"), purpose="gossip")], now=TEST_NOW)
    assert queue_many(db, [], now=TEST_NOW) == {}


def test_rows_handed_out_are_written_queued_for_the_workers(db):
    ids = queue_many(db, [message("k:5")], now=TEST_NOW, handed_out=True)
    db.commit()
    row = db.get(OutboxMessage, ids["k:5"])
    assert (row.status, row.queued_at) == ("queued", TEST_NOW)
    assert take_new_outbox_ids(db) == [ids["k:5"]]

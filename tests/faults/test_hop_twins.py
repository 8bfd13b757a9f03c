"""Every hop of a whole savings roll-call sent two or three times at once, as a gateway that
resends on a slow answer does: each hop has one effect, every copy gets the same answer."""

from __future__ import annotations

import random
import threading
import uuid

import pytest
import requests
from sqlalchemy import func, select

from tests.savings.conftest import PIN, phone_of
from ussd_app.savings.models import LedgerEntry, Meeting
from ussd_app.sms.outbox import OutboxMessage

pytestmark = pytest.mark.slow
SHARES = ["2", "3", "0", "1", "5", "2", "2", "0", "4", "1", "3", "2", "1", "5", "2"]


def send_copies(url: str, form: dict, copies: int) -> list[tuple[int, str]]:
    barrier = threading.Barrier(copies)
    answers: list[tuple[int, str]] = []

    def post() -> None:
        barrier.wait()
        response = requests.post(url, data=form, timeout=30)
        answers.append((response.status_code, response.text))

    threads = [threading.Thread(target=post) for _ in range(copies)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def test_whole_roll_call_with_every_hop_resent_concurrently(make_group, served_app, db):
    make_group()
    # Language, My group, PIN twice, open the roll-call, one share count per member, confirm.
    inputs = ["2", "5", PIN, PIN, "1", *SHARES, "1"]
    form = {"sessionId": "twins-" + uuid.uuid4().hex[:8], "serviceCode": "*384*123#",
            "phoneNumber": phone_of(1), "networkCode": "61002"}
    rng = random.Random(3)
    text, answers = "", []
    for hop in range(len(inputs) + 1):
        if hop:
            text = inputs[0] if hop == 1 else f"{text}*{inputs[hop - 1]}"
        copies = rng.choice((2, 3))
        replies = send_copies(f"{served_app}/ussd", dict(form, text=text), copies)
        assert len(replies) == copies and {status for status, _ in replies} == {200}
        assert len({body for _, body in replies}) == 1, (hop, replies)  # the same answer to each copy
        answers.append(replies[0][1])
    assert answers[0].startswith("CON ") and "Francais" in answers[0]
    assert "01 Awa T." in answers[5]
    assert answers[-1].startswith("END ") and "enregistrée" in answers[-1]
    assert count(db, Meeting) == 1
    assert count(db, LedgerEntry) == 26  # 13 purchases + 13 health-fund contributions, once each
    assert count(db, OutboxMessage) == 13  # one receipt per present member
    assert db.scalar(select(func.sum(LedgerEntry.shares))) == sum(int(s) for s in SHARES)

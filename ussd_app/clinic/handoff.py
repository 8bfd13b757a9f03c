"""Commit a request's transaction, then hand the outbox rows it queued to the SMS workers."""

from __future__ import annotations

from flask import current_app

from ussd_app.sms.handoff import commit_and_enqueue


def commit_and_send(db) -> int:
    return commit_and_enqueue(db, current_app.extensions["redis"])

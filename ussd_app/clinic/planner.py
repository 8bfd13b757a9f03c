"""The RQ job that turns a campaign's audience into outbox rows, one batch per transaction.

The audience is read in keyset pages (by phone), each page INSERTed by the database itself
(INSERT ... SELECT), and the cursor saved in the same transaction: a million
recipients never pass through Python, and a job that dies resumes after the last committed
batch without writing anyone twice. With a voice number configured, those who chose calls get a
call when the campaign's text is recorded in their language (ussd_app/voice/campaigns.py).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import case, literal, select, text

from ussd_app.clinic import audience as audiences
from ussd_app.clinic.models import Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.db import UTCDateTime
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.outbox import insert_pending
from ussd_app.sms.outbox_calls import take_new_call_ids
from ussd_app.sms.purposes import CAMPAIGN
from ussd_app.text import languages
from ussd_app.text.gsm import sms_size, to_gsm
from ussd_app.voice.campaigns import callers_in_page, queue_campaign_calls, recorded_languages

log = logging.getLogger(__name__)

QUEUE = "default"
JOB = "ussd_app.clinic.planner.plan_campaign"
STALE_AFTER = timedelta(minutes=2)  # a planning campaign untouched this long gets a new job
BATCH = 10000  # recipients per transaction: fewer round trips and commits, still a bounded page


def enqueue_planning(connection, campaign_id: int) -> bool:
    try:
        Queue(QUEUE, connection=connection).enqueue(JOB, campaign_id, job_timeout=3600,
                                                    result_ttl=600, failure_ttl=86400)
    except RedisError as exc:
        log.warning("campaign %s: planning not enqueued (%s); it is retried later", campaign_id,
                    type(exc).__name__)
        return False
    return True


def needs_restart(campaign: Campaign, now: datetime) -> bool:
    touched = campaign.planning_touched_at or campaign.created_at
    return campaign.status == "planning" and now - touched > STALE_AFTER


def fallback_language(codes) -> str:
    """The text a person gets when the campaign has none in her language (a language added
    after the campaign was written): the audience's fallback, else the first one it has."""
    codes = sorted(codes)
    return languages.AUDIENCE_FALLBACK if languages.AUDIENCE_FALLBACK in codes else codes[0]


def _by_language(page, values: dict[str, object], fallback: str):
    """A column that is `values[language]` for each row, `values[fallback]` for the others."""
    whens = [(page.c.language == code, literal(value)) for code, value in values.items() if code != fallback]
    return case(*whens, else_=literal(values[fallback])) if whens else literal(values[fallback])


def _outbox_rows(campaign: Campaign, page, now: datetime):
    """The page of recipients as outbox rows, built by the database (INSERT ... SELECT)."""
    bodies = {code: to_gsm(text, code) for code, text in campaign.texts.items()}
    fallback = fallback_language(bodies)
    stamp = literal(now, UTCDateTime())
    columns = {
        "recipient": page.c.phone,
        "language": _by_language(page, {code: code for code in bodies}, fallback),
        "body": _by_language(page, bodies, fallback),
        "parts": _by_language(page, {code: sms_size(body).parts for code, body in bodies.items()}, fallback),
        "kind": literal("campaign"),
        "purpose": literal(CAMPAIGN),
        "dedupe_key": literal(_key_prefix(campaign)) + page.c.phone,
        "due_at": literal(campaign.send_at, UTCDateTime()),
        "campaign_id": literal(campaign.id),
        "created_at": stamp,
        "updated_at": stamp,
    }
    return columns


def _key_prefix(campaign: Campaign) -> str:
    return f"campaign:{campaign.id}:"


def plan_batch(db, campaign_id: int, now: datetime, size: int = BATCH,
               voice: bool = False) -> tuple[bool, list[int]]:
    """Plan the next batch: (more to do, new SMS outbox ids). The caller commits, then enqueues
    the calls it queued (`take_new_call_ids`).

    The SMS rows are written by one INSERT ... SELECT of the audience page, each carrying the
    campaign's id: no row is built in Python. `voice` (a voice number is configured): the
    page's recipients who chose calls get one when the campaign's text is recorded.
    """
    campaign = db.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
    if campaign is None or campaign.status != "planning":
        return False, []
    if db.get_bind().dialect.name == "postgresql":
        # A batch lost in a server crash is planned again from the cursor committed with it, so
        # this transaction need not wait for its WAL flush (PostgreSQL: asynchronous commit).
        db.execute(text("SET LOCAL synchronous_commit TO OFF"))
    audience = audiences.Audience.from_json(campaign.audience_kind, campaign.audience_params)
    scope = Scope(campaign.facility_code, campaign.facility_code is None)
    page = audiences.page_after(audience, scope, campaign.created_at.date(), campaign.plan_cursor,
                                size).subquery()
    bodies = {code: to_gsm(text, code) for code, text in campaign.texts.items()}
    fallback = fallback_language(bodies)
    recorded = recorded_languages(db, campaign.id) if voice else set()
    callers = callers_in_page(db, page, lambda code: code if code in bodies else fallback, recorded)
    calls_only = [phone for phone, (_, also_sms) in callers.items() if not also_sms]
    written = insert_pending(db, _outbox_rows(campaign, page, now),
                             page.c.phone.not_in(calls_only) if calls_only else None)
    campaign.planning_touched_at = now
    if not written and not callers:
        campaign.status, campaign.planned_at = "planned", now
        return False, []
    queue_campaign_calls(db, campaign, callers, bodies, now)
    ids = sorted(outbox_id for outbox_id, _ in written)
    campaign.plan_cursor = max([phone for _, phone in written] + list(callers))
    campaign.planned_count += len(ids) + len(callers)
    return True, ids


def plan_campaign(campaign_id: int, batch_size: int = BATCH) -> int:
    """RQ job: plan every remaining batch of the campaign; returns how many rows it wrote."""
    from ussd_app.sms import runtime
    from ussd_app.voice.calls import enqueue_calls

    rt = runtime.current()
    voice = bool(getattr(rt.settings, "at_voice_number", None))
    written = 0
    more = True
    while more:
        now = rt.clock()
        with rt.session_factory() as db:
            more, ids = plan_batch(db, campaign_id, now, batch_size, voice=voice)
            calls = take_new_call_ids(db)
            send_at = db.scalar(select(Campaign.send_at).where(Campaign.id == campaign_id))
            db.commit()
        written += len(ids) + len(calls)
        if send_at is not None and send_at <= now:  # later ones: the dispatcher hands them over when due
            enqueue_outbox(rt.redis, ids)
            enqueue_calls(rt.redis, calls)
    log.info("campaign %s planned: %d outbox rows", campaign_id, written)
    return written

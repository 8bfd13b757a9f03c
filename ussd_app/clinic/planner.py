"""The RQ job that turns a campaign's audience into outbox rows, one batch per transaction.

The audience is read in keyset pages (by phone), each page INSERTed in one statement with its
links, and the cursor saved in the same transaction: a million recipients never sit in memory,
and a job that dies resumes after the last committed batch without writing anyone twice.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import insert, select

from ussd_app.clinic import audience as audiences
from ussd_app.clinic.models import Campaign, CampaignMessage
from ussd_app.clinic.scope import Scope
from ussd_app.sms.handoff import enqueue_outbox
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.text.gsm import sms_size, to_gsm

log = logging.getLogger(__name__)

QUEUE = "default"
JOB = "ussd_app.clinic.planner.plan_campaign"
STALE_AFTER = timedelta(minutes=2)  # a planning campaign untouched this long gets a new job


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


def _rows(campaign: Campaign, recipients: list[tuple[str, str]], now: datetime) -> list[dict]:
    bodies = {"fr": to_gsm(campaign.message_fr), "bm": to_gsm(campaign.message_bm)}
    parts = {lang: sms_size(body).parts for lang, body in bodies.items()}
    return [dict(recipient=phone, language=lang, body=bodies[lang], parts=parts[lang], kind="campaign",
                 dedupe_key=f"campaign:{campaign.id}:{phone}", status="pending", attempts=0,
                 due_at=campaign.send_at, created_at=now, updated_at=now)
            for phone, lang in recipients]


def plan_batch(db, campaign_id: int, now: datetime, size: int = audiences.BATCH) -> tuple[bool, list[int]]:
    """Plan the next batch: (more to do, new outbox ids). The caller commits."""
    campaign = db.scalar(select(Campaign).where(Campaign.id == campaign_id).with_for_update())
    if campaign is None or campaign.status != "planning":
        return False, []
    audience = audiences.Audience.from_json(campaign.audience_kind, campaign.audience_params)
    scope = Scope(campaign.facility_code, campaign.facility_code is None)
    recipients = audiences.batch_after(db, audience, scope, campaign.created_at.date(),
                                       campaign.plan_cursor, size)
    campaign.planning_touched_at = now
    if not recipients:
        campaign.status, campaign.planned_at = "planned", now
        return False, []
    ids = list(db.scalars(insert(OutboxMessage).returning(OutboxMessage.id), _rows(campaign, recipients, now)))
    db.execute(insert(CampaignMessage), [{"campaign_id": campaign.id, "outbox_id": i} for i in ids])
    campaign.plan_cursor = recipients[-1][0]
    campaign.planned_count += len(ids)
    return True, ids


def plan_campaign(campaign_id: int, batch_size: int = audiences.BATCH) -> int:
    """RQ job: plan every remaining batch of the campaign; returns how many rows it wrote."""
    from ussd_app.sms import runtime

    rt = runtime.current()
    written = 0
    more = True
    while more:
        now = rt.clock()
        with rt.session_factory() as db:
            more, ids = plan_batch(db, campaign_id, now, batch_size)
            send_at = db.scalar(select(Campaign.send_at).where(Campaign.id == campaign_id))
            db.commit()
        written += len(ids)
        if ids and send_at is not None and send_at <= now:
            enqueue_outbox(rt.redis, ids)  # later ones: the dispatcher hands them over when due
    log.info("campaign %s planned: %d outbox rows", campaign_id, written)
    return written

"""Reminder campaigns: create (once per idempotency key), progress, cancel. Never commits.

Creating a campaign only records it and counts its audience; the planner job (ussd_app.clinic.
planner) turns the audience into outbox rows in batches.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Mapping

from sqlalchemy import case, func, select

from ussd_app.clinic import audience as audiences
from ussd_app.clinic.models import Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.health.facilities import UnknownFacility, known_code
from ussd_app.sms import outbox
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.sms.quiet_hours import next_allowed
from ussd_app.text import languages
from ussd_app.text.gsm import sms_size, to_gsm
from ussd_app.text.i18n import N_

MAX_PARTS = 3
MAX_TITLE = 120
CANCELLED_ERROR = "cancelled by the centre"
CHART_POINTS = 24


class CampaignError(ValueError):
    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


def plan_due_at(send_at: datetime, settings) -> datetime:
    """When the first message may go: `send_at`, moved out of the quiet hours."""
    return next_allowed(send_at, settings.quiet_hours_start, settings.quiet_hours_end)


def check_message(text: str, language: str | None = None) -> str:
    text = (text or "").strip()
    if not text:
        raise CampaignError(N_("Write the message in every language."))
    folded = to_gsm(text, language)
    if sms_size(folded).parts > MAX_PARTS:
        raise CampaignError(N_("A message may use at most {parts} SMS."), parts=MAX_PARTS)
    return text


def check_messages(messages: Mapping[str, str]) -> dict[str, str]:
    """The campaign's texts, one for each language the service speaks: a campaign reaches
    everyone in her own language, so none may be missing (ussd_app.text.languages)."""
    return {code: check_message(messages.get(code, ""), code) for code in languages.CODES}


def form_field(code: str) -> str:
    """The form field and API property of the message in `code`: "message_fr"."""
    return f"message_{code}"


def messages_from(fields: Mapping) -> dict[str, str]:
    """The texts posted as `message_<code>` (form or JSON), one per language."""
    return {code: str(fields.get(form_field(code)) or "") for code in languages.CODES}


def facility_for(scope: Scope, requested: str | None) -> str | None:
    """The centre a new campaign belongs to: the staff's own; an admin may pick any or all."""
    if not scope.is_admin:
        return scope.facility_code
    return (requested or "").strip().upper() or None


def create(db, *, scope: Scope, idempotency_key: str, created_by: str, title: str, audience,
           messages: Mapping[str, str], send_at: datetime | None, now: datetime, settings,
           facility_code: str | None = None) -> tuple[Campaign, bool]:
    """The campaign for this key: (campaign, created). A second submit returns the first one."""
    existing = db.scalar(select(Campaign).where(Campaign.idempotency_key == idempotency_key))
    if existing is not None:
        scope.check(existing.facility_code)
        return existing, False
    title = " ".join((title or "").split())[:MAX_TITLE]
    if not title:
        raise CampaignError(N_("Give the campaign a name."))
    texts = check_messages(messages)
    if send_at is not None and send_at < now - timedelta(minutes=5):
        raise CampaignError(N_("The sending time is in the past."))
    facility_code = facility_for(scope, facility_code)
    if facility_code is not None:
        try:
            known_code(db, facility_code)
        except UnknownFacility:
            raise CampaignError(N_("No centre has the code {code}."), code=facility_code) from None
    campaign_scope = Scope(facility_code, facility_code is None)
    total = audiences.count(db, audience, campaign_scope, now.date())
    if total == 0:
        raise CampaignError(N_("Nobody matches these filters."))
    campaign = Campaign(facility_code=facility_code, idempotency_key=idempotency_key,
                        created_by=created_by[:120], title=title, audience_kind=audience.kind,
                        audience_params=audience.to_json(), texts=texts,
                        send_at=plan_due_at(send_at or now, settings), status="planning",
                        audience_total=total, planned_count=0, created_at=now)
    db.add(campaign)
    db.flush()
    return campaign, True


def get(db, scope: Scope, campaign_id: int) -> Campaign:
    campaign = db.scalar(select(Campaign).where(Campaign.id == campaign_id, scope.where(Campaign.facility_code)))
    if campaign is None:
        from werkzeug.exceptions import NotFound

        raise NotFound()
    return campaign


def listing(db, scope: Scope, limit: int = 100) -> list[Campaign]:
    return list(db.scalars(select(Campaign).where(scope.where(Campaign.facility_code))
                           .order_by(Campaign.id.desc()).limit(limit)))


def _campaign_rows(campaign_id: int):
    return OutboxMessage.campaign_id == campaign_id


def cancel(db, campaign: Campaign, now: datetime) -> int:
    """Stop the campaign: planning ends, and rows no worker holds yet never go. Returns how many."""
    if campaign.status == "cancelled":
        return 0
    campaign.status, campaign.cancelled_at = "cancelled", now
    stopped = outbox.cancel(db, _campaign_rows(campaign.id), CANCELLED_ERROR, now)
    db.flush()
    return stopped


@dataclass(frozen=True)
class Progress:
    total: int  # the audience counted at creation
    planned: int
    waiting: int  # not handed to the gateway yet (pending or queued)
    sent: int  # handed over, no final delivery report yet
    delivered: int
    failed: int
    cancelled: int

    @property
    def gone(self) -> int:
        return self.sent + self.delivered + self.failed

    def percent(self, value: int) -> int:
        return round(100 * value / self.total) if self.total else 0


def progress(db, campaign: Campaign) -> Progress:
    cancelled = (OutboxMessage.status == "failed") & (OutboxMessage.last_error == CANCELLED_ERROR)
    row = db.execute(
        select(func.count(),
               func.sum(case((OutboxMessage.status.in_(("pending", "queued")), 1), else_=0)),
               func.sum(case((OutboxMessage.status == "sent", 1), else_=0)),
               func.sum(case((OutboxMessage.status == "delivered", 1), else_=0)),
               func.sum(case((cancelled, 1), else_=0)),
               func.sum(case((OutboxMessage.status.in_(("failed", "rejected")), 1), else_=0)))
        .where(_campaign_rows(campaign.id))).one()
    planned, waiting, sent, delivered, cancelled_n, failed = (int(v or 0) for v in row)
    return Progress(total=max(campaign.audience_total, planned), planned=planned, waiting=waiting, sent=sent,
                    delivered=delivered, failed=failed - cancelled_n, cancelled=cancelled_n)


def state(campaign: Campaign, progress_: Progress, now: datetime) -> str:
    """What the staff sees: planning, scheduled, sending, done or cancelled."""
    if campaign.status == "cancelled":
        return "cancelled"
    if campaign.status == "planning":
        return "planning"
    if progress_.waiting == 0:
        return "done"
    if progress_.gone == 0 and campaign.send_at > now:
        return "scheduled"
    return "sending"


SERIES = ("delivered", "sent", "waiting", "failed", "cancelled")  # the counters, bottom to top


@dataclass(frozen=True)
class Point:
    at: datetime
    counts: dict  # series name -> messages in that state at `at`


def timeline(db, campaign: Campaign, now: datetime, finished: bool,
             points: int = CHART_POINTS) -> list[Point]:
    """Each message's state at `points` moments from creation to now (or to the last delivery
    report): the same states as `progress`, so the last point equals the page's counters."""
    start = campaign.created_at
    last_final = db.scalar(select(func.max(OutboxMessage.final_at)).where(_campaign_rows(campaign.id)))
    end = last_final if finished and last_final is not None else now
    end = max(end, start)
    step = (end - start) / (points - 1)
    moments = [start + step * i for i in range(points)]
    final = OutboxMessage.final_at
    cancelled = (OutboxMessage.status == "failed") & (OutboxMessage.last_error == CANCELLED_ERROR)
    states = {"delivered": OutboxMessage.status == "delivered",
              "failed": OutboxMessage.status.in_(("failed", "rejected")) & ~cancelled,
              "cancelled": cancelled}
    columns = []
    for moment in moments:
        columns.append(func.sum(case((OutboxMessage.created_at <= moment, 1), else_=0)))
        columns += [func.sum(case((condition & (final <= moment), 1), else_=0)) for condition in states.values()]
        # Handed to the gateway by then, with no final report yet at that moment.
        columns.append(func.sum(case(((OutboxMessage.sent_at <= moment) & (final.is_(None) | (final > moment)), 1),
                                     else_=0)))
    row = db.execute(select(*columns).where(_campaign_rows(campaign.id))).one()
    width = 2 + len(states)
    series = []
    for i, moment in enumerate(moments):
        created, delivered, failed, cancelled_n, sent = (int(v or 0) for v in row[width * i:width * (i + 1)])
        waiting = max(created - delivered - failed - cancelled_n - sent, 0)
        series.append(Point(moment, {"delivered": delivered, "sent": sent, "waiting": waiting, "failed": failed,
                                     "cancelled": cancelled_n}))
    return series

"""Who a campaign reaches: filters turned into one SQL query of phones, read in keyset pages.

Every audience is a query of distinct phone numbers within the campaign's scope; people who
stopped campaigns (or every SMS) are left out (ussd_app.sms.optout), and a mother whose loss was
recorded hears nothing of pregnancy or babies until she registers again (ussd_app.health.outcomes). Nothing here loads a whole
audience: `batches` walks it by phone number, `count` counts it in the database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Iterator

from sqlalchemy import and_, case, func, literal, select

from ussd_app.clinic.days import parse_day
from ussd_app.clinic.scope import Scope
from ussd_app.health.enrollment import ACTIVE, CHILD, PREGNANCY, Enrollment
from ussd_app.health.facilities import Facility
from ussd_app.health.outcomes import mourning
from ussd_app.savings.models import Member, SavingsGroup
from ussd_app.sms.optout import receives
from ussd_app.sms.purposes import CAMPAIGN
from ussd_app.sms.schedules import IMMUNIZATION_VISITS, PREGNANCY_DAYS, add_months
from ussd_app.subscribers import Subscriber
from ussd_app.text import languages
from ussd_app.text.i18n import LANGUAGES, N_

CENTRE, PREGNANT, CHILDREN_DUE, SAVINGS = "centre", "pregnant", "children_due", "savings"
KINDS = (CENTRE, PREGNANT, CHILDREN_DUE, SAVINGS)
KIND_LABELS = {CENTRE: N_("Everyone registered at the centre"),
               PREGNANT: N_("Pregnant women, by month of pregnancy"),
               CHILDREN_DUE: N_("Children due for a vaccination in a date window"),
               SAVINGS: N_("Savings group members")}
FALLBACK_LANGUAGE = languages.AUDIENCE_FALLBACK  # a known choice always wins
DAYS_PER_MONTH = 30.44
BATCH = 1000
OVERDUE_DAYS = 21
VISITS = {v.step: v for v in IMMUNIZATION_VISITS}


class AudienceError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Audience:
    kind: str
    params: dict = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps({"kind": self.kind, **self.params}, sort_keys=True)

    @classmethod
    def from_json(cls, kind: str, raw: str) -> "Audience":
        params = json.loads(raw or "{}")
        params.pop("kind", None)
        return cls(kind, params)


def _int(value, low: int, high: int, message: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise AudienceError(message) from None
    if not low <= number <= high:
        raise AudienceError(message)
    return number


def _day(value, message: str) -> date:
    day = parse_day(str(value) if value is not None else "")
    if day is None:
        raise AudienceError(message)
    return day


def parse(form) -> Audience:
    """An audience from form or JSON fields; AudienceError (a msgid) when a field is wrong."""
    kind = (form.get("audience") or "").strip()
    if kind == CENTRE:
        return Audience(CENTRE)
    if kind == PREGNANT:
        bad = N_("Months of pregnancy go from 1 to 9, the first not after the last.")
        low = _int(form.get("month_from", 1), 1, 9, bad)
        high = _int(form.get("month_to", 9), 1, 9, bad)
        if low > high:
            raise AudienceError(bad)
        return Audience(PREGNANT, {"month_from": low, "month_to": high})
    if kind == CHILDREN_DUE:
        step = (form.get("visit") or "").strip()
        if step not in VISITS:
            raise AudienceError(N_("Choose a vaccination visit."))
        bad = N_("Give a date window: from and to (DD/MM/YYYY), at most a year long.")
        start, end = _day(form.get("due_from"), bad), _day(form.get("due_to"), bad)
        if end < start or (end - start).days > 366:
            raise AudienceError(bad)
        return Audience(CHILDREN_DUE, {"visit": step, "due_from": start.isoformat(), "due_to": end.isoformat()})
    if kind == SAVINGS:
        group = form.get("group_id") or ""
        if str(group).strip() in ("", "all"):
            return Audience(SAVINGS, {})
        return Audience(SAVINGS, {"group_id": _int(group, 1, 2**31 - 1, N_("Choose a savings group."))})
    raise AudienceError(N_("Choose who receives the campaign."))


def _births_for_visit(step: str, start: date, end: date) -> tuple[date, date]:
    """Birth dates whose visit `step` falls between `start` and `end` (both included)."""
    visit = VISITS[step]

    def visit_day(birth: date) -> date:
        return add_months(birth + timedelta(weeks=visit.weeks), visit.months)

    low = add_months(start, -visit.months) - timedelta(weeks=visit.weeks) - timedelta(days=3)
    while visit_day(low) < start:
        low += timedelta(days=1)
    high = add_months(end, -visit.months) - timedelta(weeks=visit.weeks) + timedelta(days=3)
    while visit_day(high) > end:
        high -= timedelta(days=1)
    return low, high


def phones(audience: Audience, scope: Scope, today: date):
    """A query of the audience's distinct phone numbers (column `phone`)."""
    if audience.kind == SAVINGS:
        query = (select(Member.phone.label("phone")).join(SavingsGroup, SavingsGroup.id == Member.group_id)
                 .where(scope.where(SavingsGroup.facility_code)))
        if audience.params.get("group_id"):
            query = query.where(SavingsGroup.id == int(audience.params["group_id"]))
        return query.distinct()
    query = (select(Enrollment.phone.label("phone")).join(Facility, Facility.id == Enrollment.facility_id)
             .where(scope.where(Facility.code), Enrollment.status.in_(ACTIVE)))
    if audience.kind == PREGNANT:
        low, high = audience.params["month_from"], audience.params["month_to"]
        # Month m of pregnancy: between (m-1) and m months since the last period (due - 280 days).
        earliest_due = today + timedelta(days=PREGNANCY_DAYS - round(high * DAYS_PER_MONTH) + 1)
        if high == 9:  # the ninth month runs on until she gives birth, even past the due date
            earliest_due = today - timedelta(days=OVERDUE_DAYS)
        latest_due = today + timedelta(days=PREGNANCY_DAYS - round((low - 1) * DAYS_PER_MONTH))
        query = query.where(Enrollment.kind == PREGNANCY, Enrollment.due_date >= earliest_due,
                            Enrollment.due_date <= latest_due)
    elif audience.kind == CHILDREN_DUE:
        low, high = _births_for_visit(audience.params["visit"], date.fromisoformat(audience.params["due_from"]),
                                      date.fromisoformat(audience.params["due_to"]))
        query = query.where(Enrollment.kind == CHILD, Enrollment.birth_date >= low,
                            Enrollment.birth_date <= high)
    if audience.kind in (PREGNANT, CHILDREN_DUE):
        query = query.where(~mourning(Enrollment.phone, Enrollment))
    return query.distinct()


def _recipients(audience: Audience, scope: Scope, today: date, after: str | None = None):
    audience_phones = phones(audience, scope, today).subquery()
    joined = Subscriber.phone == audience_phones.c.phone
    if after:
        # On both sides of the join, so each page reads only its own stretch of both indexes
        # (with it on one side only, every page rescans the subscribers from the first phone).
        joined = and_(joined, Subscriber.phone > after)
    language = func.coalesce(Subscriber.language, literal(FALLBACK_LANGUAGE))
    query = (select(audience_phones.c.phone, language.label("language"))
             .select_from(audience_phones)
             .outerjoin(Subscriber, joined)
             .where(receives(CAMPAIGN)))
    if after:
        query = query.where(audience_phones.c.phone > after)
    return query, audience_phones


def count(db, audience: Audience, scope: Scope, today: date) -> int:
    query, _phones = _recipients(audience, scope, today)
    return db.scalar(select(func.count()).select_from(query.subquery())) or 0


def page_after(audience: Audience, scope: Scope, today: date, after: str | None, size: int = BATCH):
    """A query of the next `size` recipients (columns `phone`, `language`) after phone `after`,
    in phone order; `language` is always one of LANGUAGES."""
    query, audience_phones = _recipients(audience, scope, today, after)
    page = query.order_by(audience_phones.c.phone).limit(size).subquery()
    known = case((page.c.language.in_(LANGUAGES), page.c.language), else_=literal(FALLBACK_LANGUAGE))
    return select(page.c.phone, known.label("language"))


def batch_after(db, audience: Audience, scope: Scope, today: date, after: str | None,
                size: int = BATCH) -> list[tuple[str, str]]:
    """The next `size` recipients (phone, language) after phone `after`, in phone order."""
    page = page_after(audience, scope, today, after, size).subquery()
    return [tuple(row) for row in db.execute(select(page.c.phone, page.c.language).order_by(page.c.phone))]


def batches(db, audience: Audience, scope: Scope, today: date, size: int = BATCH) -> Iterator[list[tuple[str, str]]]:
    after = None
    while True:
        rows = batch_after(db, audience, scope, today, after, size)
        if not rows:
            return
        yield rows
        after = rows[-1][0]

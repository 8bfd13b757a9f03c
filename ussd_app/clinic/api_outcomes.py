"""Birth and loss over the API: what the staff record on the person's page
(ussd_app.clinic.views_outcomes), for the centre's own tools. Idempotent on the Idempotency-Key
header: the same key sent again answers the first result and records and sends nothing more."""

from __future__ import annotations

from datetime import date, timedelta

from flask import g, jsonify
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ussd_app import audit
from ussd_app.clinic import directory
from ussd_app.clinic.api import ApiError, _body, _idempotency_key, api
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clock import app_now
from ussd_app.health import birth_loss, outcomes
from ussd_app.health.dates import today_in_mali
from ussd_app.health.enrollment import Enrollment


def outcome_json(db, found: Enrollment, outcome: outcomes.Outcome) -> dict:
    child = db.get(Enrollment, outcome.child_enrollment_id) if outcome.child_enrollment_id else None
    return {"reference": found.reference, "outcome": outcome.kind, "date": outcome.event_date.isoformat(),
            "sex": outcome.sex, "child_reference": child.reference if child else None,
            "reason_code": outcome.reason_code,
            "keep_information": outcome.keep_information, "recorded_at": outcome.created_at.isoformat()}


def _earlier(found: Enrollment, request_key: str, kind: str):
    """The outcome this key already recorded (a repeat), or None; 422 when the key was used for
    something else, 409 when the registration already has its outcome or is not active. The
    registration's row stays locked to the end of the request, so concurrent requests about it
    (the same key resent at once) are answered one after the other."""
    g.api_db.execute(select(Enrollment.id).where(Enrollment.id == found.id).with_for_update())
    g.api_db.refresh(found)  # as it is now, after whatever held the lock
    earlier = outcomes.by_request_key(g.api_db, request_key)
    if earlier is not None:
        if earlier.enrollment_id != found.id or earlier.kind != kind:
            raise ApiError(422, "idempotency_key_reused", "this Idempotency-Key was sent with another request")
        return earlier
    can = birth_loss.can_record_birth if kind == outcomes.BORN else birth_loss.can_record_loss
    if not can(found, outcomes.for_enrollment(g.api_db, found.id)):
        raise ApiError(409, "conflict", f"{found.reference}: already has an outcome, is not active"
                                        + (", or is not a pregnancy" if kind == outcomes.BORN else ""))
    return None


def _raced(found: Enrollment, request_key: str, kind: str):
    """A concurrent request with the same key, about another registration, recorded first."""
    g.api_db.rollback()
    earlier = _earlier(found, request_key, kind)
    if earlier is None:
        raise ApiError(409, "conflict", f"{found.reference}: recorded meanwhile")
    return _answer(found, earlier, created=False)


def _answer(found: Enrollment, outcome: outcomes.Outcome, created: bool):
    body = outcome_json(g.api_db, found, outcome)
    if created:
        commit_and_send(g.api_db)
    return jsonify(body), 201 if created else 200


def _audit(found: Enrollment, action: str, now, **details) -> None:
    audit.by_token(g.api_db, g.api_token, action, now, target_type="registration", target_id=found.reference,
                   facility_code=found.facility.code, **details)


@api.post("/enrollments/<reference>/birth")
def birth_record(reference: str):
    found = directory.enrollment(g.api_db, g.api_scope, reference)  # 404 first: nothing said of another centre
    request_key = _idempotency_key()
    body = _body("NewBirth")
    earlier = _earlier(found, request_key, outcomes.BORN)
    if earlier is not None:
        return _answer(found, earlier, created=False)
    now = app_now()
    born = date.fromisoformat(body["date"])
    if not 0 <= (today_in_mali(now) - born).days <= birth_loss.POSTNATAL_DAYS:
        raise ApiError(422, "bad_date", "the date of birth must be within the last 6 weeks, not in the future")
    try:
        outcome = birth_loss.record_birth(g.api_db, found, born=born, sex=body.get("sex"), child_name=None,
                                          channel=outcomes.API, recorded_by=f"api:{g.api_token.name}"[:64],
                                          request_key=request_key, now=now)
    except IntegrityError:  # the same key, or another outcome, committed meanwhile
        return _raced(found, request_key, outcomes.BORN)
    except birth_loss.OutcomeError as exc:
        g.api_db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    child = g.api_db.get(Enrollment, outcome.child_enrollment_id)
    _audit(found, "outcome.birth", now, child=child.reference)
    return _answer(found, outcome, created=True)


@api.post("/enrollments/<reference>/loss")
def loss_record(reference: str):
    found = directory.enrollment(g.api_db, g.api_scope, reference)
    request_key = _idempotency_key()
    body = _body("NewLoss")
    earlier = _earlier(found, request_key, outcomes.LOST)
    if earlier is not None:
        return _answer(found, earlier, created=False)
    now = app_now()
    when = date.fromisoformat(body["date"]) if body.get("date") else None
    today = today_in_mali(now)
    if when is not None and not today - timedelta(days=birth_loss.LOSS_WITHIN_DAYS) <= when <= today:
        raise ApiError(422, "bad_date", "the date of the loss must be within the past year, not in the future")
    try:
        outcome = birth_loss.record_loss(g.api_db, found, reason_code=body["reason_code"],
                                         keep_information=body["keep_information"], channel=outcomes.API,
                                         recorded_by=f"api:{g.api_token.name}"[:64], request_key=request_key,
                                         now=now, when=when)
    except IntegrityError:
        return _raced(found, request_key, outcomes.LOST)
    except birth_loss.OutcomeError as exc:
        g.api_db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    _audit(found, "outcome.loss", now, reason=outcome.reason_code)
    return _answer(found, outcome, created=True)

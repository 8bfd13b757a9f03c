"""Birth and loss recorded by the centre's staff on the person's page: the same effects as when
the mother tells it over USSD (ussd_app.health.birth_loss). Each form carries a key of its
own, so a double submit records once; the registration must be in the staff's scope (404)."""

from __future__ import annotations

from flask import flash, g, redirect, request, url_for
from werkzeug.exceptions import NotFound

from ussd_app import audit
from ussd_app.clinic import directory
from ussd_app.clinic.days import parse_day
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clinic.views_people import PHONE_DIGITS
from ussd_app.clinic.web import _, bp
from ussd_app.clock import app_now
from ussd_app.health import birth_loss, outcomes
from ussd_app.health.dates import today_in_mali
from ussd_app.text.i18n import N_

BIRTH_RECORDED = N_("Birth recorded for {ref}: the child is registered and the mother is told by SMS.")
LOSS_RECORDED = N_("Loss recorded for {ref}: every reminder stopped; one message of sympathy is sent.")
CANNOT = N_("Nothing recorded: {ref} already has an outcome or is not active.")
BAD_BIRTH = N_("Give the date of birth as DD/MM/YYYY, within the last 6 weeks.")
BAD_LOSS = N_("Choose a reason, and a date within the past year if you give one.")


def _registration(digits: str):
    """The person's registration named by the form, in the staff's scope (404 otherwise)."""
    if not PHONE_DIGITS.match(digits):
        raise NotFound()
    found = directory.person(g.db, g.scope, "+" + digits)
    reference = (request.form.get("reference") or "").strip().upper()
    enrollment = next((e for e in found.enrollments if e.reference == reference), None)
    if enrollment is None:
        raise NotFound()
    return enrollment


def _key(kind: str) -> str:
    return f"web:{g.staff.id}:{kind}:{(request.form.get('form_key') or '')[:40]}"


def _audit(enrollment, action: str, now, **details) -> None:
    audit.by_staff(g.db, g.staff, action, now, target_type="registration", target_id=enrollment.reference,
                   facility_code=enrollment.facility.code, **details)


def _done(digits: str, message: str, category: str):
    flash(message, category)
    return redirect(url_for("clinic.person", digits=digits))


@bp.post("/people/<digits>/birth")
def person_birth(digits: str):
    enrollment = _registration(digits)
    now = app_now()
    born = parse_day(request.form.get("birth_date", ""))
    sex = request.form.get("sex") or None
    if outcomes.by_request_key(g.db, _key("birth")) is not None:  # the same form sent twice
        return _done(digits, _(BIRTH_RECORDED, ref=enrollment.reference), "ok")
    if born is None or not 0 <= (today_in_mali(now) - born).days <= birth_loss.POSTNATAL_DAYS:
        return _done(digits, _(BAD_BIRTH), "error")
    if not birth_loss.can_record_birth(enrollment, outcomes.for_enrollment(g.db, enrollment.id)):
        return _done(digits, _(CANNOT, ref=enrollment.reference), "error")
    name = " ".join((request.form.get("child_name") or "").split())[:30] or None
    try:
        birth_loss.record_birth(g.db, enrollment, born=born, sex=sex, child_name=name,
                                channel=outcomes.DASHBOARD, recorded_by=g.staff.username,
                                request_key=_key("birth"), now=now)
    except birth_loss.OutcomeError:
        g.db.rollback()
        return _done(digits, _(CANNOT, ref=enrollment.reference), "error")
    _audit(enrollment, "outcome.birth", now)
    commit_and_send(g.db)
    return _done(digits, _(BIRTH_RECORDED, ref=enrollment.reference), "ok")


@bp.post("/people/<digits>/loss")
def person_loss(digits: str):
    enrollment = _registration(digits)
    now = app_now()
    raw_day = (request.form.get("loss_date") or "").strip()
    when = parse_day(raw_day) if raw_day else None
    reason = request.form.get("loss_reason") or ""
    if outcomes.by_request_key(g.db, _key("loss")) is not None:  # the same form sent twice
        return _done(digits, _(LOSS_RECORDED, ref=enrollment.reference), "ok")
    if reason not in outcomes.LOSS_REASONS or (raw_day and when is None):
        return _done(digits, _(BAD_LOSS), "error")
    if not birth_loss.can_record_loss(enrollment, outcomes.for_enrollment(g.db, enrollment.id)):
        return _done(digits, _(CANNOT, ref=enrollment.reference), "error")
    try:
        birth_loss.record_loss(g.db, enrollment, reason_code=reason,
                               keep_information=request.form.get("keep_information") == "yes",
                               channel=outcomes.DASHBOARD, recorded_by=g.staff.username,
                               request_key=_key("loss"), now=now, when=when)
    except birth_loss.OutcomeError:
        g.db.rollback()
        return _done(digits, _(BAD_LOSS), "error")
    _audit(enrollment, "outcome.loss", now, reason=reason)
    commit_and_send(g.db)
    return _done(digits, _(LOSS_RECORDED, ref=enrollment.reference), "ok")

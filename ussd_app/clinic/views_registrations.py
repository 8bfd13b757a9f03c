"""Registrations: list by status, approve, decline with a preset reason, close a pregnancy
(the mother is told by SMS each time)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for

from ussd_app import audit
from ussd_app.clinic import directory, labels
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clinic.web import _, bp
from ussd_app.clock import app_now
from ussd_app.health import enrollment as health
from ussd_app.health.enrollment import Enrollment
from ussd_app.text.i18n import N_
from ussd_app.web_input import parse_id

STATUSES = (health.PENDING, health.APPROVED, health.DECLINED, health.ENDED)
APPROVED = N_("Registration {ref} approved. The mother is told by SMS.")
DECLINED = N_("Registration {ref} declined. The mother is told by SMS.")
CLOSED = N_("Registration {ref} closed. The mother is told by SMS.")
NEED_REASON = N_("Choose the reason to decline.")
CANNOT = N_("Registration {ref} is already {status}.")


@bp.get("/registrations")
def registrations():
    status = request.args.get("status", health.PENDING)
    if status not in STATUSES and status != "all":
        status = health.PENDING
    before = parse_id(request.args.get("before"), "before")
    query = directory.enrollments(g.scope, None if status == "all" else status)
    if before:
        query = query.where(Enrollment.id < before)
    rows = list(g.db.scalars(query.order_by(Enrollment.id.desc()).limit(directory.PAGE_SIZE)))
    more = len(rows) == directory.PAGE_SIZE
    return render_template("clinic/registrations.html", rows=rows, status=status, statuses=STATUSES,
                           next_before=rows[-1].id if more else None)


def _decide(reference: str, action: str):
    found = directory.enrollment(g.db, g.scope, reference)  # 404 outside the scope
    now = app_now()
    note = request.form.get("note") or ""
    try:
        if action == "approve":
            health.approve(g.db, found.reference, now=now)
            message = _(APPROVED, ref=found.reference)
        elif action == "close":
            health.end_pregnancy(g.db, found.reference, reason=note, now=now)
            message = _(CLOSED, ref=found.reference)
        else:
            reason_code = request.form.get("reason_code") or ""
            if reason_code not in health.DECLINE_REASONS:
                flash(_(NEED_REASON), "error")
                return redirect(_back())
            health.decline(g.db, found.reference, reason_code=reason_code, note=note, now=now)
            message = _(DECLINED, ref=found.reference)
    except health.EnrollmentError:
        g.db.rollback()
        flash(_(CANNOT, ref=found.reference, status=_(labels.enrollment_status(found.status))), "error")
        return redirect(_back())
    audit.by_staff(g.db, g.staff, f"registration.{action}", now, target_type="registration",
                   target_id=found.reference, facility_code=found.facility.code,
                   reason_code=request.form.get("reason_code") if action == "decline" else None)
    commit_and_send(g.db)
    flash(message, "ok")
    return redirect(_back())


def _back() -> str:
    """Back to the page the form was on (only pages of the dashboard)."""
    back = request.form.get("back") or ""
    return back if back.startswith("/clinic/") and not back.startswith("//") else url_for("clinic.registrations")


@bp.post("/registrations/<reference>/approve")
def registration_approve(reference: str):
    return _decide(reference, "approve")


@bp.post("/registrations/<reference>/decline")
def registration_decline(reference: str):
    return _decide(reference, "decline")


@bp.post("/registrations/<reference>/close")
def registration_close(reference: str):
    return _decide(reference, "close")


@bp.get("/registrations/<reference>")
def registration(reference: str):
    found = directory.enrollment(g.db, g.scope, reference)
    return redirect(url_for("clinic.person", digits=found.phone.lstrip("+")))


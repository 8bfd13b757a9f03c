"""People: mothers and children of the centre, their schedules and visits; appointments."""

from __future__ import annotations

import re
import uuid

from flask import flash, g, redirect, render_template, request, url_for
from werkzeug.exceptions import NotFound

from ussd_app import audit
from ussd_app.clinic import care, directory, labels
from ussd_app.clinic.appointments import AppointmentError, set_appointment, stop_schedule
from ussd_app.clinic.days import DAY_PATTERN, parse_day
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clinic.web import _, bp
from ussd_app.clock import app_now
from ussd_app.text.i18n import N_, NP_

PHONE_DIGITS = re.compile(r"^223\d{8}$")
APPOINTMENT_SET = N_("Appointment set for {date}. Reminders are planned.")
SCHEDULE_STOPPED = NP_("{count} reminder stopped.", "{count} reminders stopped.")
BAD_DATE = N_("Give the date as DD/MM/YYYY, today or later.")


def _phone(digits: str) -> str:
    if not PHONE_DIGITS.match(digits):
        raise NotFound()
    return "+" + digits


@bp.get("/people")
def people():
    search = (request.args.get("q") or "").strip()[:40]
    after = request.args.get("after") or None
    rows = directory.people_page(g.db, g.scope, after=after, search=search)
    more = len(rows) == directory.PAGE_SIZE
    return render_template("clinic/people.html", rows=rows, q=search,
                           next_after=rows[-1].phone if more else None)


@bp.get("/people/<digits>")
def person(digits: str):
    found = directory.person(g.db, g.scope, _phone(digits))
    audit.by_staff(g.db, g.staff, "person.view", app_now(), target_type="person",
                   target_id=audit.person_key(g.db, found.phone), facility_code=g.scope.facility_code)
    g.db.commit()
    today = app_now().date()
    return render_template("clinic/person.html", person=found, digits=digits, day_pattern=DAY_PATTERN,
                           form_key=uuid.uuid4().hex, today=today, journeys=care.journeys(g.db, found, today))


@bp.post("/people/<digits>/appointments")
def person_appointment(digits: str):
    phone = _phone(digits)
    found = directory.person(g.db, g.scope, phone)  # 404 outside the scope
    reference = request.form.get("reference") or None
    enrollment = next((e for e in found.enrollments if e.reference == reference), None)
    if enrollment is None and found.enrollments:
        enrollment = found.enrollments[-1]
    when = parse_day(request.form.get("date", ""))
    try:
        if when is None:
            raise AppointmentError(BAD_DATE)
        appointment = set_appointment(
            g.db, scope=g.scope, enrollment=enrollment, phone=phone, when=when,
            note=request.form.get("note", ""), created_by=g.staff.username,
            idempotency_key=f"web:{g.staff.id}:{request.form.get('form_key', '')[:40]}", now=app_now())
    except AppointmentError as exc:
        g.db.rollback()
        flash(_(exc.message), "error")
        return redirect(url_for("clinic.person", digits=digits))
    audit.by_staff(g.db, g.staff, "appointment.create", app_now(), target_type="appointment",
                   target_id=appointment.id, facility_code=appointment.facility_code,
                   person=audit.person_key(g.db, phone))
    commit_and_send(g.db)
    flash(_(APPOINTMENT_SET, date=appointment.visit_date.strftime("%d/%m/%Y")), "ok")
    return redirect(url_for("clinic.person", digits=digits))


@bp.post("/people/<digits>/stop")
def person_stop_schedule(digits: str):
    phone = _phone(digits)
    found = directory.person(g.db, g.scope, phone)
    source_ref = request.form.get("source_ref", "")
    allowed = {e.source_ref for e in found.enrollments} | {a.source_ref for a in found.appointments}
    if source_ref not in allowed:
        raise NotFound()
    count = stop_schedule(g.db, source_ref=source_ref, reason=labels.STAFF_STOP + g.staff.username, now=app_now())
    audit.by_staff(g.db, g.staff, "schedule.stop", app_now(), target_type="schedule", target_id=source_ref,
                   facility_code=g.scope.facility_code, person=audit.person_key(g.db, phone), reminders=count)
    commit_and_send(g.db)
    flash(_(SCHEDULE_STOPPED, count=count), "ok")
    return redirect(url_for("clinic.person", digits=digits))


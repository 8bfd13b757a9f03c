"""Care journeys on the dashboard: doses and antenatal contacts ticked on the person's page, the
centre's late list, its coverage charts."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.exceptions import NotFound

from ussd_app.clinic import care, chart, coverage, directory
from ussd_app.clinic.days import parse_day
from ussd_app.clinic.handoff import commit_and_send
from ussd_app.clinic.views_people import _phone
from ussd_app.clinic.web import _, admin_required, bp
from ussd_app.clock import app_now
from ussd_app.health.facilities import UnknownFacility, set_malaria_vaccine
from ussd_app.health.records import RecordError, record_contact, record_doses
from ussd_app.text.i18n import N_, NP_

DOSES_RECORDED = NP_("{count} dose recorded; the next visits are planned from it.",
                     "{count} doses recorded; the next visits are planned from them.")
CONTACT_RECORDED = N_("Antenatal contact recorded; the next ones are planned.")
NOTHING_TICKED = N_("Tick at least one dose.")
BAD_PAST_DATE = N_("Give the date as DD/MM/YYYY, today or earlier.")
NOT_RECORDED = N_("Not recorded: {reason}")
# TRANSLATORS: Staff-facing: an admin switched which centres give the vaccine; never sent to a mother.
MALARIA_SET = N_("{centre}: malaria vaccine {state}. Plans made from now on follow it.")


def _enrollment(digits: str):
    phone = _phone(digits)
    found = directory.person(g.db, g.scope, phone)  # 404 outside the scope
    reference = request.form.get("reference", "")
    enrollment = next((e for e in found.enrollments if e.reference == reference), None)
    if enrollment is None:
        raise NotFound()
    return enrollment


def _key() -> str:
    return f"web:{g.staff.id}:{request.form.get('form_key', '')[:40]}"


def _record(digits: str, action) -> object:
    enrollment = _enrollment(digits)
    day = parse_day(request.form.get("date", "")) or None
    if day is None or day > app_now().date():
        flash(_(BAD_PAST_DATE), "error")
        return redirect(url_for("clinic.person", digits=digits))
    try:
        message = action(enrollment, day)
    except RecordError as exc:
        g.db.rollback()
        flash(_(NOT_RECORDED, reason=str(exc)), "error")
        return redirect(url_for("clinic.person", digits=digits))
    commit_and_send(g.db)
    if message:
        flash(message, "ok")
    return redirect(url_for("clinic.person", digits=digits) + f"#care-{enrollment.reference}")


@bp.post("/people/<digits>/doses")
def person_doses(digits: str):
    def action(enrollment, day):
        names = [n for n in request.form.getlist("dose") if n][:30]
        if not names:
            raise RecordError(_(NOTHING_TICKED))
        done = record_doses(g.db, enrollment, [(n, day) for n in names], recorded_by=g.staff.username,
                            client_key=_key(), now=app_now())
        return _(DOSES_RECORDED, count=len(done.rows))
    return _record(digits, action)


@bp.post("/people/<digits>/contacts")
def person_contact(digits: str):
    def action(enrollment, day):
        record_contact(g.db, enrollment, day, recorded_by=g.staff.username, client_key=_key(), now=app_now())
        return _(CONTACT_RECORDED)
    return _record(digits, action)


@bp.get("/late")
def late_list():
    today = app_now().date()
    return render_template("clinic/late.html", children=care.late_list(g.db, g.scope, today),
                           pregnancies=care.late_pregnancies(g.db, g.scope, today), today=today)


DOSE_LABELS = {"on_time": N_("on time"), "late": N_("late"), "missing": N_("not given")}
CONTACT_LABELS = {"anc8": N_("8 contacts or more"), "anc4": N_("4 to 7 contacts"), "anc1": N_("1 to 3 contacts"),
                  "anc0": N_("no contact")}


@bp.get("/coverage")
def coverage_page():
    found = coverage.compute(g.db, g.scope, app_now().date())
    doses_svg = chart.svg(found.doses, coverage.DOSE_SERIES, {k: _(v) for k, v in DOSE_LABELS.items()},
                          _("Doses due each month, in %"))
    contacts_svg = chart.svg(found.contacts, coverage.CONTACT_SERIES, {k: _(v) for k, v in CONTACT_LABELS.items()},
                             _("Pregnancies by expected month of delivery"))
    return render_template("clinic/coverage.html", c=found, doses_svg=Markup(doses_svg),
                           contacts_svg=Markup(contacts_svg), dose_labels=DOSE_LABELS, contact_labels=CONTACT_LABELS,
                           series=coverage.DOSE_SERIES, contact_series=coverage.CONTACT_SERIES,
                           centres=directory.facilities(g.db, g.scope))


@bp.post("/facilities/<code>/malaria-vaccine")
@admin_required
def facility_malaria_vaccine(code: str):
    """Only some districts give R21: an admin says which centres do (ussd_app/health/data/calendar.toml)."""
    gives = request.form.get("gives") == "1"
    try:
        facility = set_malaria_vaccine(g.db, code, gives, now=app_now())
    except UnknownFacility:
        raise NotFound() from None
    g.db.commit()
    flash(_(MALARIA_SET, centre=facility.name, state=_(N_("yes")) if gives else _(N_("no"))), "ok")
    return redirect(url_for("clinic.coverage_page") + "#malaria-vaccine")

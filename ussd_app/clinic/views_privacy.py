"""Admins only: erase a person on request (a confirm step: the number typed again), and read or
export the audit log (filter by account, dates and centre)."""

from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ussd_app import audit
from ussd_app.clinic import audit_export
from ussd_app.clinic.days import DAY_PATTERN
from ussd_app.clinic.erasure import ErasureError, erase, forget_sessions
from ussd_app.clinic.exports import ExportError
from ussd_app.clinic.models import StaffAccount
from ussd_app.clinic.views_exports import csv_response, viewer_for
from ussd_app.clinic.views_people import _phone
from ussd_app.clinic.web import _, admin_required, bp
from ussd_app.clock import app_now
from ussd_app.text.i18n import N_

ERASED = N_("Every record of this number was erased. It receives nothing more.")
TYPE_AGAIN = N_("Type the number again, as shown, to confirm.")
SHOWN = 200


@bp.route("/people/<digits>/erase", methods=["GET", "POST"])
@admin_required
def person_erase(digits: str):
    phone = _phone(digits)
    if request.method == "GET":
        return render_template("clinic/person_erase.html", digits=digits)
    if (request.form.get("confirm") or "").strip().lstrip("+").replace(" ", "") != digits:
        return render_template("clinic/person_erase.html", digits=digits, error=_(TYPE_AGAIN)), 400
    redis = current_app.extensions["redis"]
    now = app_now()
    cleared = forget_sessions(redis, phone)
    try:
        report = erase(g.db, phone, now)
    except ErasureError as exc:
        g.db.rollback()
        return render_template("clinic/person_erase.html", digits=digits, error=str(exc)), 409
    audit.by_staff(g.db, g.staff, "person.erase", now, target_type="person", target_id=audit.person_key(g.db, phone),
                   rows=sum(report.rows.values()), redis_keys=cleared)
    g.db.commit()
    forget_sessions(redis, phone)
    flash(_(ERASED), "ok")
    return redirect(url_for("clinic.people"))


def _filters() -> audit_export.AuditFilter:
    try:
        return audit_export.parse_filter(request.args)
    except ExportError:
        abort(400)


@bp.get("/audit")
@admin_required
def audit_page():
    wanted = _filters()
    rows = list(g.db.scalars(audit_export.query(wanted).limit(SHOWN)))
    staff = list(g.db.scalars(select(StaffAccount).order_by(StaffAccount.username)))
    return render_template("clinic/audit.html", rows=rows, staff_accounts=staff, args=request.args,
                           day_pattern=DAY_PATTERN, shown=SHOWN)


@bp.get("/audit.csv")
@admin_required
def audit_csv():
    wanted = _filters()
    audit.by_staff(g.db, g.staff, "audit.export", app_now(), **wanted.details())
    g.db.commit()
    return csv_response(audit_export.plan(wanted, app_now().date()), viewer_for(g.scope))

"""Exports in the dashboard: a page of links, and each CSV streamed (ussd_app.clinic.exports)."""

from __future__ import annotations

from flask import Response, abort, current_app, g, render_template, request
from sqlalchemy import select

from ussd_app import audit
from ussd_app.clinic import campaigns, exports
from ussd_app.clinic.web import bp
from ussd_app.clock import app_now
from ussd_app.savings.models import SavingsGroup


def csv_response(plan: exports.ExportPlan, viewer: exports.Viewer) -> Response:
    body = exports.stream(current_app.extensions["db_sessions"], plan, viewer)
    return Response(body, mimetype="text/csv", headers={
        "Content-Type": "text/csv; charset=utf-8",
        "Content-Disposition": f'attachment; filename="{plan.filename}"',
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})


def viewer_for(scope) -> exports.Viewer:
    return exports.Viewer(scope, current_app.config["SECRET_KEY"].encode("utf-8"))


@bp.get("/exports")
def exports_page():
    groups = list(g.db.scalars(select(SavingsGroup).where(g.scope.where(SavingsGroup.facility_code))
                               .order_by(SavingsGroup.name)))
    return render_template("clinic/exports.html", groups=groups,
                           campaigns=campaigns.listing(g.db, g.scope),
                           masked=not viewer_for(g.scope).full_phones)


def _export_view(kind: str):
    def view():
        try:
            plan = exports.plan(g.db, g.scope, kind, today=app_now().date(), group_id=request.args.get("group_id"),
                                campaign_id=request.args.get("campaign_id"))
        except exports.ExportError:
            abort(400)
        audit.by_staff(g.db, g.staff, f"export.{kind}", app_now(), target_type="export",
                       facility_code=g.scope.facility_code, group_id=request.args.get("group_id"),
                       campaign_id=request.args.get("campaign_id"))
        g.db.commit()
        return csv_response(plan, viewer_for(g.scope))

    view.__name__ = f"export_{kind}"
    return view


# One rule per kind, no path argument: what varies (a group, a campaign) is checked in the query.
for _kind in exports.KINDS:
    bp.add_url_rule(f"/exports/{_kind}.csv", view_func=_export_view(_kind), methods=["GET"])

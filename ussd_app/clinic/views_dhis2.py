"""DHIS2 reports in the dashboard: each push per centre and month, conflicts included; admins see
every centre, staff their own."""

from __future__ import annotations

from flask import g, render_template
from sqlalchemy import select

from ussd_app.clinic.web import bp
from ussd_app.dhis2 import models
from ussd_app.dhis2.models import Dhis2Push
from ussd_app.text.i18n import N_

SHOWN = 300
STATUS_LABELS = {models.SENDING: N_("sending"), models.SUCCESS: N_("accepted"),
                 models.WARNING: N_("accepted with conflicts"), models.ERROR: N_("refused by DHIS2"),
                 models.UNREACHABLE: N_("DHIS2 unreachable"), models.REFUSED: N_("not accepted")}


@bp.get("/dhis2")
def dhis2_pushes():
    rows = list(g.db.scalars(select(Dhis2Push).where(g.scope.where(Dhis2Push.facility_code))
                             .order_by(Dhis2Push.period.desc(), Dhis2Push.facility_code, Dhis2Push.id.desc())
                             .limit(SHOWN)))
    return render_template("clinic/dhis2.html", rows=rows, status_labels=STATUS_LABELS)

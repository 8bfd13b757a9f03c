"""Clinic side: the staff dashboard (/clinic), its JSON API (/api/v1) and reminder campaigns."""

from __future__ import annotations


def register_clinic(app) -> None:
    """Add the dashboard and the API to the app (called by create_app)."""
    from ussd_app.clinic import (views_auth, views_campaigns, views_messages,  # noqa: F401 (routes)
                                 views_people, views_registrations, views_savings, views_voice)
    from ussd_app.clinic import headers
    from ussd_app.clinic import api_exports, views_dhis2, views_exports  # noqa: F401 (routes)
    from ussd_app.clinic import views_outcomes  # noqa: F401 (routes)
    from ussd_app.clinic import views_privacy  # noqa: F401 (routes)
    from ussd_app.clinic import api_care, api_outcomes, views_care  # noqa: F401 (routes)
    from ussd_app.clinic.api import api
    from ussd_app.clinic.web import bp, configure

    configure(app, app.extensions["ussd_settings"])
    headers.install(app, app.extensions["ussd_settings"])
    app.register_blueprint(bp)
    app.register_blueprint(api)

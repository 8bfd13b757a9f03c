"""Running in production: /metrics, hop counters, backups, CSV exports on the command line.

Importing this package costs nothing: the USSD host imports `ussd_app.ops.hops` on every start.
"""

from __future__ import annotations


def register_ops(app) -> None:
    """Add /metrics, and check the DHIS2 mapping now: a bad file stops the start, listing why."""
    from ussd_app.dhis2.schedule import check_configuration
    from ussd_app.ops.metrics import bp

    check_configuration(app.extensions["ussd_settings"])
    app.register_blueprint(bp)

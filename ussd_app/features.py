"""Imports every feature module that registers demo data or CLI commands."""
from ussd_app.health import cli as _health_cli, demo as _health_demo  # noqa: F401
from ussd_app.sms import cli as _sms_cli, demo as _sms_demo  # noqa: F401
from ussd_app.clinic import cli as _clinic_cli, demo as _clinic_demo  # noqa: F401
from ussd_app.savings import cli as _savings_cli, demo as _savings_demo  # noqa: F401
from ussd_app.dhis2 import cli as _dhis2_cli  # noqa: F401
from ussd_app.ops import cli as _ops_cli  # noqa: F401

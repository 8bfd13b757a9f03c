"""Fault drills reuse the SMS fixtures (fake API, real SDK, settable clock, burst workers) and the
savings group fixture, and add a threaded HTTP server running the real app."""

from __future__ import annotations

import pytest

from tests.http_server import serving
from tests.savings.conftest import login, make_group  # noqa: F401
from tests.sms.conftest import dispatch_and_work, gateway, outbox_row, sms_rt, work  # noqa: F401


@pytest.fixture
def served_app(app):
    """The real app behind a threaded HTTP server, so requests really run at the same time."""
    with serving(app) as url:
        yield url

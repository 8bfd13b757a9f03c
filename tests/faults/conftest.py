"""Fault drills reuse the SMS fixtures (fake API, real SDK, settable clock, burst workers) and the
savings group fixture, and add a threaded HTTP server running the real app."""

from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.savings.conftest import make_group  # noqa: F401
from tests.sms.conftest import (clock, dispatch_and_work, gateway, outbox_row,  # noqa: F401
                                sms_rt, work)


@pytest.fixture
def served_app(app):
    """The real app behind a threaded HTTP server, so requests really run at the same time."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()

"""The real app behind a threaded HTTP server, for tests that need real HTTP or real concurrency."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from werkzeug.serving import make_server


@contextmanager
def serving(app, **server_options):
    """Serve `app` on a free local port while the block runs; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True, **server_options)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

"""The development server's request handler: its access log never shows the callback token.

Africa's Talking calls `/ussd?token=<USSD_CALLBACK_TOKEN>`; the token is the only proof a callback
comes from the gateway, so it must not land in a log file that more people can read. The
same masking (ussd_app/redact.py) applies to every log record of a process that ran create_app.
"""

from __future__ import annotations

from werkzeug.serving import WSGIRequestHandler

from ussd_app.redact import redact


class RedactingRequestHandler(WSGIRequestHandler):
    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path, requestline = getattr(self, "path", None), getattr(self, "requestline", "")
        if path is not None:
            self.path = redact(path)
        self.requestline = redact(requestline)
        try:
            super().log_request(code, size)
        finally:
            if path is not None:
                self.path = path
            self.requestline = requestline

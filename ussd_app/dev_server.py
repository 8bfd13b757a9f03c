"""The development server's request handler: its access log never shows the callback token.

Africa's Talking calls `/ussd?token=<USSD_CALLBACK_TOKEN>`; the token is the only proof a callback
comes from the gateway, so it must not land in a log file that more people can read.
"""

from __future__ import annotations

import re

from werkzeug.serving import WSGIRequestHandler

SECRET_QUERY_VALUE = re.compile(r"([?&](?:token|csrf_token)=)[^&\s]*", re.IGNORECASE)


def redact(line: str) -> str:
    return SECRET_QUERY_VALUE.sub(r"\1<hidden>", line)


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

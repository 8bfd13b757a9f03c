"""What a log line may say about a person or a secret: the last digits of a phone, nothing of a token.

`mask_phone` is what code calls where it names a phone in a log. `install()` (create_app, the
worker) is the net under it: every log record of the process, from our loggers, the development
server's or gunicorn's access log, or a traceback quoting SQL parameters, is masked as it is
made, so a full phone number, a `?token=` value or an API token never reaches a log handler.
PINs are never logged at all (raw USSD `text` is never logged); nothing here could spot one.
"""

from __future__ import annotations

import logging
import re

KEEP_DIGITS = 4
HIDDEN = "<hidden>"
# E.164 numbers (+ and 8-15 digits), and Malian numbers without their + (dashboard URLs use them).
_PHONE = re.compile(r"\+\d{8,15}(?!\d)|(?<!\d)223\d{8}(?!\d)")
_PHONE_PARTS = re.compile(r"^(\+?223|\+\d{1,3})?(\d*?)(\d{%d})$" % KEEP_DIGITS)
_SECRET_QUERY = re.compile(r"([?&](?:token|csrf_token)=)[^&\s\"']*", re.IGNORECASE)
_API_TOKEN = re.compile(r"\bcsk_[A-Za-z0-9_\-]+")
_BEARER = re.compile(r"(Bearer\s+)[^\s\"']+", re.IGNORECASE)


def mask_phone(phone: str | None) -> str:
    """`+22376123456` -> `+223****3456`: enough to tell two callers apart, not to call one."""
    if not phone:
        return "-"
    found = _PHONE_PARTS.match(phone.strip())
    if found is None:
        return "****"
    return f"{found.group(1) or ''}****{found.group(3)}"


def redact(text: str) -> str:
    """`text` with every phone masked and every token value hidden."""
    text = _SECRET_QUERY.sub(r"\1" + HIDDEN, text)
    text = _API_TOKEN.sub("csk_" + HIDDEN, text)
    text = _BEARER.sub(r"\1" + HIDDEN, text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


_formatter = logging.Formatter()


def _redacting_factory(base):
    def make(*args, **kwargs) -> logging.LogRecord:
        record = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken format string: let the handler report it
            return record
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(_formatter.formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    make.ussd_redacting = True
    return make


def install() -> None:
    """Mask every log record this process makes from now on (idempotent)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "ussd_redacting", False):
        logging.setLogRecordFactory(_redacting_factory(current))

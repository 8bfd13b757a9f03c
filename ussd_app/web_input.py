"""Web input at the edges: what the database cannot take is a 4xx here, never a 500 there.

One place per kind: `IdConverter` for ids in URLs (`<id:campaign_id>`), `parse_id` for ids and
cursors in query strings and forms, `refuse_unstorable` for strings (no text column takes a NUL
or an unpaired surrogate), `json_object` for JSON bodies.
"""

from __future__ import annotations

import re
from typing import Any, Iterable

from flask import request
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter, ValidationError

MAX_ID = 2**31 - 1  # the database's INTEGER
ASCII_DIGITS = re.compile(r"[0-9]{1,10}")  # str.isdigit() would take "²" and int() would take "٣"


class IdConverter(BaseConverter):
    """`<id:name>`: a row id the database can hold (1..2**31-1), ASCII digits; otherwise 404."""

    regex = r"[0-9]{1,10}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


def parse_id(raw: str | None, name: str, *, minimum: int = 1) -> int | None:
    """An id or a keyset cursor from a query string or a form: None when absent, 400 when it is
    not ASCII digits in the database's range."""
    if raw is None or raw == "":
        return None
    if not ASCII_DIGITS.fullmatch(raw) or not minimum <= int(raw) <= MAX_ID:
        raise BadRequest(f"{name} must be a whole number from {minimum} to {MAX_ID}")
    return int(raw)


def _storable(value: str) -> bool:
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate, which JSON's \uXXXX escapes can carry
        return False
    return True


def refuse_unstorable(values: Iterable[str], where: str) -> None:
    """400 when a string holds a NUL character or an unpaired surrogate."""
    if not all(_storable(value) for value in values):
        raise BadRequest(f"{where} holds a NUL character or an unpaired surrogate")


def refuse_nul_in_url() -> None:
    """Before every request: the path and the query string."""
    refuse_unstorable([request.path], "the path")
    refuse_unstorable([v for pair in request.args.items(multi=True) for v in pair], "the query string")


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def json_object() -> dict:
    """The request's JSON body, which must be an object of storable strings (400 otherwise)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    refuse_unstorable(_strings(body), "the body")
    return body

"""The call instructions Africa's Talking reads: `<Response>` with actions run in order.

Used here (Africa's Talking Voice documentation, "Handle calls" and "Get Digits"): `Play url=`
plays an audio file; `GetDigits` with `timeout` (seconds), `numDigits`, `finishOnKey` and
`callbackUrl` collects keys (its nested Play is the prompt) and posts them as `dtmfDigits` to
`callbackUrl`; with no key pressed it moves on to the next action, and the call ends after
the last one; `Reject` hangs up.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

DIGITS_TIMEOUT_S = 10


def _play(url: str) -> str:
    return f"<Play url={quoteattr(url)}/>"


def play_then_menu(message_urls: list[str], menu_url: str | None, digits_url: str,
                   goodbye_url: str | None) -> str:
    """The message, then "press 1 to hear again, 2 to stop these calls", then goodbye."""
    parts = [_play(u) for u in message_urls]
    if menu_url:
        parts.append(f'<GetDigits timeout="{DIGITS_TIMEOUT_S}" numDigits="1" finishOnKey="#" '
                     f"callbackUrl={quoteattr(digits_url)}>{_play(menu_url)}</GetDigits>")
    if goodbye_url:
        parts.append(_play(goodbye_url))
    return _response(parts)


def play_and_end(urls: list[str]) -> str:
    return _response([_play(u) for u in urls])


def reject() -> str:
    return _response(["<Reject/>"])


def empty() -> str:
    return _response([])


def _response(parts: list[str]) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<Response>' + "".join(parts) + "</Response>"

"""Secret inputs (a PIN) are kept only as masks: in the stored session, its text and the
replay cache's key, so neither Redis nor a log ever holds one."""

from __future__ import annotations

SECRET_MASK = "#"  # gateways never put "#" in `text`: it ends the USSD string


def mask(value: str) -> str:
    return SECRET_MASK * len(value)


def mask_like(stored: str, text: str) -> str:
    """`text` with the secret inputs that `stored` (a masked earlier text) hides, hidden too."""
    if SECRET_MASK not in stored or len(text) < len(stored):
        return text
    if all(a == b or a == SECRET_MASK for a, b in zip(stored, text)):
        return stored + text[len(stored):]
    return text

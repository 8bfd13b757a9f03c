"""What a keypad sends: only the ASCII digits 0-9 count as digits.

`str.isdigit()` also accepts "²", "٣" (Arabic-Indic) or "３" (full width): `int()` refuses the
first and silently reads the others as 3. A gateway never sends them for a key press, so any
answer holding them is a bad answer, asked again with a hint like any other.
"""

from __future__ import annotations

MAX_NUMBER_DIGITS = 9  # nothing typed at a prompt is a larger number; and int() stays cheap


def is_digits(value: str) -> bool:
    """True when `value` is one or more ASCII digits and nothing else."""
    return value.isascii() and value.isdigit()


def as_number(value: str) -> int | None:
    """The number typed (ASCII digits only, up to nine of them), or None."""
    if is_digits(value) and len(value) <= MAX_NUMBER_DIGITS:
        return int(value)
    return None

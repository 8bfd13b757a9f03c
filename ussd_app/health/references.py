"""Short enrollment references a mother reads out at the CSCom: K7P4QX.

The alphabet leaves out characters that look or sound alike on a small screen or read aloud:
0/O, 1/I/L, 5/S, 2/Z, 8/B. A reference is derived from a seed (the USSD hop's idempotency key),
so a resent hop gets the same one; a collision with another enrollment moves to the next attempt.
"""

from __future__ import annotations

import hashlib
from typing import Callable

ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
LENGTH = 6
MAX_ATTEMPTS = 50


def candidate(seed: str, attempt: int) -> str:
    number = int.from_bytes(hashlib.sha256(f"{seed}#{attempt}".encode()).digest()[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def first_free(seed: str, is_taken: Callable[[str], bool]) -> str:
    """The first candidate for `seed` that `is_taken` does not reject."""
    for attempt in range(MAX_ATTEMPTS):
        reference = candidate(seed, attempt)
        if not is_taken(reference):
            return reference
    raise RuntimeError("no free reference: the reference space is exhausted")


def normalise(text: str) -> str:
    """What a clinic types (k7p4qx, "K7P 4QX") as stored."""
    return "".join(text.split()).upper()


def is_well_formed(text: str) -> bool:
    return len(text) == LENGTH and all(ch in ALPHABET for ch in text)

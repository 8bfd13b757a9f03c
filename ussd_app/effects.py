"""What a USSD step asks to be written, and the hop it is written for.

Below both the menus (which return effects) and the domain (savings, subscribers: which define
them), so neither imports the other for these: imports go downhill (tests/test_import_graph.py).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


class Effect:
    """Something to write after the step, inside the hop's single database transaction.

    `hop.key(...)` gives an idempotency key that is the same when a gateway resends a hop or a
    lost session is replayed, so applying twice writes once.
    """

    def apply(self, db, hop: "Hop") -> None:  # pragma: no cover - interface
        raise NotImplementedError


class StaleStep(Exception):
    """Raised by an effect that finds the data changed since the step read it (another session
    corrected the same entry a moment ago): the host rolls the hop back and answers it again,
    once, so the caller is told what happened instead of "service unavailable"."""


@dataclass(frozen=True)
class Hop:
    """What effects need to know about the hop that produced them."""

    session_id: str
    phone: str
    index: int  # number of inputs so far: stable across gateway resends and replays
    now: datetime

    def key(self, *parts: object) -> str:
        # The phone is part of it: another phone posting this session id is another session.
        phone_tag = hashlib.sha256(self.phone.encode("utf-8")).hexdigest()[:8]
        return ":".join(["ussd", self.session_id, phone_tag, str(self.index), *map(str, parts)])

"""Local runs without an account: print each message instead of sending it."""

from __future__ import annotations

import sys
import uuid
from typing import Sequence

from ussd_app.sms.gateways.interface import Outcome, SendResult


class ConsoleGateway:
    name = "console"
    sender = "console"

    def longest_send_s(self, recipients: int) -> float:
        return 1.0  # printing

    def send(self, text: str, recipients: Sequence[str]) -> list[SendResult]:
        for number in recipients:
            # The console is the developer's own terminal: showing the text is the point here
            # (printed, since a worker process may have no logging configured).
            print(f"[SMS to {number}] {text}", file=sys.stderr, flush=True)
        return [SendResult(n, Outcome.SENT, f"console-{uuid.uuid4().hex[:12]}", "XOF 0") for n in recipients]

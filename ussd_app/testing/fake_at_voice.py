"""The voice part of the fake Africa's Talking API (ussd_app/testing/fake_africastalking.py).

It accepts `POST /voice/call` (form `username`, `from`, `to`) as the SDK's `Voice.call` sends it
and answers `{"entries": [{"phoneNumber", "status": "Queued", "sessionId": "ATVId_…"}],
"errorMessage": "None"}`. Then it plays the gateway's part, when a test says so
(`run_calls()`) or by itself a moment later (`auto_calls`, for local runs): for each call, the
outcome the test chose for the number (`plan_call`): answered (it posts the answer callback
with `isActive=1`, reads the XML, fetches every `Play url`, "presses" the planned digits by
posting `dtmfDigits` to the GetDigits `callbackUrl`, follows the answers until the instructions
run out or a `Reject`), no answer, busy or failed; last it posts the end of the call
(`isActive=0`, `status`, `callSessionState`, `hangupCause`, `durationInSeconds`, `amount`,
`currencyCode`) to the events URL, unless the test plans that post to be lost
(`plan_call(..., end_event=False)`): then `send_lost_ends()` posts it late.
"""

from __future__ import annotations

import threading
import uuid
import xml.etree.ElementTree as ET
from collections import deque
from dataclasses import dataclass, field

import requests

OUTCOMES = {  # outcome -> (status, callSessionState, hangupCause)
    "answered": ("Success", "Completed", "NORMAL_CLEARING"),
    "no answer": ("NotAnswered", "NotAnswered", "NO_ANSWER"),
    "busy": ("NotAnswered", "NotAnswered", "USER_BUSY"),
    "failed": ("Failed", "Failed", "UNSPECIFIED"),
}
CALL_COST_XOF = "60.0000"


@dataclass
class CallPlan:
    outcome: str = "answered"
    digits: tuple[str, ...] = ()
    end_event: bool = True  # False: the end of the call is lost on its way (sent later, if asked)


@dataclass
class FakeCall:
    session_id: str
    caller: str  # our voice number
    to: str
    plan: CallPlan
    played: list[str] = field(default_factory=list)  # every Play url fetched, in order
    played_ok: list[bool] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)  # the app's XML answers
    rejected: bool = False
    done: bool = False
    lost_end: dict | None = None  # the end of the call, when its post was lost


class FakeVoice:
    """Mixed into FakeAfricasTalking: its lock, faults and HTTP server are shared."""

    def _voice_init(self) -> None:
        self.voice_callback_url: str | None = None
        self.voice_events_url: str | None = None
        self.auto_calls = False  # local runs: play each call a moment after it is placed
        self.auto_call_delay_s = 2.0
        self.calls: list[FakeCall] = []
        self._plans: dict[str, deque[CallPlan]] = {}

    def plan_call(self, number: str, outcome: str = "answered", digits=(), end_event: bool = True) -> None:
        """The next call to `number` goes this way (else: answered, no key pressed, its end
        posted)."""
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome is one of {sorted(OUTCOMES)}")
        with self._lock:
            self._plans.setdefault(number, deque()).append(CallPlan(outcome, tuple(digits), end_event))

    def send_lost_ends(self) -> list[FakeCall]:
        """Post, late, the ends of the calls whose end was lost; returns those calls."""
        with self._lock:
            late = [c for c in self.calls if c.lost_end is not None]
        for call in late:
            body, call.lost_end = call.lost_end, None
            self._post_voice(self.voice_events_url or self.voice_callback_url, body)
        return late

    def calls_to(self, number: str) -> list[FakeCall]:
        with self._lock:
            return [c for c in self.calls if c.to == number]

    def _voice_call(self, form: dict) -> tuple[int, object]:
        numbers = [n.strip() for n in form.get("to", "").split(",") if n.strip()]
        if not form.get("username") or not form.get("from") or not numbers:
            return 400, "Request is missing required form field"
        entries, placed = [], []
        with self._lock:
            for number in numbers:
                plans = self._plans.get(number)
                call = FakeCall(f"ATVId_{uuid.uuid4().hex}", form["from"], number,
                                plans.popleft() if plans else CallPlan())
                self.calls.append(call)
                placed.append(call)
                entries.append({"phoneNumber": number, "status": "Queued", "sessionId": call.session_id})
        if self.auto_calls:
            for call in placed:
                timer = threading.Timer(self.auto_call_delay_s, self._play_quietly, (call,))
                timer.daemon = True
                timer.start()
        return 200, {"entries": entries, "errorMessage": "None"}

    def run_calls(self) -> list[FakeCall]:
        """Play every call placed and not yet played (the gateway's part); returns them."""
        with self._lock:
            pending = [c for c in self.calls if not c.done]
            for call in pending:
                call.done = True
        for call in pending:
            self._play(call)
        return pending

    def _play_quietly(self, call: FakeCall) -> None:
        with self._lock:
            if call.done:
                return
            call.done = True
        try:
            self._play(call)
        except requests.RequestException:
            pass  # the app is down: a local run can do without this call

    def _fields(self, call: FakeCall, **extra) -> dict:
        return {"sessionId": call.session_id, "direction": "Outbound", "callerNumber": call.to,
                "destinationNumber": call.caller, **extra}

    def _play(self, call: FakeCall) -> None:
        status, state, cause = OUTCOMES[call.plan.outcome]
        seconds = 0
        if call.plan.outcome == "answered":
            digits = deque(call.plan.digits)
            answer = self._post_voice(self.voice_callback_url, self._fields(call, isActive="1"))
            while answer is not None:
                call.answers.append(answer)
                answer, spent = self._follow(call, answer, digits)
                seconds += spent
            if call.rejected:
                cause = "CALL_REJECTED"
        final = self._fields(call, isActive="0", status=status, callSessionState=state, hangupCause=cause,
                             durationInSeconds=str(seconds), currencyCode="XOF",
                             amount=CALL_COST_XOF if seconds else "0")
        if not call.plan.end_event:
            call.lost_end = final
            return
        self._post_voice(self.voice_events_url or self.voice_callback_url, final)

    def _follow(self, call: FakeCall, answer: str, digits: deque) -> tuple[str | None, int]:
        """Run one XML answer: (the next answer after a key press, or None; seconds spent)."""
        seconds = 0
        for action in ET.fromstring(answer):
            if action.tag == "Reject":
                call.rejected = True
                return None, seconds
            if action.tag == "Play":
                seconds += self._fetch(call, action.get("url", ""))
            elif action.tag == "GetDigits":
                for prompt in action.findall("Play"):
                    seconds += self._fetch(call, prompt.get("url", ""))
                if digits:
                    pressed = digits.popleft()
                    url = action.get("callbackUrl") or self.voice_callback_url
                    return self._post_voice(url, self._fields(call, isActive="1", dtmfDigits=pressed)), seconds
                seconds += int(action.get("timeout") or 30)  # nothing pressed: on to the next action
        return None, seconds

    def _fetch(self, call: FakeCall, url: str) -> int:
        answer = requests.get(url, timeout=10)
        call.played.append(url)
        call.played_ok.append(answer.status_code == 200 and len(answer.content) > 0)
        return 3

    def _post_voice(self, url: str | None, body: dict) -> str | None:
        if not url:
            raise ValueError("no voice callback URL: set voice_callback_url")
        answer = requests.post(url, data=body, timeout=10)
        return answer.text if answer.status_code == 200 and answer.text.strip().startswith("<") else None

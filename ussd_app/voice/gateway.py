"""Africa's Talking Voice through its Python SDK: place one outbound call.

`VoiceService.call(callFrom, callTo)` posts `username`, `from` (our voice number) and `to` to
`<voice base>/call` and answers JSON `{"entries": [{"phoneNumber", "status", "sessionId"}],
"errorMessage"}`; an entry's status "Queued" means the call is being placed, anything else
(InvalidPhoneNumber, ...) that it is not (Africa's Talking Voice API, "Make a call";
africastalking-python Voice.py). The SDK raises on any non-2xx answer. AT_API_BASE_URL points
the SDK elsewhere (the local fake): calls then go to `<AT_API_BASE_URL>/voice/call`.

Outcomes: placed (with the session id the callbacks carry); refused (nothing rang: the request
may be made again later); uncertain (no answer in time: a call may be ringing, so it is never
requested again: ussd_app/voice/calls.py falls back to SMS).
"""

from __future__ import annotations

from dataclasses import dataclass

REQUEST_TIMEOUT_S = (3.05, 10)


@dataclass(frozen=True)
class CallResult:
    outcome: str  # "placed", "refused", "uncertain"
    session_id: str | None = None
    detail: str = ""


class AfricasTalkingVoice:
    name = "africastalking"

    def __init__(self, username: str, api_key: str, voice_number: str, base_url: str | None = None,
                 timeout=REQUEST_TIMEOUT_S):
        from africastalking.Voice import VoiceService

        self.service = VoiceService(username, api_key)
        if base_url:
            self.service._baseUrl = base_url.rstrip("/") + "/voice"
        self.voice_number = voice_number
        self.sender = f"voice:{voice_number}"  # whose rate the token bucket paces
        self.timeout = timeout

    def longest_call_request_s(self) -> float:
        return sum(self.timeout)

    def call(self, phone: str) -> CallResult:
        import requests
        from africastalking.Service import AfricasTalkingException

        try:
            answer = self.service.call(callFrom=self.voice_number, callTo=[phone], timeout=self.timeout)
        except AfricasTalkingException as exc:
            return CallResult("refused", detail=f"gateway answered an error: {str(exc)[:120]}")
        except requests.RequestException as exc:
            if isinstance(exc, requests.exceptions.ConnectTimeout) or "NewConnectionError" in repr(exc):
                # Never connected: the request did not reach the gateway, nothing rang.
                return CallResult("refused", detail=f"gateway unreachable: {type(exc).__name__}")
            return CallResult("uncertain", detail=f"no answer from the gateway: {type(exc).__name__}")
        except ValueError as exc:  # the SDK refuses a malformed number before any request
            return CallResult("refused", detail=str(exc)[:120])
        return parse_call_answer(answer, phone)


def parse_call_answer(answer, phone: str) -> CallResult:
    if not isinstance(answer, dict):
        return CallResult("uncertain", detail="gateway answer is not JSON")
    for entry in answer.get("entries") or []:
        if isinstance(entry, dict) and entry.get("phoneNumber") in (phone, None):
            status, session = str(entry.get("status", "")), entry.get("sessionId")
            if status == "Queued" and session and session != "None":
                return CallResult("placed", str(session)[:100], status)
            return CallResult("refused", detail=f"gateway did not place the call: {status[:80]}")
    error = str(answer.get("errorMessage") or "")
    return CallResult("refused", detail=f"gateway did not place the call: {error[:100]}")


def make_voice_gateway(settings):
    """The voice gateway, or None when no voice number is configured (then: SMS only)."""
    if not settings.at_voice_number or not settings.at_api_key:
        return None
    return AfricasTalkingVoice(settings.at_username, settings.at_api_key, settings.at_voice_number,
                               settings.at_api_base_url)

"""Local fakes of the SMS gateways' HTTP APIs, for tests, benchmarks and local runs.

Nothing in the running service imports this package; `ussd-app serve --fake-gateway …` (a
development command) starts one of these fakes beside the app with `start_fake_gateway`.
"""

from __future__ import annotations

FAKE_SENDER_ADDRESS = "+22370000000"


FAKE_VOICE_NUMBER = "+22320000000"


def start_fake_gateway(name: str, app_url: str, callback_token: str | None = None,
                       voice_token: str | None = None):
    """Start the fake API of gateway `name` on a free loopback port; it posts a "delivered"
    receipt to the app at `app_url` a moment after each message (Africa's Talking: and answers
    each call a moment after it is placed). Returns the fake and the environment that points
    the app and its worker at it."""
    query = f"?token={callback_token}" if callback_token else ""
    voice_query = f"?token={voice_token}" if voice_token else ""
    if name == "africastalking":
        from ussd_app.testing.fake_africastalking import FakeAfricasTalking

        fake, delivered = FakeAfricasTalking().start(), "Success"
        env = {"SMS_GATEWAY": name, "AT_USERNAME": "sandbox", "AT_API_KEY": "fake-api-key",
               "AT_API_BASE_URL": fake.url}
        fake.callback_url = f"{app_url}/sms/delivery{query}"
        env["AT_VOICE_NUMBER"] = FAKE_VOICE_NUMBER
        fake.voice_callback_url = f"{app_url}/voice/callback{voice_query}"
        fake.voice_events_url = f"{app_url}/voice/events{voice_query}"
        fake.auto_calls = True
    elif name == "orange":
        from ussd_app.testing.fake_orange import FakeOrange

        fake, delivered = FakeOrange().start(), "DeliveredToTerminal"
        env = {"SMS_GATEWAY": name, "ORANGE_CLIENT_ID": "fake-client", "ORANGE_CLIENT_SECRET": "fake-secret",
               "ORANGE_SENDER_ADDRESS": FAKE_SENDER_ADDRESS, "ORANGE_API_BASE_URL": fake.url}
        fake.callback_url = f"{app_url}/sms/orange/delivery{query}"
    else:
        raise ValueError(f"no fake for gateway {name!r}")
    fake.auto_receipt = delivered
    return fake, env

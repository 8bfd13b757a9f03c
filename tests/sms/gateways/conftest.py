"""One driver per gateway for the contract tests: the real adapter talking to the local fake of
its provider's API, and the few things a test does that each provider spells its own way
(refusing a number, the words of its delivery reports, its callback routes)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.conftest import FAKE_AT_API_KEY, FAKE_ORANGE_CLIENT_ID, FAKE_ORANGE_CLIENT_SECRET
from ussd_app.sms.gateways.africastalking import AfricasTalkingGateway
from ussd_app.sms.gateways.orange import OrangeGateway
from ussd_app.testing import fake_orange

SENDER_ADDRESS = "+22370000000"
TIMEOUT = (0.5, 0.5)  # short, so that timeouts are quick


@dataclass
class Driver:
    name: str
    fake: object
    delivery_path: str
    inbound_path: str
    words: dict  # neutral report -> the provider's status word
    failure_reason: str  # what a failed report leaves in last_error
    env: dict  # settings pointing a process at the fake

    def gateway(self, base_url: str | None = None):
        base_url = base_url or self.fake.url
        if self.name == "africastalking":
            return AfricasTalkingGateway("sandbox", FAKE_AT_API_KEY, sender_id="SANTE", base_url=base_url,
                                         timeout=TIMEOUT)
        return OrangeGateway(FAKE_ORANGE_CLIENT_ID, FAKE_ORANGE_CLIENT_SECRET, SENDER_ADDRESS, "SANTE",
                             base_url=base_url, timeout=TIMEOUT)

    def refuse(self, number: str, outcome: str) -> None:
        """From now on the gateway refuses `number`: "retry", "permanent" or "blocked"."""
        if self.name == "africastalking":
            if outcome == "blocked":
                self.fake.blacklist.add(number)
            else:
                self.fake.recipient_codes[number] = {"retry": 500, "permanent": 403}[outcome]
        elif outcome == "blocked":
            self.fake.blacklist.add(number)
        else:
            self.fake.recipient_errors[number] = {"retry": fake_orange.NO_RESOURCES,
                                                  "permanent": fake_orange.NO_VALID_ADDRESS}[outcome]

    def accept(self, number: str) -> None:
        self.fake.blacklist.discard(number)
        getattr(self.fake, "recipient_codes" if self.name == "africastalking" else "recipient_errors").pop(number, None)

    def post(self, client, path: str, body: dict):
        """A callback as this gateway posts it (a form, or JSON)."""
        if self.fake.callback_format == "json":
            return client.post(path, json=body)
        return client.post(path, data=body)

    def report(self, client, message_id: str, neutral: str):
        return self.post(client, self.delivery_path, self.fake.receipt(message_id, self.words[neutral]))


@pytest.fixture(params=["africastalking", "orange"])
def driver(request) -> Driver:
    if request.param == "africastalking":
        fake = request.getfixturevalue("fake_at")
        return Driver("africastalking", fake, "/sms/delivery", "/sms/inbound",
                      {"progress": "Buffered", "delivered": "Success", "failed": "Failed", "unknown": "Teleported"},
                      "DeliveryFailure",
                      {"SMS_GATEWAY": "africastalking", "AT_USERNAME": "sandbox", "AT_API_KEY": FAKE_AT_API_KEY,
                       "AT_API_BASE_URL": fake.url, "AT_SENDER_ID": "SANTE"})
    fake = request.getfixturevalue("fake_orange")
    return Driver("orange", fake, "/sms/orange/delivery", "/sms/orange/inbound",
                  {"progress": "DeliveredToNetwork", "delivered": "DeliveredToTerminal", "failed": "DeliveryImpossible",
                   "unknown": "Teleported"},
                  "DeliveryImpossible",
                  {"SMS_GATEWAY": "orange", "ORANGE_CLIENT_ID": FAKE_ORANGE_CLIENT_ID,
                   "ORANGE_CLIENT_SECRET": FAKE_ORANGE_CLIENT_SECRET, "ORANGE_SENDER_ADDRESS": SENDER_ADDRESS,
                   "ORANGE_API_BASE_URL": fake.url})


@pytest.fixture
def gateway(driver):
    """The SMS runtime of these tests (tests/sms/conftest.py) sends through the driver's adapter."""
    return driver.gateway()

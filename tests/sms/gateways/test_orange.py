"""What only Orange's adapter does: its OAuth2 token (cached, shared, renewed, refreshed on 401),
one request per recipient, its error bodies, and its settings."""

import threading
from pathlib import Path

import pytest

from tests.conftest import FAKE_ORANGE_CLIENT_ID, FAKE_ORANGE_CLIENT_SECRET
from tests.sms.gateways.conftest import SENDER_ADDRESS, TIMEOUT
from ussd_app.config import Settings
from ussd_app.sms.gateways import make_gateway
from ussd_app.sms.gateways.interface import Outcome
from ussd_app.sms.gateways.orange import OrangeGateway
from ussd_app.testing import fake_orange

AWA, BINTOU, COUMBA = "+22376123456", "+22365123456", "+22390123456"


class Timer:
    """A monotonic clock the test moves, shared by the adapter and the fake."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def orange(fake, timer=None, secret=FAKE_ORANGE_CLIENT_SECRET, timeout=TIMEOUT, **options) -> OrangeGateway:
    return OrangeGateway(FAKE_ORANGE_CLIENT_ID, secret, SENDER_ADDRESS, base_url=fake.url, timeout=timeout,
                         **({"timer": timer} if timer else {}), **options)


def test_one_request_per_recipient_from_the_sender_address(fake_orange):
    gateway = orange(fake_orange, sender_name="SANTE")
    assert gateway.url.endswith("/smsmessaging/v1/outbound/tel%3A%2B22370000000/requests")
    results = gateway.send("Rappel", [AWA, BINTOU])
    assert [r["address"] for r in fake_orange.requests] == [f"tel:{AWA}", f"tel:{BINTOU}"]
    assert {(r["sender"], r["sender_name"], r["message"]) for r in fake_orange.requests} == {
        ("tel:+22370000000", "SANTE", "Rappel")}
    assert [(r.number, r.outcome, r.provider_message_id) for r in results] == [
        (AWA, Outcome.SENT, fake_orange.requests[0]["id"]), (BINTOU, Outcome.SENT, fake_orange.requests[1]["id"])]


def test_the_token_is_fetched_once_and_shared_by_concurrent_senders(fake_orange):
    # Timeouts long enough for a busy machine: this is about sharing the token, not about timeouts.
    gateway = orange(fake_orange, timeout=(5, 10))
    results = []
    threads = [threading.Thread(target=lambda i=i: results.extend(gateway.send(f"Message {i}", [AWA])))
               for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.outcome for r in results] == [Outcome.SENT] * 8
    assert len(fake_orange.requests) == 8
    assert (fake_orange.token_requests, fake_orange.unauthorized) == (1, 0)


def test_the_token_is_renewed_shortly_before_it_expires(fake_orange):
    timer = Timer()
    fake_orange.timer = timer
    gateway = orange(fake_orange, timer)
    gateway.send("Un", [AWA])
    timer.now += fake_orange.token_lifetime_s - 120
    gateway.send("Deux", [AWA])
    assert fake_orange.token_requests == 1
    timer.now += 100  # 20 s before it expires: renewed without waiting for a refusal
    gateway.send("Trois", [AWA])
    assert (fake_orange.token_requests, fake_orange.unauthorized) == (2, 0)
    assert fake_orange.sent_to(AWA) == ["Un", "Deux", "Trois"]


def test_a_refused_token_is_replaced_once_and_the_message_still_goes(fake_orange):
    gateway = orange(fake_orange)
    gateway.send("Un", [AWA])
    fake_orange.expire_tokens()  # revoked or expired early, on Orange's side
    [result] = gateway.send("Deux", [AWA])
    assert result.outcome is Outcome.SENT and fake_orange.sent_to(AWA) == ["Un", "Deux"]
    assert (fake_orange.token_requests, fake_orange.unauthorized) == (2, 1)


def test_wrong_credentials_send_nothing_and_every_recipient_is_retried(fake_orange):
    results = orange(fake_orange, secret="wrong").send("Rappel", [AWA, BINTOU])
    assert [(r.outcome, r.detail) for r in results] == [(Outcome.RETRY, "token request answered 401")] * 2
    assert fake_orange.requests == [] and fake_orange.received == 0


def test_a_token_endpoint_failure_is_retried_later(fake_orange):
    gateway = orange(fake_orange)
    fake_orange.fail_token_next(1, status=503)
    assert [r.outcome for r in gateway.send("Rappel", [AWA])] == [Outcome.RETRY]
    assert [r.outcome for r in gateway.send("Rappel", [AWA])] == [Outcome.SENT]


@pytest.mark.parametrize("refusal, outcome", [
    (fake_orange.PRIVACY_REFUSED, Outcome.BLOCKED),
    (fake_orange.NO_VALID_ADDRESS, Outcome.FAILED),
    ((400, "serviceException", "SVC0002"), Outcome.FAILED),
    (fake_orange.POLICY_ERROR, Outcome.RETRY),  # its cause may be fixed meanwhile
    (fake_orange.NO_RESOURCES, Outcome.RETRY),
    ((429, "policyException", "POL0001"), Outcome.RETRY),
])
def test_error_bodies_become_neutral_outcomes_for_that_recipient_only(fake_orange, refusal, outcome):
    fake_orange.recipient_errors[BINTOU] = refusal
    results = orange(fake_orange).send("Rappel", [AWA, BINTOU, COUMBA])
    assert [r.outcome for r in results] == [Outcome.SENT, outcome, Outcome.SENT]
    assert results[1].detail.startswith(f"{refusal[0]} {refusal[2]}")


def test_an_unreachable_gateway_stops_the_batch_instead_of_waiting_for_each(fake_orange):
    gateway = orange(fake_orange)
    gateway.send("Un", [AWA])  # holds a token now
    fake_orange.hang_next(1, seconds=1.5)  # longer than the read timeout
    results = gateway.send("Deux", [AWA, BINTOU, COUMBA])
    assert [r.outcome for r in results] == [Outcome.RETRY] * 3
    assert "ReadTimeout" in results[0].detail and fake_orange.received == 2


def settings(**env) -> Settings:
    return Settings.from_env(Path("instance"), env={"DATABASE_URL": "sqlite://", **env})


def test_orange_is_chosen_by_its_settings_and_refuses_to_start_without_them(fake_orange):
    complete = {"ORANGE_CLIENT_ID": "id", "ORANGE_CLIENT_SECRET": "secret", "ORANGE_SENDER_ADDRESS": "+22370000000",
                "ORANGE_API_BASE_URL": fake_orange.url}
    gateway = make_gateway(settings(**complete))
    assert (gateway.name, gateway.sender) == ("orange", "tel:+22370000000")
    assert settings(AT_API_KEY="key", **complete).sms_gateway == "africastalking"
    for missing in ("ORANGE_CLIENT_SECRET", "ORANGE_SENDER_ADDRESS"):
        with pytest.raises(ValueError, match=missing):
            make_gateway(settings(**{k: v for k, v in complete.items() if k != missing}))
    with pytest.raises(ValueError, match="international"):
        make_gateway(settings(**dict(complete, ORANGE_SENDER_ADDRESS="SANTE")))
    with pytest.raises(ValueError, match="unknown SMS_GATEWAY"):
        make_gateway(settings(SMS_GATEWAY="pigeon"))


def test_routes_exist_only_for_gateways_with_callbacks(client):
    for path in ("/sms/console/delivery", "/sms/console/inbound", "/sms/pigeon/delivery"):
        assert client.post(path, data={"id": "x", "status": "Success"}).status_code == 404

"""SMS gateways behind one neutral seam, chosen by SMS_GATEWAY (ussd_app/config.py).

- `console`: prints messages (local runs without an account).
- `africastalking`: Africa's Talking through its SDK (africastalking.py).
- `orange`: Orange's SMS API for Africa and the Middle East (orange.py).

Each adapter returns neutral results (interface.py: sent with the provider's id, retry later,
failed for good, recipient blocked) and parses its own callbacks into neutral delivery reports
and inbound messages, which the routes in ussd_app/sms/webhooks.py apply. Local fakes of the
providers' HTTP APIs live in ussd_app.testing, which the app never imports.
"""

from __future__ import annotations

from ussd_app.sms.gateways.interface import Gateway, WebhookParser

NAMES = ("console", "africastalking", "orange")


def make_gateway(settings) -> Gateway:
    """The configured adapter; ValueError when its settings are missing."""
    if settings.sms_gateway == "console":
        from ussd_app.sms.gateways.console import ConsoleGateway

        return ConsoleGateway()
    if settings.sms_gateway == "africastalking":
        from ussd_app.sms.gateways.africastalking import AfricasTalkingGateway

        return AfricasTalkingGateway(settings.at_username, settings.at_api_key, settings.at_sender_id,
                                     settings.at_api_base_url)
    if settings.sms_gateway == "orange":
        from ussd_app.sms.gateways.orange import OrangeGateway

        if not settings.orange_sender_address:
            raise ValueError("SMS_GATEWAY=orange needs ORANGE_SENDER_ADDRESS (e.g. +22370000000)")
        return OrangeGateway(settings.orange_client_id, settings.orange_client_secret,
                             settings.orange_sender_address, settings.orange_sender_name,
                             settings.orange_api_base_url)
    raise ValueError(f"unknown SMS_GATEWAY {settings.sms_gateway!r} (one of {', '.join(NAMES)})")


def webhook_parser(name: str) -> WebhookParser | None:
    """The callback parser of the gateway `name` (whichever gateway sends now: reports for
    messages sent before a switch still arrive), or None for a gateway without callbacks."""
    if name == "africastalking":
        from ussd_app.sms.gateways import africastalking

        return africastalking
    if name == "orange":
        from ussd_app.sms.gateways import orange

        return orange
    return None

"""Main menu "Health information": FP/RH topics, each readable on up to three pages.

"Send me this by SMS" is the only way a topic leaves the screen: nothing is sent unasked.
"""

from __future__ import annotations

from dataclasses import dataclass

from ussd_app.health.topics import BY_KEY, GENERAL, METHODS, SMS_HEADING, Topic
from ussd_app.menus.screens import Effect, Menu, Option, Screen
from ussd_app.sms.outbox import queue_sms
from ussd_app.sms.purposes import REQUESTED
from ussd_app.text.i18n import LANGUAGES, N_, T, translate

MENU = "health.menu"
METHODS_MENU = "health.methods"
SENT = "health.sent"

SEND_BY_SMS = N_("Send me this by SMS")
SENT_TEXT = N_("Sent. The SMS should reach you in a few minutes.")
SMS_BODY = N_("{heading}\n{text}")


def topic_screen_id(topic: Topic) -> str:
    return f"health.topic.{topic.key}"


def topic_sms(language: str, topic: Topic) -> T:
    """The SMS for a topic: a neutral first line, then the topic as shown on screen."""
    return T(SMS_BODY, {"heading": translate(language, SMS_HEADING),
                        "text": translate(language, topic.body)})


@dataclass(frozen=True)
class SendTopicBySms(Effect):
    topic_key: str
    language: str

    def apply(self, db, hop) -> None:
        topic = BY_KEY[self.topic_key]
        queue_sms(db, recipient=hop.phone, language=self.language,
                  message=topic_sms(self.language, topic), kind="health_info", purpose=REQUESTED,
                  dedupe_key=hop.key("health-info", topic.key), now=hop.now)


def _send(topic: Topic):
    def effects(ctx, s):
        return (SendTopicBySms(topic.key, s.lang if s.lang in LANGUAGES else "fr"),)
    return effects


def _topic(topic: Topic) -> Menu:
    return Menu(topic_screen_id(topic), topic.body,
                [Option(SEND_BY_SMS, SENT, data={"topic": topic.key}, effects=_send(topic))])


def screens() -> list[Screen]:
    general = {t.key: t for t in GENERAL}
    return [
        Menu(MENU, N_("Health information"), [
            Option(general["spacing"].title, topic_screen_id(general["spacing"])),
            Option(N_("Family planning methods"), METHODS_MENU),
            *[Option(t.title, topic_screen_id(t)) for t in GENERAL if t.key != "spacing"],
        ]),
        Menu(METHODS_MENU, N_("Family planning methods"),
             [Option(t.title, topic_screen_id(t)) for t in METHODS]),
        *[_topic(t) for t in (*GENERAL, *METHODS)],
        Menu(SENT, SENT_TEXT, [Option(N_("Other topics"), MENU)], resumable=False),
    ]

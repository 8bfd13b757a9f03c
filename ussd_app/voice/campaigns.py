"""Campaigns by call: for those who chose calls, when the campaign's text is recorded.

A campaign's text is one recording per language, fragment `campaign.<id>` (uploaded on the
recordings page). While planning a batch (ussd_app/clinic/planner.py), each recipient who chose
calls (or calls and SMS) and has not stopped them gets a call when `campaign.<id>` and the menu
prompts are recorded in the language her message is in. Who chose calls only gets no SMS row
from the bulk INSERT: the call falls back to the SMS under the key the bulk row would have had
(`campaign:<id>:<phone>`), so she gets it at most once. Everyone else keeps the bulk SMS path.
"""

from __future__ import annotations

from sqlalchemy import select

from ussd_app.sms.outbox_calls import queue_call
from ussd_app.sms.purposes import CAMPAIGN
from ussd_app.subscribers import Subscriber
from ussd_app.voice.channels import BOTH, VOICE
from ussd_app.voice.fragments import call_fragments
from ussd_app.voice.recordings import VoiceRecording, missing


def campaign_key(campaign_id: int) -> str:
    return f"campaign.{campaign_id}"


def recorded_languages(db, campaign_id: int) -> set[str]:
    """The languages in which a call of this campaign can be played (its text and the menu)."""
    key = campaign_key(campaign_id)
    languages = set(db.scalars(select(VoiceRecording.language).where(VoiceRecording.fragment_key == key)))
    return {lang for lang in languages if not missing(db, lang, call_fragments([key]))}


def callers_in_page(db, page, language_of, recorded: set[str]) -> dict[str, tuple[str, bool]]:
    """phone -> (language of her message, True when she gets the SMS too), for the page's
    recipients whose campaign message goes by call. `language_of(code)`: the language the
    campaign's text is sent in for a person of language `code`."""
    if not recorded:
        return {}
    rows = db.execute(select(page.c.phone, page.c.language, Subscriber.reminder_channel)
                      .join(Subscriber, Subscriber.phone == page.c.phone)
                      .where(Subscriber.reminder_channel.in_((VOICE, BOTH)), Subscriber.calls_stopped_at.is_(None)))
    callers = {}
    for phone, code, channel in rows:
        language = language_of(code)
        if language in recorded:
            callers[phone] = (language, channel == BOTH)
    return callers


def queue_campaign_calls(db, campaign, callers: dict[str, tuple[str, bool]], bodies: dict[str, str], now) -> int:
    """One call a caller, due when the campaign is; the caller enqueues `take_new_call_ids`."""
    for phone, (language, _) in sorted(callers.items()):
        queue_call(db, recipient=phone, language=language, message=bodies[language],
                   script=[campaign_key(campaign.id)], kind="campaign", purpose=CAMPAIGN,
                   dedupe_key=f"campaign:{campaign.id}:{phone}:call1", now=now, due_at=campaign.send_at,
                   campaign_id=campaign.id)
    return len(callers)

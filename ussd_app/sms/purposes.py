"""Why a message is sent: that decides who can stop it and whether it waits out the night.

Every outbox row carries one purpose. A woman who stops her health reminders still gets the
receipts for her own money; one who sends STOP gets nothing but the answer to that STOP.
What she asked for this minute goes at once, day or night (the screen told her it would come
within minutes); the quiet hours keep the night free of what she did not ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

# Purposes (the `purpose` column of the outbox).
RECEIPT = "receipt"  # a receipt or statement of her own money
REQUESTED = "requested"  # asked for this minute on USSD: information by SMS, a registration reference
REPLY = "reply"  # the answer to her own SMS keyword (STOP, START, HELP)
NOTICE = "notice"  # news of something she started, decided later (her registration approved)
REMINDER = "reminder"  # a visit or vaccination reminder
OVERDUE = "overdue"  # once, a week after a visit nobody recorded: "it is not too late"
CAMPAIGN = "campaign"  # a clinic's campaign
TEST = "test"  # an operator's test message (`ussd-app send-test`)

# What a person can stop (ussd_app.sms.optout keeps it per person).
REMINDERS, CAMPAIGNS, ALL = "reminders", "campaigns", "all"
CATEGORIES = (REMINDERS, CAMPAIGNS, ALL)
# The health messages she did not ask for: "My reminders" stops and restarts these together.
HEALTH = (REMINDERS, CAMPAIGNS)


@dataclass(frozen=True)
class Policy:
    stopped_by: frozenset[str]  # opt-out categories that silence this purpose
    asked_now: bool  # she is waiting for it: it goes at once, quiet hours or not


POLICIES = {
    RECEIPT: Policy(frozenset({ALL}), asked_now=True),
    REQUESTED: Policy(frozenset({ALL}), asked_now=True),
    REPLY: Policy(frozenset(), asked_now=True),  # even the answer to STOP must reach her
    TEST: Policy(frozenset({ALL}), asked_now=True),
    NOTICE: Policy(frozenset({ALL}), asked_now=False),
    REMINDER: Policy(frozenset({REMINDERS, ALL}), asked_now=False),
    OVERDUE: Policy(frozenset({REMINDERS, ALL}), asked_now=False),  # a reminder: stopped with them
    CAMPAIGN: Policy(frozenset({CAMPAIGNS, ALL}), asked_now=False),
}
PURPOSES = tuple(POLICIES)
# The purposes that may go out during the quiet hours.
AT_NIGHT = tuple(p for p, policy in POLICIES.items() if policy.asked_now)


def waits_for_morning(purpose: str) -> bool:
    return not POLICIES[purpose].asked_now

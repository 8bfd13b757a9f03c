""""How do you want your reminders?": by SMS, by phone call, or both (ussd_app/voice/channels.py).

Reached from "My reminders"; a registration asks the same right after its confirmation
(ussd_app/menus/registration.py). A call plays a recording in
her language; a message not yet recorded still comes by SMS.
"""

from __future__ import annotations

from ussd_app.menus.screens import End, Menu, Option, Screen
from ussd_app.subscribers import find_by_phone
from ussd_app.text.i18n import N_, T
from ussd_app.voice.channels import BOTH, LABELS, SMS, VOICE, SetChannel, chosen_channel

CHOOSE, SAVED = "channel.choose", "channel.saved"


def _title(ctx, s):
    chosen = chosen_channel(find_by_phone(ctx.db, s.phone))
    return T(N_("Your reminders come by: {channel}. How do you want them?"), {"channel": T(LABELS[chosen])})


def _option(channel: str) -> Option:
    return Option(LABELS[channel], SAVED, effects=lambda ctx, s: (SetChannel(channel),))


def screens() -> list[Screen]:
    return [
        Menu(CHOOSE, _title, [_option(SMS), _option(VOICE), _option(BOTH)], resumable=False),
        End(SAVED, N_("Saved. A message not yet recorded in your language still comes by SMS.")),
    ]

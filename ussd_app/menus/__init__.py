"""USSD menus: the engine, the screen kinds, and one module per flow.

`registry()` builds the whole menu graph once per process and validates it.
"""

from __future__ import annotations

from functools import lru_cache

from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, RESUME
from ussd_app.menus.registry import Registry


def flow_modules():
    # Each flow module exposes `screens()`; add new flows here.
    from ussd_app.menus import main
    from ussd_app.menus import birth_loss, health_info, registration, registration_mine

    from ussd_app.menus import channel, reminders
    from ussd_app.menus import (savings_access, savings_correction, savings_loans, savings_member,
                                savings_phone, savings_rollcall, savings_shareout,
                                savings_treasurer)

    return [main, health_info, registration, registration_mine, birth_loss, reminders, channel, savings_access,
            savings_correction, savings_loans, savings_member, savings_phone, savings_rollcall,
            savings_shareout, savings_treasurer]


@lru_cache(maxsize=None)
def registry() -> Registry:
    screens = [screen for module in flow_modules() for screen in module.screens()]
    return Registry(screens, entries=(CHOOSE_LANGUAGE, MAIN, RESUME))

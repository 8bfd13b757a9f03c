"""The demo's reminder phones for `ussd-app serve`: a mother with her child's vaccination visits
planned, and one who stopped hers from USSD (so "My reminders" shows both ways).

Their reminders come from approved registrations, as real ones do, so the clinic dashboard shows
them too: ussd_app.health.demo plans them.
"""

from __future__ import annotations

DEMO_MOTHER = "+22376990001"  # reminders planned
DEMO_MOTHER_STOPPED = "+22376990002"  # stopped her reminders


def walk_phones(db) -> list[str]:
    return [DEMO_MOTHER, DEMO_MOTHER_STOPPED]

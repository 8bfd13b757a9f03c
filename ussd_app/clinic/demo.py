"""Demo accounts for local runs (`ussd-app serve`): a midwife at Sotuba's CSCom and an admin.

Only `serve` loads demo data; a production database gets its accounts from `ussd-app staff create`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ussd_app.clinic.accounts import create_staff
from ussd_app.clinic.models import StaffAccount

DEMO_PASSWORD = "demo-password"
DEMO_ACCOUNTS = (("sage-femme", "staff", "BKO-C1-SOTUBA", "Sage-femme (démo)"),
                 ("admin", "admin", None, "Administration (démo)"))


def load_demo_staff(db, now: datetime) -> str | None:
    created = []
    for username, role, facility_code, name in DEMO_ACCOUNTS:
        if db.scalar(select(StaffAccount.id).where(StaffAccount.username == username)) is None:
            create_staff(db, username=username, password=DEMO_PASSWORD, role=role,
                         facility_code=facility_code, display_name=name, now=now)
            created.append(username)
    if not created:
        return None
    return f"clinic dashboard /clinic: {', '.join(created)} (password {DEMO_PASSWORD})"

"""Demo savings group for `serve`: 15 members mid-cycle (loans, one overdue, health-fund help),
so a newcomer can try the treasurer and a member."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from ussd_app.savings import pins, receipts
from ussd_app.savings.loans import issue_loan, pay_health, record_fine, repay
from ussd_app.savings.groups import (
    GroupError,
    add_member,
    create_group,
    find_group,
    roster,
)
from ussd_app.savings.models import Member, PinCredential, SavingsGroup
from ussd_app.savings.recording import draft_key, record_meeting

DEMO_GROUP = "Benkadi"
TREASURER_PHONE = "+22370000101"
MEMBER_PHONE = "+22370000107"
PRESIDENT_PHONE = "+22370000102"
DEMO_MEMBERS = [  # (name, role); phones +223700001NN in this order
    ("Awa Traoré", "treasurer"), ("Fatoumata Keïta", "president"), ("Mariam Coulibaly", "member"),
    ("Aminata Diarra", "member"), ("Kadiatou Sangaré", "member"), ("Oumou Dembélé", "member"),
    ("Salimata Koné", "member"), ("Rokia Touré", "member"), ("Djeneba Sissoko", "member"),
    ("Assitan Diallo", "member"), ("Hawa Camara", "member"), ("Nana Doumbia", "member"),
    ("Bintou Sidibé", "member"), ("Mariétou Cissé", "member"), ("Korotoumou Fofana", "member"),
]
LAST_WEEK_SHARES = [2, 3, 1, 0, 2, 5, 2, 1, 3, 2, 0, 4, 1, 2, 3]  # 0: absent
LOCKED_PHONE = "+22370000115"  # PIN 4827 set, locked after wrong tries: shows the lockout
NEW_GROUP = "Sabati"  # a group just created: only its treasurer is in it so far
NEW_GROUP_TREASURER = "+22370000201"
# Codes of the shipped facilities list: Benkadi meets at the demo midwife's centre (Sotuba), so
# her dashboard shows it; Sabati at ASACO-BAKON, seen by the admin only.
FACILITIES = {DEMO_GROUP: ("BKO-C1-SOTUBA", "Commune I"), NEW_GROUP: ("BKO-C3-BAKON", "Commune III")}
OLD_DEMO_CODE = "BAKON"  # what earlier demo data wrote: no facility has it


def demo_phones(db) -> list[str]:
    """The demo phones that between them open every savings screen (the screen walk dials them)."""
    wanted = [PRESIDENT_PHONE, LOCKED_PHONE, NEW_GROUP_TREASURER]  # the president has it all
    present = set(db.scalars(select(Member.phone).where(Member.phone.in_(wanted))))
    return [phone for phone in wanted if phone in present]


def load_savings_demo(db, now: datetime) -> str:
    note = (f"savings group {DEMO_GROUP} (15 members): dial as treasurer {TREASURER_PHONE} or as "
            f"member {MEMBER_PHONE} (simulate --phone ...); each chooses a PIN at first dial; "
            f"{LOCKED_PHONE} is locked for 15 min after wrong PINs; group {NEW_GROUP} has only "
            f"its treasurer {NEW_GROUP_TREASURER}, also a member of {DEMO_GROUP}")
    try:
        find_group(db, DEMO_GROUP)
        _repair_facility_codes(db)
        return note
    except GroupError:
        pass
    code, commune = FACILITIES[DEMO_GROUP]
    group = create_group(db, name=DEMO_GROUP, share_value=500, health_fund_per_meeting=250,
                         commune=commune, facility_code=code, now=now - timedelta(days=80))
    for number, (name, role) in enumerate(DEMO_MEMBERS, 1):
        add_member(db, group, phone=f"+223700001{number:02d}", name=name, number=number, role=role,
                   now=now - timedelta(days=80))
    members = roster(db, group.id)
    last_week = (now - timedelta(days=7)).date()
    record_meeting(db, group, day=last_week, key=draft_key(group.id, last_week, "demo"),
                   shares_by_member={m.id: n for m, n in zip(members, LAST_WEEK_SHARES)},
                   recorded_by_id=members[0].id, now=now - timedelta(days=7), send_receipts=False)
    _mid_cycle(db, group, members, now)
    locked = db.get(PinCredential, members[-1].id)
    pins.set_pin_hash(locked, pins.hash_pin("4827"), now)
    locked.locked_until, locked.lock_count = now + pins.FIRST_LOCK, 1
    code, commune = FACILITIES[NEW_GROUP]
    starting = create_group(db, name=NEW_GROUP, share_value=200, health_fund_per_meeting=100,
                            commune=commune, facility_code=code, now=now)
    add_member(db, starting, phone=NEW_GROUP_TREASURER, name="Mariam Dembélé", number=1,
               role="treasurer", now=now)
    # She also saves with Benkadi: after her PIN she picks the group.
    add_member(db, group, phone=NEW_GROUP_TREASURER, name="Mariam Dembélé", number=16, now=now)
    return note


def _mid_cycle(db, group: SavingsGroup, members: list[Member], now: datetime) -> None:
    """Benkadi mid-cycle: ten weeks of meetings, three loans (Kadiatou's overdue, Oumou's half
    repaid, Salimata's just given), a fine and two health-fund payouts. No SMS: made-up phones."""
    treasurer = members[0].id
    for weeks in range(10, 1, -1):
        day = now - timedelta(days=7 * weeks)
        record_meeting(db, group, day=day.date(), key=draft_key(group.id, day.date(), "demo"),
                       shares_by_member={m.id: n for m, n in zip(members, LAST_WEEK_SHARES)},
                       recorded_by_id=treasurer, now=day, send_receipts=False)
    quiet = {"recorded_by_id": treasurer}
    with receipts.silenced():
        overdue = issue_loan(db, group, members[4], amount=5_000, months=1, key="demo:loan:5",
                             now=now - timedelta(days=45), **quiet)
        repay(db, group, overdue, amount=1_000, key="demo:repay:5", now=now - timedelta(days=20),
              **quiet)
        half = issue_loan(db, group, members[5], amount=10_000, months=3, key="demo:loan:6",
                          now=now - timedelta(days=30), **quiet)
        repay(db, group, half, amount=4_000, key="demo:repay:6", now=now - timedelta(days=8),
              **quiet)
        issue_loan(db, group, members[6], amount=3_000, months=2, key="demo:loan:7",
                   now=now - timedelta(days=7), **quiet)
        record_fine(db, group, members[10], amount=250, key="demo:fine:11",
                    now=now - timedelta(days=14), **quiet)
        pay_health(db, group, members[3], amount=2_500, reason="delivery", key="demo:help:4",
                   now=now - timedelta(days=21), **quiet)
        pay_health(db, group, members[8], amount=1_500, reason="sick_child", key="demo:help:9",
                   now=now - timedelta(days=10), **quiet)


def _repair_facility_codes(db) -> None:
    """Demo groups loaded before their codes were fixed get the real ones."""
    for group in db.scalars(select(SavingsGroup).where(SavingsGroup.name.in_(list(FACILITIES)),
                                                       SavingsGroup.facility_code == OLD_DEMO_CODE)):
        group.facility_code, group.commune = FACILITIES[group.name]

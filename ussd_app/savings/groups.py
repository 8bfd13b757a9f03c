"""Groups, their cycles and members: set-up and look-ups (domain functions never commit)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select

from ussd_app.savings.models import (ROLES, Cycle, CycleRules, Meeting, Member, PhoneChange,
                                     PinCredential, SavingsGroup)
from ussd_app.sms.blocklist import is_blocked


# Money limits (XOF), checked where a group is set up: with at most MAX_SHARES shares a meeting,
# no entry passes ledger.MAX_ENTRY_AMOUNT, so nothing overflows a column (see ledger.py).
MAX_SHARE_VALUE = 1_000_000
MAX_HEALTH_FUND = 1_000_000
MAX_SHARES = 9


class GroupError(ValueError):
    """A set-up request that cannot be done; the message says why, for the person typing it."""


def bamako_today(now: datetime) -> date:
    return now.date()  # Africa/Bamako is UTC+0 all year


def _whole(value: object) -> bool:
    return type(value) is int  # bool and float are refused too


def create_group(db, *, name: str, share_value: int, health_fund_per_meeting: int,
                 commune: str | None = None, facility_code: str | None = None,
                 now: datetime, min_shares: int = 1, max_shares: int = 5) -> SavingsGroup:
    name = " ".join(name.split())
    if not name:
        raise GroupError("the group needs a name")
    if db.scalar(select(SavingsGroup.id).where(func.lower(SavingsGroup.name) == name.lower())):
        raise GroupError(f"a group named {name!r} already exists")
    if not _whole(share_value) or not 1 <= share_value <= MAX_SHARE_VALUE:
        raise GroupError(f"the share value must be 1 to {MAX_SHARE_VALUE:,} XOF".replace(",", " "))
    if not _whole(health_fund_per_meeting) or not 0 <= health_fund_per_meeting <= MAX_HEALTH_FUND:
        raise GroupError(f"the health fund must be 0 to {MAX_HEALTH_FUND:,} XOF per meeting"
                         .replace(",", " "))
    if not (_whole(min_shares) and _whole(max_shares) and 1 <= min_shares <= max_shares <= MAX_SHARES):
        raise GroupError(f"shares per meeting must satisfy 1 <= min <= max <= {MAX_SHARES}")
    group = SavingsGroup(name=name, commune=commune, facility_code=facility_code,
                         share_value=share_value, health_fund_per_meeting=health_fund_per_meeting,
                         min_shares=min_shares, max_shares=max_shares, created_at=now)
    db.add(group)
    db.flush()
    cycle = Cycle(group_id=group.id, number=1, started_on=bamako_today(now))
    db.add(cycle)
    db.flush()
    db.add(CycleRules(cycle_id=cycle.id, updated_at=now, service_charge_pct=5, max_loan_multiple=3,
                      loan_months=3, fine_late=100, fine_absent=250, health_mode="grants"))
    db.flush()
    return group


def find_group(db, name_or_id: str) -> SavingsGroup:
    group = None
    if name_or_id.isdigit():
        group = db.get(SavingsGroup, int(name_or_id))
    if group is None:
        group = db.scalar(select(SavingsGroup).where(
            func.lower(SavingsGroup.name) == " ".join(name_or_id.split()).lower()))
    if group is None:
        raise GroupError(f"no group {name_or_id!r}")
    return group


def current_cycle(db, group_id: int) -> Cycle:
    cycle = db.scalar(select(Cycle).where(Cycle.group_id == group_id, Cycle.ended_on.is_(None))
                      .order_by(Cycle.number.desc()).limit(1))
    if cycle is None:
        raise GroupError("the group has no open cycle")
    return cycle


def add_member(db, group: SavingsGroup, *, phone: str, name: str, number: int | None = None,
               now: datetime, role: str = "member") -> Member:
    """`phone` must already be E.164 (see ussd_request.normalise_phone)."""
    if role not in ROLES:
        raise GroupError(f"role must be one of {', '.join(ROLES)}")
    if number is None:
        number = (db.scalar(select(func.max(Member.number)).where(Member.group_id == group.id)) or 0) + 1
    if not 1 <= number <= 99:
        raise GroupError("member numbers go from 1 to 99")
    if db.scalar(select(Member.id).where(Member.group_id == group.id, Member.number == number)):
        raise GroupError(f"number {number} is already taken in {group.name}")
    if db.scalar(select(Member.id).where(Member.group_id == group.id, Member.phone == phone)):
        raise GroupError(f"{phone} is already a member of {group.name}")
    if is_blocked(db, phone):
        raise GroupError(f"{phone}: its owner's data was erased at her request (`ussd-app people unblock` "
                         "only if the number now belongs to someone else)")
    member = Member(group_id=group.id, phone=phone, name=" ".join(name.split()), number=number,
                    role=role, joined_at=now)
    db.add(member)
    db.flush()
    db.add(PinCredential(member_id=member.id, pin_hash=None, failed_attempts=0, lock_count=0,
                         updated_at=now))
    db.flush()
    return member


def memberships(db, phone: str) -> list[Member]:
    """Her memberships, one per group (a phone may be in several), in the order she joined."""
    return list(db.scalars(select(Member).where(Member.phone == phone).order_by(Member.id)))


def member_by_phone(db, phone: str, group_id: int | None = None) -> Member | None:
    """Her membership of `group_id`, or her first one."""
    query = select(Member).where(Member.phone == phone)
    if group_id is not None:
        query = query.where(Member.group_id == group_id)
    return db.scalar(query.order_by(Member.id).limit(1))


def change_member_phone(db, member: Member, phone: str, *, changed_by: str, now: datetime) -> None:
    """A new phone for her: the member row, and so her ledger and PIN, stay the same; the old
    number is kept in savings_phone_changes."""
    if phone == member.phone:
        return
    if db.scalar(select(Member.id).where(Member.group_id == member.group_id, Member.phone == phone)):
        raise GroupError(f"{phone} is already a member of this group")
    db.add(PhoneChange(member_id=member.id, old_phone=member.phone, new_phone=phone,
                       changed_by=changed_by, changed_at=now))
    member.phone = phone
    db.flush()


def member_by_number(db, group_id: int, number: int) -> Member | None:
    return db.scalar(select(Member).where(Member.group_id == group_id, Member.number == number))


def roster(db, group_id: int) -> list[Member]:
    return list(db.scalars(select(Member).where(Member.group_id == group_id).order_by(Member.number)))


def set_role(db, member: Member, role: str) -> None:
    if role not in ROLES:
        raise GroupError(f"role must be one of {', '.join(ROLES)}")
    member.role = role
    db.flush()


def reset_pin(db, member: Member, *, now: datetime) -> None:
    """Forget the PIN and any lock: the member chooses a new PIN at her next dial. A phone has
    one PIN, her first membership's, whichever of her groups resets it."""
    credential = db.get(PinCredential, member_by_phone(db, member.phone).id)
    credential.pin_hash = None
    credential.failed_attempts = 0
    credential.lock_count = 0
    credential.locked_until = None
    credential.pending_hash = None
    credential.pending_at = None
    credential.updated_at = now
    db.flush()


def meeting_on(db, group_id: int, day: date) -> Meeting | None:
    return db.scalar(select(Meeting).where(Meeting.group_id == group_id, Meeting.held_on == day))


def short_name(name: str) -> str:
    """"Awa Traoré" -> "Awa T.": enough to recognise someone on a small screen."""
    parts = name.split()
    if len(parts) < 2:
        return name[:16]
    return f"{parts[0][:14]} {parts[-1][0]}."


def member_label(member: Member) -> str:
    """"07 Awa T.": her number in the group and a short name."""
    return f"{member.number:02d} {short_name(member.name)}"

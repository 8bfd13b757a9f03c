"""Savings groups (VSLA method): groups, cycles, members, meetings, PINs and the ledger.

Money is whole XOF and share counts are whole numbers. Balances are never stored: they are
sums over `savings_ledger` (see ledger.py), which only ever grows.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (CheckConstraint, Date, ForeignKey, Index, Integer, String,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from ussd_app.clock import system_now
from ussd_app.db import Base, UTCDateTime

ROLES = ("member", "treasurer", "president")
ENTRY_KINDS = ("shares", "health_fund")


class SavingsGroup(Base):
    __tablename__ = "savings_groups"
    __table_args__ = (
        CheckConstraint("share_value > 0", name="share_value_positive"),
        CheckConstraint("health_fund_per_meeting >= 0", name="health_fund_not_negative"),
        CheckConstraint("min_shares >= 1 AND max_shares >= min_shares AND max_shares <= 9",
                        name="share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    commune: Mapped[str | None] = mapped_column(String(80))
    facility_code: Mapped[str | None] = mapped_column(String(32), index=True)  # the CSCom's code
    share_value: Mapped[int] = mapped_column(Integer)  # XOF per share, fixed for the cycle
    health_fund_per_meeting: Mapped[int] = mapped_column(Integer)  # XOF per present member
    min_shares: Mapped[int] = mapped_column(Integer, default=1)
    max_shares: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class Cycle(Base):
    __tablename__ = "savings_cycles"
    __table_args__ = (UniqueConstraint("group_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


class Member(Base):
    __tablename__ = "savings_members"
    __table_args__ = (
        UniqueConstraint("group_id", "number"),
        CheckConstraint("role IN ('member', 'treasurer', 'president')", name="role_known"),
        CheckConstraint("number >= 1 AND number <= 99", name="number_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"), index=True)
    # One group per phone: "My group" on USSD must know which group a caller means.
    phone: Mapped[str] = mapped_column(String(16), unique=True)  # E.164
    name: Mapped[str] = mapped_column(String(60))
    number: Mapped[int] = mapped_column(Integer)  # the member's number in her group (roll-call order)
    role: Mapped[str] = mapped_column(String(16), default="member")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class PinCredential(Base):
    """A member's PIN: argon2 hash only; attempts and lock live here so no redial resets them."""

    __tablename__ = "savings_pins"

    member_id: Mapped[int] = mapped_column(ForeignKey("savings_members.id"), primary_key=True)
    pin_hash: Mapped[str | None] = mapped_column(String(200))  # None: set at next dial
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)  # tries since the last success
    lock_count: Mapped[int] = mapped_column(Integer, default=0)  # locks since the last success
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A new PIN typed once, until it is typed again (or PENDING_LIFE passes): never in Redis.
    pending_hash: Mapped[str | None] = mapped_column(String(200))
    pending_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class Meeting(Base):
    __tablename__ = "savings_meetings"
    __table_args__ = (UniqueConstraint("group_id", "held_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("savings_cycles.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date)  # Africa/Bamako date (UTC+0)
    draft_key: Mapped[str] = mapped_column(String(120), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("savings_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class LedgerEntry(Base):
    """One movement of money: never updated, never deleted (guards in ledger.py and the migration)."""

    __tablename__ = "savings_ledger"
    __table_args__ = (
        CheckConstraint("kind IN ('shares', 'health_fund')", name="kind_known"),
        # A reversal mirrors its original; anything else moves money in.
        CheckConstraint("(reverses_id IS NULL AND amount >= 0 AND shares >= 0) OR "
                        "(reverses_id IS NOT NULL AND amount <= 0 AND shares <= 0)", name="sign"),
        Index("ix_savings_ledger_group_cycle", "group_id", "cycle_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("savings_cycles.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("savings_members.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("savings_meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    shares: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(Integer)  # XOF
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("savings_ledger.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("savings_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)

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
# What each kind of entry does to the group's two cash boxes (see ledger.py). Amounts are never
# negative except in a reversal, so the kind alone says which way the money went.
LOAN_FUND_IN = ("shares", "repayment", "charge", "fine", "carry_in")
LOAN_FUND_OUT = ("loan", "share_out", "carry_out")
HEALTH_FUND_IN = ("health_fund", "health_repayment", "health_carry_in")
HEALTH_FUND_OUT = ("health_payout", "health_carry_out")
# Written by the share-out only: what a box held at the cycle's end leaves the old cycle and
# enters the new one, so each box is a sum over the current cycle's rows.
CARRY_KINDS = ("carry_in", "carry_out", "health_carry_in", "health_carry_out")
ENTRY_KINDS = (*LOAN_FUND_IN, *LOAN_FUND_OUT, *HEALTH_FUND_IN, *HEALTH_FUND_OUT)
PAYOUT_REASONS = ("anc", "delivery", "sick_child", "other")
HEALTH_MODES = ("grants", "loans")


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
        UniqueConstraint("group_id", "phone"),
        CheckConstraint("role IN ('member', 'treasurer', 'president')", name="role_known"),
        CheckConstraint("number >= 1 AND number <= 99", name="number_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"), index=True)
    # A phone may belong to several groups: after the PIN she picks one (savings_access).
    phone: Mapped[str] = mapped_column(String(16), index=True)  # E.164
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
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in ENTRY_KINDS) + ")",
                        name="kind_known"),
        # A reversal mirrors its original; anything else moves money in.
        CheckConstraint("(reverses_id IS NULL AND amount >= 0 AND shares >= 0) OR "
                        "(reverses_id IS NOT NULL AND amount <= 0 AND shares <= 0)", name="sign"),
        Index("ix_savings_ledger_group_cycle", "group_id", "cycle_id"),
        # Covering indexes: a group's boxes and a member's sums are read from the index alone,
        # however long the group's history (benchmarks/savings_ledger.py).
        Index("ix_savings_ledger_group_sums", "group_id", "cycle_id", "kind", "amount"),
        Index("ix_savings_ledger_member_sums", "member_id", "cycle_id", "kind", "amount", "shares"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("savings_cycles.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("savings_members.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("savings_meetings.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    shares: Mapped[int] = mapped_column(Integer, default=0)
    amount: Mapped[int] = mapped_column(Integer)  # XOF
    # Unique, hence indexed: "not reversed" is a NOT EXISTS probe of one index entry per row.
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("savings_ledger.id"), unique=True)
    # A repayment or service charge names the loan (its disbursement entry) it pays back.
    loan_id: Mapped[int | None] = mapped_column(ForeignKey("savings_ledger.id"), index=True)
    reason: Mapped[str | None] = mapped_column(String(16))  # a health-fund payout's PAYOUT_REASONS
    # A payout may be tied to one of her registrations at a CSCom, so the centre sees it.
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("health_enrollments.id"), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("savings_members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class CycleRules(Base):
    """A cycle's rules, set by the group (CLI or dashboard) and shown to members.

    A loan keeps the terms it was given (LoanTerms): changing a rule affects later loans only.
    """

    __tablename__ = "savings_rules"
    __table_args__ = (
        CheckConstraint("service_charge_pct >= 0 AND service_charge_pct <= 20", name="charge_range"),
        CheckConstraint("max_loan_multiple >= 1 AND max_loan_multiple <= 10", name="multiple_range"),
        CheckConstraint("loan_months >= 1 AND loan_months <= 12", name="months_range"),
        CheckConstraint("fine_late >= 0 AND fine_absent >= 0", name="fines_not_negative"),
        CheckConstraint("health_mode IN ('grants', 'loans')", name="health_mode_known"),
    )

    cycle_id: Mapped[int] = mapped_column(ForeignKey("savings_cycles.id"), primary_key=True)
    service_charge_pct: Mapped[int] = mapped_column(Integer, default=5)  # % a month, flat
    max_loan_multiple: Mapped[int] = mapped_column(Integer, default=3)  # x her savings
    loan_months: Mapped[int] = mapped_column(Integer, default=3)  # the longest loan
    fine_late: Mapped[int] = mapped_column(Integer, default=100)  # XOF
    fine_absent: Mapped[int] = mapped_column(Integer, default=250)  # XOF
    health_mode: Mapped[str] = mapped_column(String(8), default="grants")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)


class LoanTerms(Base):
    """What a loan was given on, written with its disbursement entry and never changed."""

    __tablename__ = "savings_loans"

    entry_id: Mapped[int] = mapped_column(ForeignKey("savings_ledger.id"), primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("savings_groups.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("savings_members.id"), index=True)
    months: Mapped[int] = mapped_column(Integer)
    charge_pct: Mapped[int] = mapped_column(Integer)  # % a month, flat on the amount lent
    charge: Mapped[int] = mapped_column(Integer)  # XOF, the whole service charge
    due_on: Mapped[date] = mapped_column(Date, index=True)


class PhoneChange(Base):
    """A member's earlier phone numbers: her history stays with her member row."""

    __tablename__ = "savings_phone_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("savings_members.id"), index=True)
    old_phone: Mapped[str] = mapped_column(String(16))
    new_phone: Mapped[str] = mapped_column(String(16))
    changed_by: Mapped[str] = mapped_column(String(40))  # "cli" or "member:<id>"
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=system_now)

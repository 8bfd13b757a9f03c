"""End of cycle: the share-out of the loan fund and the start of the next cycle.

The loan fund (less what the group decides to carry over) is paid out in proportion to each
member's shares, in whole francs, by the largest-remainder method: each member first gets
fund x her shares / all shares rounded down; the francs left (fewer than the number of
members) go one each to the members with the largest remainders, ties to the lower member
number. The payouts add up to the fund exactly. Loans must all be repaid first (as VSLAs do):
the fund is then cash in the box.

Source: VSL Associates, "The VSLA methodology" (https://www.vsla.net/the-vsla-methodology/):
at the end of each cycle the savings plus service-charge earnings are shared out in proportion
to what each member saved; the social fund is not shared out and stays with the group.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from ussd_app.savings import receipts
from ussd_app.savings.groups import GroupError, bamako_today, current_cycle
from ussd_app.savings.ledger import add_entry, by_key, group_balance, lock_group, member_balance
from ussd_app.savings.loans import group_open_loans
from ussd_app.savings.models import Cycle, Member, SavingsGroup
from ussd_app.savings.rules import start_rules


def largest_remainder(total: int, weights: dict[int, int]) -> dict[int, int]:
    """Split `total` in proportion to `weights` (keys sorted: ties go to the smaller key)."""
    whole = sum(weights.values())
    if total < 0 or any(w < 0 for w in weights.values()):
        raise ValueError("nothing negative is shared out")
    if whole == 0:
        if total:
            raise ValueError("no shares to share the fund by")
        return {key: 0 for key in weights}
    base = {key: total * w // whole for key, w in weights.items()}
    left = total - sum(base.values())
    by_remainder = sorted(weights, key=lambda key: (-(total * weights[key] % whole), key))
    for key in by_remainder[:left]:
        base[key] += 1
    return base


@dataclass(frozen=True)
class Payout:
    member: Member
    shares: int
    amount: int


@dataclass(frozen=True)
class Preview:
    cycle: Cycle
    fund: int  # the loan fund
    carry: int  # kept for the next cycle
    total_shares: int
    payouts: list[Payout]
    loans_out: int  # loans still owed: no share-out until they are repaid

    @property
    def value_per_share(self) -> int:
        """Rounded down, for the screen; the payouts themselves are exact."""
        return (self.fund - self.carry) // self.total_shares if self.total_shares else 0


def preview(db, group: SavingsGroup, *, carry: int = 0) -> Preview:
    cycle = current_cycle(db, group.id)
    fund = group_balance(db, group.id, cycle.id).loan_fund
    members = list(db.scalars(select(Member).where(Member.group_id == group.id)
                              .order_by(Member.number)))
    counts = {m.id: member_balance(db, m.id, cycle.id).shares for m in members}
    held = {mid: n for mid, n in counts.items() if n > 0}
    if not 0 <= carry <= fund:
        raise GroupError(f"the carry-over is 0 to {fund} XOF")
    split = largest_remainder(fund - carry, held) if held else {}
    payouts = [Payout(m, counts[m.id], split.get(m.id, 0)) for m in members if counts[m.id] > 0]
    return Preview(cycle, fund, carry, sum(held.values()), payouts,
                   len(group_open_loans(db, group.id, cycle.id)))


def end_cycle(db, group: SavingsGroup, *, cycle_id: int, carry: int, key: str,
              recorded_by: Member, now: datetime) -> Cycle:
    """Pay the share-out (one entry per member), close the cycle, open the next with `carry`.

    Keyed: the same key again returns the new cycle; a cycle already closed (by another
    session) is refused, so racing confirms write one share-out.
    """
    done = by_key(db, f"{key}:closed")
    if done is not None:
        closed = db.get(Cycle, done.cycle_id)
        return db.scalar(select(Cycle).where(Cycle.group_id == group.id,
                                             Cycle.number == closed.number + 1))
    lock_group(db, group.id)
    cycle = db.get(Cycle, cycle_id, with_for_update=True, populate_existing=True)
    if cycle is None or cycle.group_id != group.id or cycle.ended_on is not None:
        raise GroupError("this cycle is already closed")
    plan = preview(db, group, carry=carry)
    if plan.cycle.id != cycle.id:
        raise GroupError("this cycle is already closed")
    if plan.loans_out:
        raise GroupError(f"{plan.loans_out} loan(s) still to repay before the share-out")
    if plan.fund > carry and not plan.total_shares:
        raise GroupError("no shares to share the fund by")
    for payout in plan.payouts:
        if payout.amount:
            entry = add_entry(db, member=payout.member, cycle_id=cycle.id, kind="share_out",
                              amount=payout.amount, idempotency_key=f"{key}:m{payout.member.id}",
                              recorded_by_id=recorded_by.id, now=now)
            receipts.share_out_receipt(db, group, payout.member, entry, cycle.number, payout.shares)
    # The carry-over leaves this cycle and enters the next: both entries, even at 0 (the
    # "closed" marker that makes a replay find the new cycle).
    add_entry(db, member=recorded_by, cycle_id=cycle.id, kind="carry_out", amount=carry,
              idempotency_key=f"{key}:closed", recorded_by_id=recorded_by.id, now=now)
    # The health fund is never shared out: all of it moves to the next cycle, so its box too
    # is a sum over one cycle's rows (keyed by cycle, as migration 0020 keys older cycles').
    health = group_balance(db, group.id, cycle.id).health_fund
    add_entry(db, member=recorded_by, cycle_id=cycle.id, kind="health_carry_out", amount=health,
              idempotency_key=f"cycle:{cycle.id}:health-out", recorded_by_id=recorded_by.id,
              now=now)
    cycle.ended_on = bamako_today(now)
    new = Cycle(group_id=group.id, number=cycle.number + 1, started_on=bamako_today(now))
    db.add(new)
    db.flush()
    start_rules(db, new.id, copy_from=cycle.id, now=now)
    add_entry(db, member=recorded_by, cycle_id=new.id, kind="carry_in", amount=carry,
              idempotency_key=f"{key}:carried", recorded_by_id=recorded_by.id, now=now)
    add_entry(db, member=recorded_by, cycle_id=new.id, kind="health_carry_in", amount=health,
              idempotency_key=f"cycle:{cycle.id}:health-in", recorded_by_id=recorded_by.id,
              now=now)
    return new

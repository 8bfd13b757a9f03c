"""Share-out: largest-remainder rounding to the franc, and random cycles that keep every rule:
boxes never negative, loans within the limit and the fund, share-out equal to the fund,
statements equal to the ledger sums."""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.savings.conftest import phone_of
from ussd_app.savings.groups import GroupError, add_member, create_group, current_cycle
from ussd_app.savings.ledger import (LedgerError, group_balance, member_balance, reverse_entry,
                                     standing_entries)
from ussd_app.savings.loans import (LoanRefused, issue_loan, loan_limit, open_loans, pay_health,
                                    record_fine, repay)
from ussd_app.savings.models import LedgerEntry
from ussd_app.savings.recording import record_meeting
from ussd_app.savings.shareout import end_cycle, largest_remainder, preview

pytestmark = pytest.mark.dates


def test_largest_remainder_by_hand():
    # 1 000 over shares 1, 1, 1: 333 each, the franc left to the first (ties: smaller key).
    assert largest_remainder(1_000, {1: 1, 2: 1, 3: 1}) == {1: 334, 2: 333, 3: 333}
    # 10 over 2 and 1: 6.67 and 3.33 -> 6 and 3, the franc to the larger remainder.
    assert largest_remainder(10, {5: 2, 9: 1}) == {5: 7, 9: 3}
    assert largest_remainder(0, {1: 0}) == {1: 0}
    with pytest.raises(ValueError):
        largest_remainder(5, {1: 0})


@given(st.integers(0, 10**9), st.dictionaries(st.integers(1, 99), st.integers(0, 500),
                                               min_size=1, max_size=40))
def test_largest_remainder_adds_up_and_is_fair(total, weights):
    if not sum(weights.values()):
        weights[min(weights)] = 1
    split = largest_remainder(total, weights)
    assert sum(split.values()) == total
    whole = sum(weights.values())
    for key, w in weights.items():  # each within one franc of her exact share
        assert abs(split[key] * whole - total * w) < whole


def test_end_of_cycle_pays_each_member_and_carries_over(make_group, db, clock):
    group, members = make_group(size=3)
    record_meeting(db, group, day=clock.now.date(), key="m",
                   shares_by_member={members[0].id: 1, members[1].id: 1, members[2].id: 1},
                   recorded_by_id=None, now=clock.now)
    loan = issue_loan(db, group, members[2], amount=1_000, months=1, key="l", recorded_by_id=None,
                      now=clock.now)
    old = current_cycle(db, group.id)
    with pytest.raises(GroupError, match="1 loan"):
        end_cycle(db, group, cycle_id=old.id, carry=0, key="end", recorded_by=members[0],
                  now=clock.now)
    repay(db, group, loan, amount=1_050, key="r", recorded_by_id=None, now=clock.now)
    plan = preview(db, group, carry=100)
    assert (plan.fund, plan.total_shares, plan.value_per_share) == (1_550, 3, 483)
    assert [p.amount for p in plan.payouts] == [484, 483, 483]
    new = end_cycle(db, group, cycle_id=old.id, carry=100, key="end", recorded_by=members[0],
                    now=clock.now)
    assert end_cycle(db, group, cycle_id=old.id, carry=100, key="end", recorded_by=members[0],
                     now=clock.now).id == new.id  # a replay
    with pytest.raises(GroupError, match="already closed"):  # a racing confirm, other key
        end_cycle(db, group, cycle_id=old.id, carry=100, key="end2", recorded_by=members[0],
                  now=clock.now)
    assert old.ended_on == clock.now.date() and new.number == 2
    assert group_balance(db, group.id, old.id).loan_fund == 0
    assert group_balance(db, group.id, new.id).loan_fund == 100
    assert group_balance(db, group.id, new.id).health_fund == 750  # never shared out
    assert group_balance(db, group.id, old.id).health_fund == 0  # moved on whole
    pay_health(db, group, members[1], amount=50, reason="anc", key="p", recorded_by_id=None,
               now=clock.now)
    assert group_balance(db, group.id, new.id).health_fund == 700
    contribution = db.scalar(select(LedgerEntry).where(LedgerEntry.cycle_id == old.id,
                                                       LedgerEntry.kind == "health_fund"))
    with pytest.raises(LedgerError, match="closed cycle"):  # it would be lost from the new box
        reverse_entry(db, contribution, idempotency_key="late", now=clock.now)


# --- random cycles --------------------------------------------------------------------------

SIZE = 5
OPS = st.one_of(
    st.tuples(st.just("meeting"), st.lists(st.integers(0, 5), min_size=SIZE, max_size=SIZE)),
    st.tuples(st.just("loan"), st.integers(0, SIZE - 1), st.integers(1, 20_000),
              st.integers(1, 4)),
    st.tuples(st.just("repay"), st.integers(0, SIZE - 1), st.integers(1, 20_000)),
    st.tuples(st.just("fine"), st.integers(0, SIZE - 1), st.integers(1, 500)),
    st.tuples(st.just("payout"), st.integers(0, SIZE - 1), st.integers(1, 3_000)),
    st.tuples(st.just("reverse"), st.integers(0, 10**6)),
)

_runs = iter(range(10**6))


def _check_sums(db, group, members, cycle_id):
    """Each balance is the sum of the ledger's rows, recomputed here without the module's SQL."""
    rows = db.execute(select(LedgerEntry.member_id, LedgerEntry.cycle_id, LedgerEntry.kind,
                             LedgerEntry.amount, LedgerEntry.shares)
                      .where(LedgerEntry.group_id == group.id)).all()
    for member in members:
        mine = [r for r in rows if r.member_id == member.id]
        of_cycle = [r for r in mine if r.cycle_id == cycle_id]
        balance = member_balance(db, member.id, cycle_id)
        assert balance.savings == sum(r.amount for r in of_cycle if r.kind == "shares")
        assert balance.shares == sum(r.shares for r in of_cycle if r.kind == "shares")
        assert balance.fines == sum(r.amount for r in of_cycle if r.kind == "fine")
        assert balance.health_paid == sum(r.amount for r in mine if r.kind == "health_fund")
        assert balance.loan_principal_out == (
            sum(r.amount for r in of_cycle if r.kind == "loan")
            - sum(r.amount for r in of_cycle if r.kind == "repayment"))
    boxes = group_balance(db, group.id, cycle_id)
    sign = {"shares": 1, "repayment": 1, "charge": 1, "fine": 1, "carry_in": 1, "loan": -1,
            "share_out": -1, "carry_out": -1}
    assert boxes.loan_fund == sum(sign.get(r.kind, 0) * r.amount for r in rows
                                  if r.cycle_id == cycle_id)
    health = {"health_fund": 1, "health_repayment": 1, "health_carry_in": 1, "health_payout": -1,
              "health_carry_out": -1}
    assert boxes.health_fund == sum(health.get(r.kind, 0) * r.amount for r in rows
                                    if r.cycle_id == cycle_id)
    assert boxes.loan_fund >= 0 and boxes.health_fund >= 0


def _health_of_every_cycle(db, group) -> int:
    sign = {"health_fund": 1, "health_repayment": 1, "health_payout": -1}
    rows = db.execute(select(LedgerEntry.kind, LedgerEntry.amount)
                      .where(LedgerEntry.group_id == group.id)).all()
    return sum(sign.get(kind, 0) * amount for kind, amount in rows)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=st.lists(OPS, min_size=1, max_size=25), carry=st.integers(0, 3_000))
def test_random_cycles_keep_every_rule(db, clock, ops, carry):
    run = next(_runs)
    now = clock.now
    group = create_group(db, name=f"Jigiya {run}", share_value=500, health_fund_per_meeting=250,
                         now=now)
    members = [add_member(db, group, phone=phone_of(n), name=f"Muso {n}", number=n, now=now)
               for n in range(1, SIZE + 1)]
    cycle_id = current_cycle(db, group.id).id
    try:
        for step, op in enumerate(ops):
            today = now + timedelta(days=7 * step)
            key = f"{run}:{step}"
            savepoint = db.begin_nested()
            try:
                if op[0] == "meeting":
                    record_meeting(db, group, day=today.date(), key=key,
                                   shares_by_member={m.id: n for m, n in zip(members, op[1])},
                                   recorded_by_id=None, now=today)
                elif op[0] == "loan":
                    member = members[op[1]]
                    most, _ = loan_limit(db, member, cycle_id)
                    fund = group_balance(db, group.id, cycle_id).loan_fund
                    try:
                        issue_loan(db, group, member, amount=op[2], months=op[3], key=key,
                                   recorded_by_id=None, now=today)
                        assert op[2] <= most <= fund
                    except LoanRefused:
                        assert op[2] > most or op[3] > 3
                elif op[0] == "repay":
                    owed = open_loans(db, members[op[1]].id)
                    if owed:
                        repay(db, group, owed[0].entry, amount=min(op[2], owed[0].owed), key=key,
                              recorded_by_id=None, now=today)
                elif op[0] == "fine":
                    record_fine(db, group, members[op[1]], amount=op[2], key=key,
                                recorded_by_id=None, now=today)
                elif op[0] == "payout":
                    pay_health(db, group, members[op[1]], amount=op[2], reason="sick_child",
                               key=key, recorded_by_id=None, now=today)
                else:
                    standing = list(db.scalars(standing_entries().where(
                        LedgerEntry.group_id == group.id).order_by(LedgerEntry.id)))
                    if standing:
                        reverse_entry(db, standing[op[1] % len(standing)],
                                      idempotency_key=f"{key}:rev", now=today)
                savepoint.commit()
            except LedgerError:
                savepoint.rollback()  # refused with its reason, and nothing written
            _check_sums(db, group, members, cycle_id)
        end = now + timedelta(days=7 * len(ops))
        for member in members:
            for loan in open_loans(db, member.id):
                repay(db, group, loan.entry, amount=loan.owed, key=f"{run}:pay:{loan.entry.id}",
                      recorded_by_id=None, now=end)
        fund = group_balance(db, group.id, cycle_id).loan_fund
        plan = preview(db, group, carry=min(carry, fund))
        if plan.total_shares == 0 and fund > min(carry, fund):
            return  # fines or charges but no shares: nothing to share by (refused)
        new = end_cycle(db, group, cycle_id=cycle_id, carry=min(carry, fund), key=f"{run}:end",
                        recorded_by=members[0], now=end)
        paid = db.scalar(select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(
            LedgerEntry.cycle_id == cycle_id, LedgerEntry.kind == "share_out"))
        assert paid == fund - min(carry, fund)  # to the franc
        assert group_balance(db, group.id, cycle_id).loan_fund == 0
        assert group_balance(db, group.id, new.id).loan_fund == min(carry, fund)
        # The health fund moved whole to the new cycle: what every cycle's entries add up to.
        assert group_balance(db, group.id, cycle_id).health_fund == 0
        assert group_balance(db, group.id, new.id).health_fund == _health_of_every_cycle(db, group)
        _check_sums(db, group, members, cycle_id)
        _check_sums(db, group, members, new.id)
    finally:
        db.rollback()

"""A member's balance screen and SMS statement in a group with ten years of weekly meetings.

Builds one group of 30 members with `--years` of weekly meetings (25 present each week: a share
purchase and a health-fund contribution each, 26 000 entries for ten years), closed by a
share-out every `--cycle-weeks` (a year by default, as VSLA cycles run; 0 keeps one cycle for
the whole time), then loans, repayments, fines, payouts and reversals in the current cycle,
plus `--other-groups` groups of the same size whose rows must not be read by this group's
queries. Then times, in process, the database work of one balance hop (member's sums, group
boxes, last purchase, open loans) and of one statement, and prints PostgreSQL's plans for the
group's boxes and the not-reversed query (index entries of this group's current cycle only).

    .venv/bin/python benchmarks/savings_ledger.py --database postgresql --years 10
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.report import write_results  # noqa: E402
from benchmarks.ussd_hop import prepare_database  # noqa: E402

MEMBERS, PRESENT = 30, 25


def build_group(db, name: str, years: int, now: datetime, cycle_weeks: int = 52):
    from sqlalchemy import insert

    from ussd_app.savings.groups import add_member, create_group, current_cycle
    from ussd_app.savings.ledger import reverse_entry
    from ussd_app.savings.loans import issue_loan, pay_health, record_fine, repay
    from ussd_app.savings.models import LedgerEntry, Meeting
    from ussd_app.savings.shareout import end_cycle

    start = now - timedelta(weeks=52 * years)
    group = create_group(db, name=name, share_value=500, health_fund_per_meeting=100, now=start)
    members = [add_member(db, group, phone=f"+2237{abs(hash(name)) % 900 + 100}{n:04d}",
                          name=f"Muso {n}", number=n, now=start) for n in range(1, MEMBERS + 1)]
    cycle = current_cycle(db, group.id)
    rows, weeks = [], 52 * years
    for week in range(weeks):
        day = start + timedelta(weeks=week)
        if cycle_weeks and week and week % cycle_weeks == 0:  # the year's share-out
            if rows:
                db.execute(insert(LedgerEntry), rows)
            rows = []
            cycle = end_cycle(db, group, cycle_id=cycle.id, carry=0, key=f"{name}:end:{week}",
                              recorded_by=members[0], now=day)
        meeting = Meeting(group_id=group.id, cycle_id=cycle.id, held_on=day.date(),
                          draft_key=f"{name}:{week}", created_at=day)
        db.add(meeting)
        db.flush()
        for member in members[(week % 5):(week % 5) + PRESENT]:
            for kind, amount, shares in (("shares", 1000, 2), ("health_fund", 100, 0)):
                rows.append({"group_id": group.id, "cycle_id": cycle.id, "member_id": member.id,
                             "meeting_id": meeting.id, "kind": kind, "shares": shares,
                             "amount": amount, "created_at": day,
                             "idempotency_key": f"{name}:{week}:{member.id}:{kind}"})
        if len(rows) > 5000:
            db.execute(insert(LedgerEntry), rows)
            rows = []
    if rows:
        db.execute(insert(LedgerEntry), rows)
    db.commit()
    for i, member in enumerate(members[:10]):
        loan = issue_loan(db, group, member, amount=20_000, months=3, key=f"{name}:loan:{i}",
                          recorded_by_id=None, now=now - timedelta(days=60))
        repay(db, group, loan, amount=5_000, key=f"{name}:repay:{i}", recorded_by_id=None, now=now)
        fine = record_fine(db, group, member, amount=100, key=f"{name}:fine:{i}",
                           recorded_by_id=None, now=now)
        reverse_entry(db, fine, idempotency_key=f"{name}:unfine:{i}", now=now)
        pay_health(db, group, member, amount=1_000, reason="anc", key=f"{name}:help:{i}",
                   recorded_by_id=None, now=now)
    db.commit()
    return group, members


def hop(db, group, member):
    from ussd_app.savings.groups import current_cycle
    from ussd_app.savings.ledger import group_balance, last_contribution, member_balance
    from ussd_app.savings.loans import open_loans

    cycle = current_cycle(db, group.id)
    member_balance(db, member.id, cycle.id)
    group_balance(db, group.id, cycle.id)
    last_contribution(db, member.id, cycle.id)
    open_loans(db, member.id, cycle.id)


def statement(db, group, member, n: int, now: datetime):
    from ussd_app.savings.recording import send_statement

    send_statement(db, group, member, key=f"bench:{n}", now=now)
    db.rollback()  # the SMS row is not kept: each run is the same work


def timed(fn, repeat: int) -> dict:
    samples = []
    for n in range(repeat):
        t0 = time.perf_counter()
        fn(n)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return {"median_ms": round(statistics.median(samples), 3),
            "p99_ms": round(samples[int(len(samples) * 0.99) - 1], 3)}


def plans(db, group_id: int, member_id: int, cycle_id: int) -> list[str]:
    from sqlalchemy import select, text

    from ussd_app.savings.ledger import _signed, standing_entries
    from ussd_app.savings.models import (HEALTH_FUND_IN, HEALTH_FUND_OUT, LOAN_FUND_IN,
                                         LOAN_FUND_OUT, LedgerEntry)

    boxes = select(_signed(LOAN_FUND_IN, LOAN_FUND_OUT), _signed(HEALTH_FUND_IN, HEALTH_FUND_OUT)
                   ).where(LedgerEntry.group_id == group_id, LedgerEntry.cycle_id == cycle_id)
    last = standing_entries().where(LedgerEntry.member_id == member_id,
                                    LedgerEntry.cycle_id == cycle_id,
                                    LedgerEntry.kind == "shares").order_by(LedgerEntry.id.desc()).limit(1)
    lines = []
    for query in (boxes, last):
        sql = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
        lines += [row[0] for row in db.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql))]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--cycle-weeks", type=int, default=52)
    parser.add_argument("--other-groups", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=300)
    args = parser.parse_args()

    from sqlalchemy import func, select, text

    from ussd_app.db import make_engine, make_session_factory
    from ussd_app.savings.groups import current_cycle
    from ussd_app.savings.ledger import group_balance
    from ussd_app.savings.models import LedgerEntry

    workdir = Path(tempfile.mkdtemp(prefix="bench-savings-"))
    url = prepare_database(args.database, workdir)
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    with make_session_factory(engine, phone_hash_key=b"benchmark-only-phone-hash-key")() as db:
        t0 = time.perf_counter()
        group, members = build_group(db, "Benkadi", args.years, now, args.cycle_weeks)
        for n in range(args.other_groups):
            build_group(db, f"Autre {n}", args.years, now, args.cycle_weeks)
        built = time.perf_counter() - t0
        if args.database == "postgresql":
            db.execute(text("ANALYZE savings_ledger"))  # plans from statistics, as in production
            db.commit()
        entries = db.scalar(select(func.count()).select_from(LedgerEntry)
                            .where(LedgerEntry.group_id == group.id))
        member = members[3]
        cycle_id = current_cycle(db, group.id).id
        result = {"database": args.database, "group_entries": entries,
                  "cycle_entries": db.scalar(select(func.count()).select_from(LedgerEntry).where(
                      LedgerEntry.group_id == group.id, LedgerEntry.cycle_id == cycle_id)),
                  "all_entries": db.scalar(select(func.count()).select_from(LedgerEntry)),
                  "build_s": round(built, 1),
                  "balance_hop": timed(lambda n: hop(db, group, member), args.repeat),
                  "boxes": timed(lambda n: group_balance(db, group.id, cycle_id), args.repeat),
                  "statement": timed(lambda n: statement(db, group, member, n, now), args.repeat)}
        print(result)
        if args.database == "postgresql":
            print("\n".join(plans(db, group.id, member.id, cycle_id)))
    engine.dispose()
    write_results("savings-ledger", args, [result])


if __name__ == "__main__":
    main()

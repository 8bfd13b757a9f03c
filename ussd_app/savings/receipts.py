"""SMS receipts and statements for members: short, in her language, GSM-7, one part.

Every message carries the reference of the entry it is about, to quote in a dispute.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from datetime import date, datetime

from ussd_app.savings.groups import short_name
from ussd_app.savings.ledger import MemberBalance, reference
from ussd_app.savings.models import LedgerEntry, Member, SavingsGroup
from ussd_app.sms.outbox import queue_sms
from ussd_app.sms.purposes import RECEIPT
from ussd_app.subscribers import find_by_phone
from ussd_app.text.i18n import LANGUAGES, N_, NP_, TN, T

GROUP_NAME_IN_SMS = 18  # keeps the longest receipt within one 160-character part

# Counts in words, in the form each language gives them ("1 part", "2 parts", "niyɔrɔ 2").
SHARES = NP_("{count} share", "{count} shares")
PURCHASES = NP_("{count} purchase", "{count} purchases")

MEETING = N_("{group} {date}: {shares} = {amount} + health fund {health}. "
             "Savings {total_shares} = {total}. Ref {ref}")
CONTRIBUTION = N_("{group} {date}: {shares} = {amount}. Savings {total_shares} = {total}. Ref {ref}")
CANCELLED = N_("{group}: entry {old_ref} ({shares}) cancelled. "
               "Savings {total_shares} = {total}. Ref {ref}")
CORRECTED = N_("{group}: entry {old_ref} corrected from {old_shares} to {shares}. "
               "Savings {total_shares} = {total}. Ref {ref}")
CANCELLED_WITH_HEALTH = N_("{group}: entry {old_ref} ({shares} + health fund) cancelled. "
                           "Savings {total_shares} = {total}. Ref {ref}")
STATEMENT = N_("{group} cycle {cycle}, {name}: savings {total} ({total_shares}, {purchases}). "
               "Health fund paid {health}. Last purchase {date}: {shares}.")
LOAN = N_("{group} {date}: loan {amount}. To repay {total} by {due}. Ref {ref}")
REPAYMENT = N_("{group} {date}: repaid {amount}. Still owed {owed}. Ref {ref}")
FINE = N_("{group} {date}: fine {amount}. Ref {ref}")
PAYOUT = N_("{group} {date}: health fund help {amount}. Get well soon. Ref {ref}")
SHARE_OUT = N_("{group} cycle {cycle}: your share-out {amount} for {shares}. Ref {ref}")
STATEMENT_LOANS = N_("{group} cycle {cycle}, {name}: loan to repay {owed}, next due {due}. "
                     "Fines paid {fines}.")
STATEMENT_FINES = N_("{group} cycle {cycle}, {name}: no loan. Fines paid {fines}.")
OVERDUE = N_("{group}: your loan was due on {due}. Still owed {owed}. "
             "Please see your treasurer. Thank you.")
STATEMENT_EMPTY = N_("{group} cycle {cycle}, {name}: no purchase yet this cycle. "
                     "Health fund paid {health}.")


def shares(count: int) -> TN:
    return TN(SHARES, count)


def xof(amount: int) -> str:
    """5000 -> "5 000 FCFA" (plain spaces: GSM-7)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,} FCFA".replace(",", " ")


def day_month(day: date) -> str:
    return day.strftime("%d/%m")


def language_of(db, phone: str) -> str:
    subscriber = find_by_phone(db, phone)
    if subscriber is not None and subscriber.language in LANGUAGES:
        return subscriber.language
    return "fr"


def _group(group: SavingsGroup) -> str:
    """The group's name, cut between words to fit the longest receipt in one part."""
    if len(group.name) <= GROUP_NAME_IN_SMS:
        return group.name
    head = group.name[:GROUP_NAME_IN_SMS + 1]
    return head.rsplit(" ", 1)[0] if " " in head else head[:GROUP_NAME_IN_SMS]


_SILENT = threading.local()


@contextmanager
def silenced():
    """No receipt inside (demo history: its phones are made up)."""
    _SILENT.on = True
    try:
        yield
    finally:
        _SILENT.on = False


def _send(db, member: Member, message: T, key: str, now: datetime) -> None:
    if getattr(_SILENT, "on", False):
        return
    queue_sms(db, recipient=member.phone, language=language_of(db, member.phone), message=message,
              kind="savings_receipt", purpose=RECEIPT, dedupe_key=f"savings:{key}", now=now)


def _totals(balance: MemberBalance) -> dict:
    return {"total_shares": shares(balance.shares), "total": xof(balance.savings)}


def purchase_receipt(db, group: SavingsGroup, member: Member, entry: LedgerEntry,
                     health: LedgerEntry | None, balance: MemberBalance, day: date) -> None:
    params = {"group": _group(group), "date": day_month(day), "shares": shares(entry.shares),
              "amount": xof(entry.amount), "ref": reference(entry.id), **_totals(balance)}
    if health is not None:
        message = T(MEETING, dict(params, health=xof(health.amount)))
    else:
        message = T(CONTRIBUTION, params)
    _send(db, member, message, entry.idempotency_key, entry.created_at)


def correction_receipt(db, group: SavingsGroup, member: Member, original: LedgerEntry,
                       reversal: LedgerEntry, replacement: LedgerEntry | None,
                       health_reversal: LedgerEntry | None, balance: MemberBalance) -> None:
    base = {"group": _group(group), "old_ref": reference(original.id), **_totals(balance)}
    if replacement is not None:
        message = T(CORRECTED, dict(base, old_shares=original.shares, shares=shares(replacement.shares),
                                    ref=reference(replacement.id)))
    else:
        msgid = CANCELLED_WITH_HEALTH if health_reversal is not None else CANCELLED
        message = T(msgid, dict(base, shares=shares(original.shares), ref=reference(reversal.id)))
    _send(db, member, message, reversal.idempotency_key, reversal.created_at)


def statement(db, group: SavingsGroup, member: Member, cycle_number: int, purchases: int,
              balance: MemberBalance, last: LedgerEntry | None, key: str, now: datetime) -> None:
    params = {"group": _group(group), "cycle": cycle_number, "name": short_name(member.name),
              "health": xof(balance.health_paid)}
    if last is None:
        message = T(STATEMENT_EMPTY, params)
    else:
        message = T(STATEMENT, {**params, **_totals(balance), "purchases": TN(PURCHASES, purchases),
                                "date": day_month(last.created_at.date()),
                                "shares": shares(last.shares)})
    _send(db, member, message, key, now)


def _simple(db, group: SavingsGroup, member: Member, entry: LedgerEntry, msgid: str, **extra):
    params = {"group": _group(group), "date": day_month(entry.created_at.date()),
              "amount": xof(entry.amount), "ref": reference(entry.id), **extra}
    _send(db, member, T(msgid, params), entry.idempotency_key, entry.created_at)


def loan_receipt(db, group, member, entry, total: int, due: date) -> None:
    _simple(db, group, member, entry, LOAN, total=xof(total), due=due.strftime("%d/%m/%y"))


def repayment_receipt(db, group, member, entry, paid: int, owed: int) -> None:
    params = {"group": _group(group), "date": day_month(entry.created_at.date()),
              "amount": xof(paid), "owed": xof(owed), "ref": reference(entry.id)}
    _send(db, member, T(REPAYMENT, params), entry.idempotency_key, entry.created_at)


def fine_receipt(db, group, member, entry) -> None:
    _simple(db, group, member, entry, FINE)


def payout_receipt(db, group, member, entry) -> None:
    _simple(db, group, member, entry, PAYOUT)


def share_out_receipt(db, group, member, entry, cycle_number: int, share_count: int) -> None:
    _simple(db, group, member, entry, SHARE_OUT, cycle=cycle_number, shares=shares(share_count))


def overdue_reminder(db, group, member, loan_id: int, due: date, owed: int, now: datetime) -> None:
    """One polite reminder per loan, ever (the outbox's dedupe key), to her phone only."""
    message = T(OVERDUE, {"group": _group(group), "due": due.strftime("%d/%m/%y"), "owed": xof(owed)})
    _send(db, member, message, f"overdue:{loan_id}", now)


def loans_statement(db, group, member, cycle_number: int, owed: int, due: date | None, fines: int,
                    key: str, now: datetime) -> None:
    """The second part of her statement, when she has a loan or paid fines."""
    params = {"group": _group(group), "cycle": cycle_number, "name": short_name(member.name),
              "fines": xof(fines)}
    if due is not None:
        message = T(STATEMENT_LOANS, dict(params, owed=xof(owed), due=due.strftime("%d/%m/%y")))
    else:
        message = T(STATEMENT_FINES, params)
    _send(db, member, message, key, now)

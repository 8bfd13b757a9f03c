"""SMS receipts and statements for members: short, in her language, GSM-7, one part.

Every message carries the reference of the entry it is about, to quote in a dispute.
"""

from __future__ import annotations

from datetime import date, datetime

from ussd_app.savings.ledger import MemberBalance, reference
from ussd_app.savings.models import LedgerEntry, Member, SavingsGroup
from ussd_app.sms.outbox import queue_sms
from ussd_app.sms.purposes import RECEIPT
from ussd_app.subscribers import find_by_phone
from ussd_app.text.i18n import LANGUAGES, N_, T, translate

GROUP_NAME_IN_SMS = 18  # keeps the longest receipt within one 160-character part

MEETING = N_("{group} {date}: {shares} shares = {amount} + health fund {health}. "
             "Savings {total_shares} shares = {total}. Ref {ref}")
CONTRIBUTION = N_("{group} {date}: {shares} shares = {amount}. "
                  "Savings {total_shares} shares = {total}. Ref {ref}")
CANCELLED = N_("{group}: entry {old_ref} ({shares} shares) cancelled. "
               "Savings {total_shares} shares = {total}. Ref {ref}")
CORRECTED = N_("{group}: entry {old_ref} corrected from {old_shares} to {shares} shares. "
               "Savings {total_shares} shares = {total}. Ref {ref}")
CANCELLED_WITH_HEALTH = N_("{group}: entry {old_ref} ({shares} shares + health fund) cancelled. "
                           "Savings {total_shares} shares = {total}. Ref {ref}")
STATEMENT = N_("{group} cycle {cycle}, {name}: {count} purchases, {total_shares} shares = {total}. "
               "Health fund paid {health}. Last: {last}")
NO_PURCHASE = N_("no purchase yet")


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
    return group.name[:GROUP_NAME_IN_SMS]


def _send(db, member: Member, message: T, key: str, now: datetime) -> None:
    queue_sms(db, recipient=member.phone, language=language_of(db, member.phone), message=message,
              kind="savings_receipt", purpose=RECEIPT, dedupe_key=f"savings:{key}", now=now)


def _totals(balance: MemberBalance) -> dict:
    return {"total_shares": balance.shares, "total": xof(balance.savings)}


def purchase_receipt(db, group: SavingsGroup, member: Member, entry: LedgerEntry,
                     health: LedgerEntry | None, balance: MemberBalance, day: date) -> None:
    params = {"group": _group(group), "date": day_month(day), "shares": entry.shares,
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
        message = T(CORRECTED, dict(base, old_shares=original.shares, shares=replacement.shares,
                                    ref=reference(replacement.id)))
    else:
        msgid = CANCELLED_WITH_HEALTH if health_reversal is not None else CANCELLED
        message = T(msgid, dict(base, shares=original.shares, ref=reference(reversal.id)))
    _send(db, member, message, reversal.idempotency_key, reversal.created_at)


def statement(db, group: SavingsGroup, member: Member, cycle_number: int, purchases: int,
              balance: MemberBalance, last: LedgerEntry | None, key: str, now: datetime) -> None:
    lang = language_of(db, member.phone)
    if last is not None:
        last_text = f"{day_month(last.created_at.date())} {last.shares} = {xof(last.amount)}"
    else:
        last_text = translate(lang, NO_PURCHASE)
    message = T(STATEMENT, {"group": _group(group), "cycle": cycle_number, "name": member.name[:20],
                            "count": purchases, "health": xof(balance.health_paid),
                            "last": last_text, **_totals(balance)})
    _send(db, member, message, key, now)

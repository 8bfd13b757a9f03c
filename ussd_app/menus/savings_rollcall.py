"""Meeting roll-call: one screen per member ("07 Awa T. shares? 0=absent"), a summary, confirm.

The draft lives in the session data, so a dropped session resumes it after the PIN; its key
is fixed when the draft starts, and one meeting per group and day is allowed, so confirming
twice (or from two sessions) writes the meeting once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ussd_app.menus.render import BODY_LIMIT
from ussd_app.menus.savings_access import GATE, me, my_group
from ussd_app.menus.screens import Branch, End, Go, Invalid, Menu, Option, Prompt
from ussd_app.savings.effects import SaveMeeting
from ussd_app.savings.groups import member_by_number, member_label, meeting_on, roster
from ussd_app.savings.models import Member
from ussd_app.savings.receipts import day_month, xof
from ussd_app.savings.recording import draft_key
from ussd_app.sms.optout import refusing
from ussd_app.sms.purposes import RECEIPT
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import N_, T, translate

START = "savings.roll.start"
MEMBER = "savings.roll.member"
SUMMARY = "savings.roll.summary"
SAVE = "savings.roll.save"
DONE = "savings.roll.done"
ALREADY = "savings.roll.already"
FIX_NUMBER = "savings.roll.fix_number"
FIX_SHARES = "savings.roll.fix_shares"


def _draft(s) -> dict:
    return s.data["roll"]


def _start(ctx, s) -> Go:
    group = my_group(ctx, s)
    today = ctx.now.date()
    if meeting_on(ctx.db, group.id, today) is not None:
        return Go(ALREADY)
    draft = s.data.get("roll")
    if draft and draft["group"] == group.id and draft["day"] == today.isoformat():
        return Go(SUMMARY if len(draft["shares"]) == len(draft["ids"]) else MEMBER)
    draft = {"group": group.id, "day": today.isoformat(),
             "key": draft_key(group.id, today, f"{s.id}:{len(s.inputs)}"),
             "ids": [m.id for m in roster(ctx.db, group.id)], "shares": []}
    return Go(MEMBER, data={"roll": draft})


def _share_range(ctx, s) -> dict:
    group = my_group(ctx, s)
    return {"min": group.min_shares, "max": group.max_shares}


def _parse_shares(value, ctx, s) -> int:
    limits = _share_range(ctx, s)
    if value.isdigit() and (int(value) == 0 or limits["min"] <= int(value) <= limits["max"]):
        return int(value)
    raise Invalid(T(N_("Enter {min} to {max} shares, or 0 if absent."), limits))


def _ask_shares(member: Member, limits: dict):
    return T(N_("{member} shares? {min}-{max}, 0=absent"), {"member": member_label(member), **limits})


def _member_text(ctx, s):
    draft = _draft(s)
    member = ctx.db.get(Member, draft["ids"][len(draft["shares"])])
    return _ask_shares(member, _share_range(ctx, s))


def _record_shares(ctx, s, shares: int) -> Go:
    draft = dict(_draft(s), shares=[*_draft(s)["shares"], shares])
    if len(draft["shares"]) == len(draft["ids"]):
        return Go(SUMMARY, data={"roll": draft}, reset_history=True)
    return Go(MEMBER, data={"roll": draft})


def totals(ctx, s) -> dict:
    draft, group = _draft(s), my_group(ctx, s)
    present = sum(1 for n in draft["shares"] if n > 0)
    shares = sum(draft["shares"])
    return {"date": day_month(date.fromisoformat(draft["day"])), "present": present,
            "absent": len(draft["shares"]) - present, "shares": shares,
            "amount": xof(shares * group.share_value),
            "health": xof(present * group.health_fund_per_meeting)}


def _summary_text(ctx, s):
    return T(N_("Meeting {date}: {present} present, {absent} absent. {shares} shares = {amount}. "
                "Health fund {health}."), totals(ctx, s))


NAMES_SHOWN = 2  # at most; fewer when long names would not fit the screen


def _done_text(ctx, s):
    """Who gets no receipt, when someone present stopped every SMS; else that all get one."""
    draft = _draft(s)
    present = [i for i, n in zip(draft["ids"], draft["shares"]) if n > 0]
    members = list(ctx.db.scalars(select(Member).where(Member.id.in_(present)).order_by(Member.number)))
    silent = refusing(ctx.db, [m.phone for m in members], RECEIPT)
    labels = [member_label(m) for m in members if m.phone in silent]
    if not labels:
        return T(N_("Meeting of {date} recorded: {shares} shares = {amount}, "
                    "health fund {health}. Members get an SMS receipt."), totals(ctx, s))
    for shown in range(min(NAMES_SHOWN, len(labels)), 0, -1):
        names = ", ".join(labels[:shown]) + (f" +{len(labels) - shown}" if len(labels) > shown else "")
        text = T(N_("Meeting of {date} recorded: {shares} shares = {amount}, health fund {health}. "
                    "No SMS receipt for {names} (SMS stopped)."), dict(totals(ctx, s), names=names))
        if len(to_gsm(translate(s.lang or "fr", text))) <= BODY_LIMIT:
            break
    return text


def _save(ctx, s) -> Go:
    draft = _draft(s)
    day = date.fromisoformat(draft["day"])
    recorded = meeting_on(ctx.db, draft["group"], day)
    if recorded is not None and recorded.draft_key != draft["key"]:
        return Go(ALREADY)
    effect = SaveMeeting(draft["group"], day, draft["key"], tuple(zip(draft["ids"], draft["shares"])),
                         me(ctx, s).id)
    return Go(DONE, effects=(effect,), reset_history=True)


def _parse_fix_number(value, ctx, s) -> int:
    draft = _draft(s)
    member = member_by_number(ctx.db, draft["group"], int(value)) if value.isdigit() else None
    if member is None or member.id not in draft["ids"]:
        raise Invalid(N_("No member has this number."))
    return draft["ids"].index(member.id)


def _fix_shares_text(ctx, s):
    draft = _draft(s)
    return _ask_shares(ctx.db.get(Member, draft["ids"][s.data["roll_fix"]]), _share_range(ctx, s))


def _fix_shares(ctx, s, shares: int) -> Go:
    draft = _draft(s)
    changed = list(draft["shares"])
    changed[s.data["roll_fix"]] = shares
    return Go(SUMMARY, data={"roll": dict(draft, shares=changed)}, drop=("roll_fix",),
              reset_history=True)


def screens():
    return [
        Branch(START, _start, targets=[ALREADY, MEMBER, SUMMARY]),
        Prompt(MEMBER, _member_text, _parse_shares, _record_shares, targets=[MEMBER, SUMMARY],
               accepts_zero=True, resume_gate=GATE, examples=["2", "0"]),
        Menu(SUMMARY, _summary_text, [Option(N_("Confirm"), SAVE),
                                      Option(N_("Change a member"), FIX_NUMBER)],
             resume_gate=GATE),
        Prompt(FIX_NUMBER, N_("Number of the member to change?"), _parse_fix_number,
               lambda ctx, s, index: Go(FIX_SHARES, data={"roll_fix": index}),
               targets=[FIX_SHARES], resume_gate=GATE, examples=["7"]),
        Prompt(FIX_SHARES, _fix_shares_text, _parse_shares, _fix_shares, targets=[SUMMARY],
               accepts_zero=True, resume_gate=GATE, examples=["3"]),
        Branch(SAVE, _save, targets=[DONE, ALREADY]),
        End(DONE, _done_text),
        End(ALREADY, N_("Today's meeting is already recorded. To fix an entry, use Correct an entry.")),
    ]

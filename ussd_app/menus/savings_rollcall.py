"""Meeting roll-call: one screen per member ("07 Awa T. shares? 0=absent"), a summary, confirm.

"0" is an answer here (absent), so these screens show no "0 Back": "99" goes back one member
(from the first, back to the menu), and a share count is never 99 (at most 9 per meeting).
The draft lives in the session data, so a dropped session resumes it after the PIN; its key
is fixed when the draft starts, and one meeting per group and day is allowed, so confirming
twice (or from two sessions) writes the meeting once.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ussd_app.menus.render import BODY_LIMIT
from ussd_app.menus.savings_access import GATE, TREASURER_MENU, me, my_group
from ussd_app.menus.screens import Branch, End, Go, Invalid, Menu, Option, Prompt
from ussd_app.savings.effects import SaveMeeting
from ussd_app.savings.groups import member_by_number, member_label, meeting_on, roster
from ussd_app.savings.models import Member
from ussd_app.savings.receipts import day_month, shares, xof
from ussd_app.savings.recording import draft_key
from ussd_app.sms.optout import refusing
from ussd_app.sms.purposes import RECEIPT
from ussd_app.text.gsm import to_gsm
from ussd_app.text.i18n import N_, NP_, TN, T, translate
from ussd_app.text.keypad import as_number

START = "savings.roll.start"
MEMBER = "savings.roll.member"
SUMMARY = "savings.roll.summary"
SAVE = "savings.roll.save"
DONE = "savings.roll.done"
ALREADY = "savings.roll.already"
FIX_NUMBER = "savings.roll.fix_number"
FIX_SHARES = "savings.roll.fix_shares"
CONTINUE = N_("Continue the roll-call?")  # asked when the treasurer dials again after a drop

PREVIOUS = "99"  # back one member: "0" means absent on these screens
PREVIOUS_MEMBER = N_("99 Previous member")
LEAVE = N_("99 Back")
PRESENT = NP_("{count} present", "{count} present")
ABSENT = NP_("{count} absent", "{count} absent")


def _draft(s) -> dict:
    return s.data["roll"]


def _start(ctx, s) -> Go:
    group = my_group(ctx, s)
    today = ctx.now.date()
    if meeting_on(ctx.db, group.id, today) is not None:
        return Go(ALREADY)
    draft = s.data.get("roll")
    if draft and draft["group"] == group.id and draft["day"] == today.isoformat():
        done = len(draft["shares"]) == len(draft["ids"])
        return Go(SUMMARY if done else MEMBER, reset_history=True)
    draft = {"group": group.id, "day": today.isoformat(),
             "key": draft_key(group.id, today, f"{s.id}:{len(s.inputs)}"),
             "ids": [m.id for m in roster(ctx.db, group.id)], "shares": []}
    # No history: "0" is an answer on the member screens, never "back" (see PREVIOUS).
    return Go(MEMBER, data={"roll": draft}, reset_history=True)


def _share_range(ctx, s) -> dict:
    group = my_group(ctx, s)
    return {"min": group.min_shares, "max": group.max_shares}


def _parse_shares(value, ctx, s) -> int | None:
    """Her shares (0 if absent), or None for PREVIOUS."""
    if value == PREVIOUS:
        return None
    limits = _share_range(ctx, s)
    shares = as_number(value)
    if shares is not None and (shares == 0 or limits["min"] <= shares <= limits["max"]):
        return shares
    raise Invalid(T(N_("Enter {min} to {max} shares, or 0 if absent."), limits))


def _ask_shares(member: Member, limits: dict, back: str):
    return [T(N_("{member} shares? {min}-{max}, 0=absent"), {"member": member_label(member), **limits}),
            back]


def _member_text(ctx, s):
    draft = _draft(s)
    member = ctx.db.get(Member, draft["ids"][len(draft["shares"])])
    return _ask_shares(member, _share_range(ctx, s), PREVIOUS_MEMBER if draft["shares"] else LEAVE)


def _record_shares(ctx, s, count: int | None) -> Go:
    done = _draft(s)["shares"]
    if count is None:  # back one member; from the first, back to the menu (the draft is kept)
        if not done:
            return Go(TREASURER_MENU, reset_history=True)
        return Go(MEMBER, data={"roll": dict(_draft(s), shares=done[:-1])})
    draft = dict(_draft(s), shares=[*done, count])
    if len(draft["shares"]) == len(draft["ids"]):
        return Go(SUMMARY, data={"roll": draft}, reset_history=True)
    return Go(MEMBER, data={"roll": draft})


def totals(ctx, s) -> dict:
    draft, group = _draft(s), my_group(ctx, s)
    present = sum(1 for n in draft["shares"] if n > 0)
    bought = sum(draft["shares"])
    return {"date": day_month(date.fromisoformat(draft["day"])), "present": TN(PRESENT, present),
            "absent": TN(ABSENT, len(draft["shares"]) - present), "shares": shares(bought),
            "amount": xof(bought * group.share_value),
            "health": xof(present * group.health_fund_per_meeting)}


def _summary_text(ctx, s):
    return T(N_("Meeting {date}: {present}, {absent}. {shares} = {amount}. Health fund {health}."),
             totals(ctx, s))


NAMES_SHOWN = 2  # at most; fewer when long names would not fit the screen


def _done_text(ctx, s):
    """Who gets no receipt, when someone present stopped every SMS; else that all get one."""
    draft = _draft(s)
    present = [i for i, n in zip(draft["ids"], draft["shares"]) if n > 0]
    members = list(ctx.db.scalars(select(Member).where(Member.id.in_(present)).order_by(Member.number)))
    silent = refusing(ctx.db, [m.phone for m in members], RECEIPT)
    labels = [member_label(m) for m in members if m.phone in silent]
    if not labels:
        return T(N_("Meeting of {date} recorded: {shares} = {amount}, "
                    "health fund {health}. Members get an SMS receipt."), totals(ctx, s))
    for shown in range(min(NAMES_SHOWN, len(labels)), 0, -1):
        names = ", ".join(labels[:shown]) + (f" +{len(labels) - shown}" if len(labels) > shown else "")
        text = T(N_("Meeting of {date} recorded: {shares} = {amount}, health fund {health}. "
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
    number = as_number(value)
    member = member_by_number(ctx.db, draft["group"], number) if number is not None else None
    if member is None or member.id not in draft["ids"]:
        raise Invalid(N_("No member has this number."))
    return draft["ids"].index(member.id)


def _fix_shares_text(ctx, s):
    draft = _draft(s)
    return _ask_shares(ctx.db.get(Member, draft["ids"][s.data["roll_fix"]]), _share_range(ctx, s),
                       LEAVE)


def _fix_shares(ctx, s, count: int | None) -> Go:
    draft = _draft(s)
    changed = list(draft["shares"])
    if count is not None:  # PREVIOUS: back to the summary unchanged
        changed[s.data["roll_fix"]] = count
    return Go(SUMMARY, data={"roll": dict(draft, shares=changed)}, drop=("roll_fix",),
              reset_history=True)


def screens():
    return [
        Branch(START, _start, targets=[ALREADY, MEMBER, SUMMARY]),
        Prompt(MEMBER, _member_text, _parse_shares, _record_shares,
               targets=[MEMBER, SUMMARY, TREASURER_MENU], accepts_zero=True, resume_gate=GATE,
               resumable=CONTINUE, examples=["2", "0", PREVIOUS]),
        Menu(SUMMARY, _summary_text, [Option(N_("Confirm"), SAVE),
                                      Option(N_("Change a member"), FIX_NUMBER)],
             resume_gate=GATE, resumable=CONTINUE),
        Prompt(FIX_NUMBER, N_("Number of the member to change?"), _parse_fix_number,
               lambda ctx, s, index: Go(FIX_SHARES, data={"roll_fix": index}, reset_history=True),
               targets=[FIX_SHARES], resume_gate=GATE, resumable=CONTINUE, examples=["7"]),
        Prompt(FIX_SHARES, _fix_shares_text, _parse_shares, _fix_shares, targets=[SUMMARY],
               accepts_zero=True, resume_gate=GATE, resumable=CONTINUE, examples=["3", PREVIOUS]),
        Branch(SAVE, _save, targets=[DONE, ALREADY]),
        End(DONE, _done_text),
        End(ALREADY, N_("Today's meeting is already recorded. To fix an entry, use Correct an entry.")),
    ]

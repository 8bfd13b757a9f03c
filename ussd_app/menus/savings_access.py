"""My group → PIN: set on first use (typed twice), entered afterwards, locked after 3 wrong tries.

The typed PIN is checked in `parse` and never stored in the session: a new PIN is kept as its
argon2 hash until it is confirmed, and a good PIN leaves only `auth_member` (the member's id).
"""

from __future__ import annotations

from datetime import datetime

from ussd_app.menus.screens import Branch, End, Go, Invalid, Prompt
from ussd_app.savings import pins
from ussd_app.savings.effects import PinFailed, PinSucceeded, SetPin
from ussd_app.savings.groups import member_by_phone
from ussd_app.savings.models import Member, PinCredential, SavingsGroup
from ussd_app.text.i18n import N_, T

GATE = "savings.access"
HOME = "savings.home"
PIN = "savings.pin"
NEW_PIN = "savings.pin_new"
PIN_AGAIN = "savings.pin_again"
LOCKED = "savings.locked"
MAIN = "main"
TREASURER_MENU = "savings.treasurer"
MEMBER_SCREEN = "savings.member"
# Screens a dropped session may resume at, once the PIN is given again (see resume_gate).
RESUMABLE = ("savings.roll.member", "savings.roll.summary", "savings.roll.fix_number",
             "savings.roll.fix_shares")
AFTER_PIN = (HOME, *RESUMABLE)


def is_group_member(ctx, s) -> bool:
    # Asked each time the main menu is drawn; kept for the session, which spares a query on
    # most hops. A member added meanwhile sees "My group" from her next dial; one removed
    # meanwhile is refused at the PIN, which looks the member up again.
    if "_member" not in s.data:
        s.data["_member"] = member_by_phone(ctx.db, s.phone) is not None
    return s.data["_member"]


def me(ctx, s) -> Member:
    """The member this session proved to be (by PIN)."""
    return ctx.db.get(Member, s.data["auth_member"])


def my_group(ctx, s) -> SavingsGroup:
    return ctx.db.get(SavingsGroup, me(ctx, s).group_id)


def _credential(ctx, s) -> tuple[Member | None, PinCredential | None]:
    member = member_by_phone(ctx.db, s.phone)
    return member, (ctx.db.get(PinCredential, member.id) if member else None)


def _after_pin(s) -> str:
    return s.data.get("_resume_after") or HOME


def bamako_time(moment: datetime, now: datetime) -> str:
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    return moment.strftime("%d/%m %H:%M")


def _decide(ctx, s) -> Go:
    member = member_by_phone(ctx.db, s.phone)
    if member is None:  # removed from the group since the menu was shown
        return Go(MAIN)
    credential = ctx.db.get(PinCredential, member.id)
    if pins.is_locked(credential, ctx.now):
        return Go(LOCKED)
    return Go(PIN if credential.pin_hash else NEW_PIN)


def _locked_text(ctx, s):
    # A lock set by this very hop is not in the database yet when the screen is drawn.
    until = s.data.get("locked_until")
    until = datetime.fromisoformat(until) if until else _credential(ctx, s)[1].locked_until
    return T(N_("Too many wrong PINs. Try again after {time}."), {"time": bamako_time(until, ctx.now)})


# --- entering the PIN --------------------------------------------------------------------

def _pin_text(ctx, s):
    left = s.data.get("pin_tries_left")
    ask = N_("Enter your group PIN (4 digits)")
    return [T(N_("Wrong PIN. {left} tries left."), {"left": left}), ask] if left else ask


def _check_pin(value, ctx, s):
    member, credential = _credential(ctx, s)
    if member is None:
        return ("gone", None, None)
    if pins.is_locked(credential, ctx.now):
        return ("locked", member.id, None)
    if pins.pin_matches(credential.pin_hash, value):
        return ("ok", member.id, None)
    return ("wrong", member.id, credential)


def _after_check(ctx, s, checked) -> Go:
    outcome, member_id, credential = checked
    if outcome == "gone":
        return Go(MAIN)
    if outcome == "locked":
        return Go(LOCKED, drop=("pin_tries_left",))
    if outcome == "ok":
        return Go(_after_pin(s), data={"auth_member": member_id}, reset_history=True,
                  drop=("pin_tries_left", "_resume_after"), effects=(PinSucceeded(member_id),))
    left = pins.tries_left(credential) - 1
    if left <= 0:
        until = ctx.now + pins.lock_length(credential.lock_count)
        return Go(LOCKED, data={"locked_until": until.isoformat()}, effects=(PinFailed(member_id),))
    return Go(PIN, data={"pin_tries_left": left}, effects=(PinFailed(member_id),))


# --- choosing a new PIN ------------------------------------------------------------------

def _new_pin_text(ctx, s):
    ask = N_("Choose a 4-digit PIN for your group: not 4 same digits, no run like 1234, no 1212.")
    return [N_("The two PINs were different."), ask] if s.data.get("pin_mismatch") else ask


def _parse_new_pin(value, ctx, s) -> str:
    problem = pins.pin_problem(value)
    if problem:
        raise Invalid(problem)
    return pins.hash_pin(value)


def _parse_pin_again(value, ctx, s) -> bool:
    return pins.pin_matches(s.data.get("auth_new_pin"), value)


def _after_pin_again(ctx, s, same: bool) -> Go:
    if not same:
        return Go(NEW_PIN, data={"pin_mismatch": True}, drop=("auth_new_pin",))
    member = member_by_phone(ctx.db, s.phone)
    return Go(_after_pin(s), data={"auth_member": member.id}, reset_history=True,
              drop=("auth_new_pin", "pin_mismatch", "_resume_after"),
              effects=(SetPin(member.id, s.data["auth_new_pin"]),))


def _home(ctx, s) -> Go:
    role = me(ctx, s).role
    return Go(TREASURER_MENU if role in ("treasurer", "president") else MEMBER_SCREEN)


def walk_phones(db) -> list[str]:
    from ussd_app.savings.demo import demo_phones

    return demo_phones(db)


walk_answers = {PIN: ["4827"], "savings.contrib.number": ["1"], "savings.roll.fix_number": ["1"],
                "savings.fix.shares": ["4"]}


def screens():
    return [
        Branch(GATE, _decide, targets=[MAIN, LOCKED, PIN, NEW_PIN]),
        End(LOCKED, _locked_text),
        Prompt(PIN, _pin_text, _check_pin, _after_check, targets=[*AFTER_PIN, PIN, LOCKED, MAIN],
               secret=True, resumable=False, examples=["4827"]),
        Prompt(NEW_PIN, _new_pin_text, _parse_new_pin,
               lambda ctx, s, pin_hash: Go(PIN_AGAIN, data={"auth_new_pin": pin_hash},
                                           drop=("pin_mismatch",)),
               targets=[PIN_AGAIN], secret=True, resumable=False, examples=["4827"]),
        Prompt(PIN_AGAIN, N_("Enter the same PIN again"), _parse_pin_again, _after_pin_again,
               targets=[*AFTER_PIN, NEW_PIN], secret=True, resumable=False, examples=["4827"]),
        Branch(HOME, _home, targets=[TREASURER_MENU, MEMBER_SCREEN]),
    ]


"""My group → PIN: set on first use (typed twice), entered afterwards, locked after 3 wrong tries.

The typed PIN is checked in `parse` and never stored in the session: a new PIN waits as its
argon2 hash in the database until it is confirmed, and a good PIN leaves only `auth_member`
(the member's id). Each check first counts a try in a transaction of its own (pins.claim_try),
and a PIN is only ever checked as typed at this hop: a replayed session stops at these screens.
"""

from __future__ import annotations

from datetime import datetime

from ussd_app.menus.screens import Branch, Choice, End, Go, Invalid, Prompt, Raw
from ussd_app.savings import pins
from ussd_app.savings.effects import ClearPendingPin, PinSucceeded, SetPendingPin, SetPin
from ussd_app.savings.groups import member_by_phone, memberships
from ussd_app.savings.models import Member, PinCredential, SavingsGroup
from ussd_app.text.i18n import N_, NP_, TN, T

GATE = "savings.access"
HOME = "savings.home"
PIN = "savings.pin"
NEW_PIN = "savings.pin_new"
PIN_AGAIN = "savings.pin_again"
LOCKED = "savings.locked"
MAIN = "main"
TREASURER_MENU = "savings.treasurer"
MEMBER_SCREEN = "savings.member"
PICK_GROUP = "savings.pick_group"  # a woman in several groups says which one, after her PIN
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


def _signed_in(ctx, s, member_id: int) -> dict:
    """Who she is after her PIN: back in a dropped roll-call, her membership of that group."""
    draft = s.data.get("roll")
    if s.data.get("_resume_after") and draft:
        resumed = member_by_phone(ctx.db, s.phone, group_id=draft["group"])
        if resumed is not None:
            return {"auth_member": resumed.id, "group_picked": True}
    return {"auth_member": member_id}


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
    # A lock set by this very hop's try: the hop's own database session may hold an older copy.
    until = s.data.get("locked_until")
    until = datetime.fromisoformat(until) if until else _credential(ctx, s)[1].locked_until
    return T(N_("Too many wrong PINs. Try again after {time}."), {"time": bamako_time(until, ctx.now)})


# --- entering the PIN --------------------------------------------------------------------

def _pin_text(ctx, s):
    left = s.data.get("pin_tries_left")
    ask = N_("Enter your group PIN (4 digits)")
    return [TN(NP_("Wrong PIN. {count} try left.", "Wrong PIN. {count} tries left."), left), ask] if left else ask


def _check_pin(value, ctx, s):
    if not pins.is_pin_shaped(value):  # nothing to check: no try spent
        raise Invalid(pins.NOT_FOUR_DIGITS)
    if ctx.own_transaction is None:
        raise RuntimeError("a PIN is checked only at the hop that brings it, never replayed")
    # The try is counted and committed before argon2 runs, whatever becomes of this hop.
    with ctx.own_transaction() as own:
        member = member_by_phone(own, s.phone)
        tried = pins.claim_try(own, member.id, ctx.now) if member is not None else None
    if member is None:
        return ("gone", None, None)
    if tried is None:
        return ("locked", member.id, None)
    if pins.pin_matches(tried.pin_hash, value):
        rehashed = pins.hash_pin(value) if pins.needs_rehash(tried.pin_hash) else None
        return ("ok", member.id, rehashed)
    return ("wrong", member.id, tried)


def _after_check(ctx, s, checked) -> Go:
    outcome, member_id, detail = checked
    if outcome == "gone":
        return Go(MAIN)
    if outcome == "locked":
        return Go(LOCKED, drop=("pin_tries_left",))
    if outcome == "ok":
        return Go(_after_pin(s), data=_signed_in(ctx, s, member_id), reset_history=True,
                  drop=("pin_tries_left", "_resume_after"), effects=(PinSucceeded(member_id, detail),))
    if detail.locked_until is not None:
        return Go(LOCKED, data={"locked_until": detail.locked_until.isoformat()})
    return Go(PIN, data={"pin_tries_left": detail.tries_left})


# --- choosing a new PIN ------------------------------------------------------------------

def _new_pin_text(ctx, s):
    ask = N_("Choose a 4-digit PIN for your group: not 4 same digits, no run like 1234, no 1212.")
    return [N_("The two PINs were different."), ask] if s.data.get("pin_mismatch") else ask


def _parse_new_pin(value, ctx, s) -> str:
    problem = pins.pin_problem(value)
    if problem:
        raise Invalid(problem)
    return pins.hash_pin(value)


def _after_new_pin(ctx, s, pin_hash: str) -> Go:
    member = member_by_phone(ctx.db, s.phone)
    if member is None:
        return Go(MAIN)
    return Go(PIN_AGAIN, drop=("pin_mismatch",), effects=(SetPendingPin(member.id, pin_hash),))


def _parse_pin_again(value, ctx, s) -> tuple[int, str | None] | None:
    """(member id, the pending hash if this PIN matches it), or None when she left the group."""
    member, credential = _credential(ctx, s)
    if member is None:
        return None
    pending = pins.pending_hash(credential, ctx.now)
    return member.id, (pending if pins.pin_matches(pending, value) else None)


def _after_pin_again(ctx, s, checked) -> Go:
    if checked is None:
        return Go(MAIN)
    member_id, confirmed = checked
    if confirmed is None:
        return Go(NEW_PIN, data={"pin_mismatch": True}, effects=(ClearPendingPin(member_id),))
    return Go(_after_pin(s), data=_signed_in(ctx, s, member_id), reset_history=True,
              drop=("pin_mismatch", "_resume_after"), effects=(SetPin(member_id, confirmed),))


def _home(ctx, s) -> Go:
    # One PIN per phone (her first membership's): it proves who she is for each of her groups.
    if not s.data.get("group_picked") and len(memberships(ctx.db, s.phone)) > 1:
        return Go(PICK_GROUP)
    role = me(ctx, s).role
    return Go(TREASURER_MENU if role in ("treasurer", "president") else MEMBER_SCREEN)


def _groups(ctx, s):
    return [(Raw(ctx.db.get(SavingsGroup, m.group_id).name[:30]), m.id)
            for m in memberships(ctx.db, s.phone)]


def _pick(ctx, s, member_id: int) -> Go:
    return Go(HOME, data={"auth_member": member_id, "group_picked": True})


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
               secret=True, examples=["4827"]),
        Prompt(NEW_PIN, _new_pin_text, _parse_new_pin, _after_new_pin, targets=[PIN_AGAIN, MAIN],
               secret=True, examples=["4827"]),
        Prompt(PIN_AGAIN, N_("Enter the same PIN again"), _parse_pin_again, _after_pin_again,
               targets=[*AFTER_PIN, NEW_PIN, MAIN], secret=True, examples=["4827"]),
        Branch(HOME, _home, targets=[TREASURER_MENU, MEMBER_SCREEN, PICK_GROUP]),
        Choice(PICK_GROUP, N_("Which group?"), _groups, _pick, targets=[HOME]),
    ]

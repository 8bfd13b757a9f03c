"""`ussd-app groups ...`: set up savings groups without USSD (create, import a roster, roles, PINs)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import click

from ussd_app import audit
from ussd_app.config import cli_now
from ussd_app.health.facilities import UnknownFacility, known_code
from ussd_app.savings.groups import (
    MAX_HEALTH_FUND,
    MAX_SHARE_VALUE,
    MAX_SHARES,
    GroupError,
    create_group,
    current_cycle,
    find_group,
    member_by_number,
    reset_pin,
    roster,
    set_role,
)
from ussd_app.savings.ledger import group_balance, member_balance
from ussd_app.savings.models import ROLES, SavingsGroup
from ussd_app.savings.receipts import xof
from ussd_app.savings.roster import RosterError, import_roster, parse_role


@contextmanager
def _transaction():
    """One transaction for the command: everything it does is written, or nothing."""
    from ussd_app.config import settings_from_env
    from ussd_app.db import make_engine, make_session_factory

    settings = settings_from_env()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine, settings.phone_hash_key)() as db, db.begin():
            yield db
    except RosterError as exc:
        problems = "\n".join(f"  {p}" for p in exc.problems)
        raise click.ClickException(f"nothing imported, {len(exc.problems)} problem(s):\n{problems}") from exc
    except (GroupError, UnknownFacility) as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        engine.dispose()


@click.group("groups")
def groups() -> None:
    """Savings groups: create, import members, roles, PIN resets."""


@groups.command("create")
@click.option("--name", required=True, help="The group's name, e.g. Benkadi.")
@click.option("--share-value", type=click.IntRange(1, MAX_SHARE_VALUE), required=True,
              help=f"XOF per share (at most {MAX_SHARE_VALUE}).")
@click.option("--health-fund", type=click.IntRange(0, MAX_HEALTH_FUND), required=True,
              help=f"XOF each present member pays into the health fund per meeting (at most {MAX_HEALTH_FUND}).")
@click.option("--commune", default=None, help="e.g. Commune III.")
@click.option("--facility", "facility_code", default=None,
              help="Code of the group's CSCom, as in the facilities table (e.g. BKO-C3-BAKON).")
@click.option("--min-shares", type=click.IntRange(1, MAX_SHARES), default=1, show_default=True)
@click.option("--max-shares", type=click.IntRange(1, MAX_SHARES), default=5, show_default=True)
def create(name, share_value, health_fund, commune, facility_code, min_shares, max_shares) -> None:
    """Create a group (its first cycle starts today)."""
    with _transaction() as db:
        if facility_code:
            facility_code = known_code(db, facility_code)
        group = create_group(db, name=name, share_value=share_value,
                             health_fund_per_meeting=health_fund, commune=commune,
                             facility_code=facility_code, min_shares=min_shares, max_shares=max_shares,
                             now=cli_now())
        audit.by_cli(db, "group.create", cli_now(), target_type="savings_group", target_id=group.id,
                     facility_code=group.facility_code)
        click.echo(f"group {group.id} {group.name!r} created: share {xof(group.share_value)}, "
                   f"health fund {xof(group.health_fund_per_meeting)} per meeting, "
                   f"{group.min_shares}-{group.max_shares} shares per meeting")


@groups.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--group", "group_ref", required=True, help="Group name or id.")
def import_csv(csv_file: Path, group_ref: str) -> None:
    """Add the members listed in CSV_FILE (columns: name, phone[, number, role], or in French nom,
    téléphone[, numéro, rôle]; separated by , or ;); all or none."""
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise click.ClickException(f"{csv_file} is not UTF-8 text (save it as CSV UTF-8)") from exc
    with _transaction() as db:
        group = find_group(db, group_ref)
        members = import_roster(db, group, text, now=cli_now())
        audit.by_cli(db, "group.import", cli_now(), target_type="savings_group", target_id=group.id,
                     facility_code=group.facility_code, members=[m.id for m in members])
        click.echo(f"{len(members)} members added to {group.name}:")
        for member in members:
            click.echo(f"  {member.number:02d} {member.name} {member.phone} {member.role}")


@groups.command("list")
def list_groups() -> None:
    """Every group with its members count."""
    from sqlalchemy import select

    with _transaction() as db:
        for group in db.scalars(select(SavingsGroup).order_by(SavingsGroup.id)):
            click.echo(f"{group.id:>4} {group.name:<24} {len(roster(db, group.id)):>3} members  "
                       f"{group.commune or '-'}  CSCom {group.facility_code or '-'}")


@groups.command("show")
@click.argument("group_ref")
def show(group_ref: str) -> None:
    """A group's members, roles and balances (sums over the ledger)."""
    with _transaction() as db:
        group = find_group(db, group_ref)
        cycle = current_cycle(db, group.id)
        balance = group_balance(db, group.id, cycle.id)
        click.echo(f"{group.name} (cycle {cycle.number}): loan fund {xof(balance.loan_fund)}, "
                   f"health fund {xof(balance.health_fund)}")
        for member in roster(db, group.id):
            mine = member_balance(db, member.id, cycle.id)
            click.echo(f"  {member.number:02d} {member.name:<24} {member.phone} {member.role:<9} "
                       f"{mine.shares:>3} shares = {xof(mine.savings)}")


def _role_argument(_ctx, _param, value: str) -> str:
    role = parse_role(value)
    if role is None:
        raise click.BadParameter(f"{value!r}: one of {', '.join(ROLES)} (membre, trésorière, présidente)")
    return role


@groups.command("role")
@click.argument("group_ref")
@click.argument("number", type=int)
@click.argument("role", callback=_role_argument)
def role(group_ref: str, number: int, role: str) -> None:
    """Give member NUMBER of a group a ROLE: member, treasurer or president (or membre, trésorière,
    présidente); a previous treasurer or president becomes a member."""
    with _transaction() as db:
        group = find_group(db, group_ref)
        member = member_by_number(db, group.id, number)
        if member is None:
            raise GroupError(f"{group.name} has no member number {number}")
        if role != "member":
            for other in roster(db, group.id):
                if other.role == role and other.id != member.id:
                    set_role(db, other, "member")
                    click.echo(f"{other.number:02d} {other.name} is now a member")
        set_role(db, member, role)
        audit.by_cli(db, "member.role", cli_now(), target_type="savings_member", target_id=member.id,
                     facility_code=group.facility_code, role=role)
        click.echo(f"{member.number:02d} {member.name} is now {role}")


@groups.command("reset-pin")
@click.argument("group_ref")
@click.argument("number", type=int)
def reset_pin_command(group_ref: str, number: int) -> None:
    """Forget a member's PIN and lock; she chooses a new PIN at her next dial."""
    with _transaction() as db:
        group = find_group(db, group_ref)
        member = member_by_number(db, group.id, number)
        if member is None:
            raise GroupError(f"{group.name} has no member number {number}")
        reset_pin(db, member, now=cli_now())
        audit.by_cli(db, "member.reset_pin", cli_now(), target_type="savings_member", target_id=member.id,
                     facility_code=group.facility_code)
        click.echo(f"PIN of {member.number:02d} {member.name} reset: she sets a new one at her next dial")


@groups.command("rules")
@click.argument("group_ref")
@click.option("--service-charge", "service_charge_pct", type=click.IntRange(0, 20),
              help="Percent a month, flat on the amount lent (0 for interest-free health loans).")
@click.option("--max-loan-multiple", type=click.IntRange(1, 10),
              help="A loan is at most this many times her savings (VSLA rule: 3).")
@click.option("--loan-months", type=click.IntRange(1, 12), help="The longest loan, in months.")
@click.option("--fine-late", type=click.IntRange(0, 100_000), help="XOF.")
@click.option("--fine-absent", type=click.IntRange(0, 100_000), help="XOF.")
@click.option("--health-mode", type=click.Choice(["grants", "loans"]),
              help="The health fund gives grants, or lends without service charge.")
def rules_command(group_ref: str, **changes) -> None:
    """Show the current cycle's rules, or change some (later loans follow; members see them
    under My savings)."""
    from ussd_app.savings.rules import rules_for, set_rules

    changes = {k: v for k, v in changes.items() if v is not None}
    with _transaction() as db:
        group = find_group(db, group_ref)
        cycle = current_cycle(db, group.id)
        rules = set_rules(db, cycle.id, now=cli_now(), **changes) if changes else rules_for(db, cycle.id)
        click.echo(f"{group.name} cycle {cycle.number}: service charge {rules.service_charge_pct}% a "
                   f"month, loans up to {rules.max_loan_multiple}x savings for "
                   f"{rules.loan_months} months at most; fines late {xof(rules.fine_late)}, absent "
                   f"{xof(rules.fine_absent)}; health fund: {rules.health_mode}")


@groups.command("share-out")
@click.argument("group_ref")
@click.option("--carry", type=click.IntRange(0), default=0, show_default=True,
              help="XOF kept in the loan fund for the next cycle.")
def share_out_report(group_ref: str, carry: int) -> None:
    """The share-out report of the current cycle (nothing is written: the treasurer confirms it
    over USSD): fund, shares, value per share, each member's payout (largest remainder)."""
    from ussd_app.savings.shareout import preview

    with _transaction() as db:
        group = find_group(db, group_ref)
        plan = preview(db, group, carry=carry)
        click.echo(f"{group.name} cycle {plan.cycle.number}: loan fund {xof(plan.fund)}, carry-over "
                   f"{xof(plan.carry)}, {plan.total_shares} shares, {xof(plan.value_per_share)} a "
                   f"share (rounded down)")
        if plan.loans_out:
            click.echo(f"  {plan.loans_out} loan(s) still to repay: no share-out until then")
        for payout in plan.payouts:
            click.echo(f"  {payout.member.number:02d} {payout.member.name:<24} "
                       f"{payout.shares:>4} shares  {xof(payout.amount):>14}")
        click.echo(f"  total {xof(sum(p.amount for p in plan.payouts))}")


@groups.command("phone")
@click.argument("group_ref")
@click.argument("number", type=int)
@click.argument("new_phone")
def change_phone(group_ref: str, number: int, new_phone: str) -> None:
    """Give member NUMBER a new phone; her savings, loans and history stay hers."""
    from ussd_app.savings.groups import change_member_phone
    from ussd_app.ussd_request import BadCallback, normalise_phone

    try:
        phone = normalise_phone(new_phone)
    except BadCallback as exc:
        raise click.BadParameter(f"{new_phone!r} is not a phone number") from exc
    if not phone.startswith("+223"):
        raise click.BadParameter(f"{new_phone!r} is not a Malian phone number")
    with _transaction() as db:
        group = find_group(db, group_ref)
        member = member_by_number(db, group.id, number)
        if member is None:
            raise GroupError(f"{group.name} has no member number {number}")
        old = member.phone
        change_member_phone(db, member, phone, changed_by="cli", now=cli_now())
        click.echo(f"{member.number:02d} {member.name}: phone {old} -> {phone}")

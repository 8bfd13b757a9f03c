"""`ussd-app staff ...`: staff accounts and API tokens for the clinic dashboard."""

from __future__ import annotations

import click

from ussd_app import audit
from ussd_app.config import cli_now


def _sessions():
    from ussd_app.config import settings_from_env
    from ussd_app.db import make_engine, make_session_factory

    settings = settings_from_env()
    return make_session_factory(make_engine(settings.database_url), settings.phone_hash_key)


def _known_facility(db, code: str | None) -> str | None:
    """A typed facility code checked against the facilities table (None stays None)."""
    from ussd_app.health.facilities import UnknownFacility, known_code

    if not code:
        return None
    try:
        return known_code(db, code)
    except UnknownFacility as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def staff() -> None:
    """Clinic staff accounts and API tokens."""


@staff.command("create")
@click.argument("username")
@click.option("--facility", "facility_code", help="The centre's facility code (e.g. BKO-C1-SOTUBA).")
@click.option("--role", type=click.Choice(["staff", "admin"]), default="staff", show_default=True)
@click.option("--name", "display_name", default="", help="Name shown in the dashboard.")
@click.password_option(help="At least 10 characters (asked when not given).")
def create(username: str, facility_code: str | None, role: str, display_name: str, password: str) -> None:
    """Create a staff account: it sees only its centre's people (an admin sees all)."""
    from ussd_app.clinic.accounts import AccountError, create_staff

    with _sessions()() as db:
        try:
            account = create_staff(db, username=username, password=password, role=role,
                                   facility_code=_known_facility(db, facility_code), display_name=display_name,
                                   now=cli_now())
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.by_cli(db, "staff.create", cli_now(), target_type="staff", target_id=account.id,
                     facility_code=account.facility_code, role=role)
        db.commit()
    click.echo(f"created {role} {account.username}" + (f" for {account.facility_code}" if account.facility_code else ""))


@staff.command("password")
@click.argument("username")
@click.password_option()
def password(username: str, password: str) -> None:
    """Set a new password (signs out the account's open sessions)."""
    from sqlalchemy import select

    from ussd_app.clinic.accounts import AccountError, set_password
    from ussd_app.clinic.models import StaffAccount

    with _sessions()() as db:
        account = db.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
        if account is None:
            raise click.ClickException(f"no account {username!r}")
        try:
            set_password(db, account, password)
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.by_cli(db, "staff.password", cli_now(), target_type="staff", target_id=account.id,
                     facility_code=account.facility_code)
        db.commit()
    click.echo(f"password changed for {username}")


@staff.command("list")
def list_accounts() -> None:
    """Accounts with their role and centre."""
    from sqlalchemy import select

    from ussd_app.clinic.models import StaffAccount

    with _sessions()() as db:
        for account in db.scalars(select(StaffAccount).order_by(StaffAccount.username)):
            state = "" if account.active else " (disabled)"
            click.echo(f"{account.username}\t{account.role}\t{account.facility_code or '*'}{state}")


@staff.command("token")
@click.option("--facility", "facility_code", help="The centre the token acts for.")
@click.option("--all-centres", is_flag=True, help="A token for every centre (an admin integration).")
@click.option("--name", required=True, help="Who uses it, e.g. 'DHIS2 sync'.")
def token(facility_code: str | None, all_centres: bool, name: str) -> None:
    """Create an API bearer token; it is shown once, only its hash is stored."""
    from ussd_app.clinic.accounts import AccountError, create_api_token

    if bool(facility_code) == all_centres:
        raise click.UsageError("give either --facility CODE or --all-centres")
    with _sessions()() as db:
        try:
            row, secret = create_api_token(db, name=name, facility_code=_known_facility(db, facility_code),
                                           now=cli_now())
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.by_cli(db, "token.create", cli_now(), target_type="api_token", target_id=row.id,
                     facility_code=row.facility_code)
        db.commit()
    click.echo(f"token {row.id} for {row.facility_code or 'every centre'}:\n{secret}")


@staff.command("tokens")
def list_tokens() -> None:
    """API tokens: id, name, centre, last use, revoked or not (never the secret)."""
    from sqlalchemy import select

    from ussd_app.clinic.models import ApiToken

    with _sessions()() as db:
        for row in db.scalars(select(ApiToken).order_by(ApiToken.id)):
            used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never used"
            state = f"revoked {row.revoked_at.isoformat(timespec='minutes')}" if row.revoked_at else "active"
            click.echo(f"{row.id}\t{row.name}\t{row.facility_code or '*'}\t{used}\t{state}")


@staff.command("revoke-token")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
def revoke_token(token_id: int) -> None:
    """Revoke an API token by its id (`staff tokens`): it is refused from the next request on."""
    from ussd_app.clinic.accounts import AccountError, revoke_api_token

    with _sessions()() as db:
        try:
            row = revoke_api_token(db, token_id, now=cli_now())
        except AccountError as exc:
            raise click.ClickException(str(exc)) from exc
        audit.by_cli(db, "token.revoke", cli_now(), target_type="api_token", target_id=row.id,
                     facility_code=row.facility_code)
        db.commit()
    click.echo(f"token {row.id} ({row.name}) revoked")


@staff.command("disable")
@click.argument("username")
def disable(username: str) -> None:
    """Disable a staff account: it cannot sign in, and its open sessions end now."""
    from sqlalchemy import select

    from ussd_app.clinic.accounts import disable_staff
    from ussd_app.clinic.models import StaffAccount

    with _sessions()() as db:
        account = db.scalar(select(StaffAccount).where(StaffAccount.username == username.strip().lower()))
        if account is None:
            raise click.ClickException(f"no account {username!r}")
        disable_staff(db, account)
        audit.by_cli(db, "staff.disable", cli_now(), target_type="staff", target_id=account.id,
                     facility_code=account.facility_code)
        db.commit()
    click.echo(f"account {account.username} disabled; its sessions have ended")

"""`ussd-app people forget PHONE` (erasure on request) and `people unblock PHONE`."""

from __future__ import annotations

import click


def _runtime():
    from ussd_app.config import settings_from_env
    from ussd_app.sms import runtime as sms_runtime

    return sms_runtime.from_settings(settings_from_env())


def _phone(raw: str) -> str:
    from ussd_app.ussd_request import BadCallback, normalise_phone

    try:
        return normalise_phone(raw)
    except BadCallback:
        raise click.BadParameter("not a phone number (e.g. +22376123456)", param_hint="PHONE") from None


@click.group()
def people() -> None:
    """A person's data: erasure on request (law 2013-015 of Mali)."""


@people.command("forget")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (scripts).")
def forget(phone: str, yes: bool) -> None:
    """Erase PHONE's owner: her phone, names, dates of birth, free text and message bodies go from
    every table and from Redis; counts and savings balances stay; the phone is blocked from SMS,
    calls and new records."""
    from ussd_app import audit
    from ussd_app.clinic.erasure import ErasureError, erase, forget_sessions
    from ussd_app.redact import mask_phone

    phone = _phone(phone)
    if not yes:
        click.confirm(f"Erase every record of {mask_phone(phone)}? This cannot be undone", abort=True)
    rt = _runtime()
    now = rt.clock()
    cleared = forget_sessions(rt.redis, phone)  # no hop of hers runs on while the database forgets her
    try:
        with rt.session_factory() as db, db.begin():
            report = erase(db, phone, now)
            audit.by_cli(db, "person.erase", now, target_type="person", target_id=audit.person_key(db, phone),
                         rows=sum(report.rows.values()))
    except ErasureError as exc:
        raise click.ClickException(str(exc)) from None
    report.redis_keys = cleared + forget_sessions(rt.redis, phone)
    click.echo(f"{mask_phone(phone)} erased, now {report.placeholder} in the rows that stay:")
    for line in report.lines():
        click.echo(f"  {line}")


@people.command("unblock")
@click.argument("phone")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (scripts).")
def unblock(phone: str, yes: bool) -> None:
    """Lift an erased phone's block: only when the operator has given the number to someone new."""
    from ussd_app import audit
    from ussd_app.redact import mask_phone
    from ussd_app.sms import blocklist

    phone = _phone(phone)
    if not yes:
        click.confirm(f"Let {mask_phone(phone)} use the service again (a new owner)?", abort=True)
    rt = _runtime()
    with rt.session_factory() as db, db.begin():
        if not blocklist.unblock(db, phone):
            raise click.ClickException(f"{mask_phone(phone)} is not blocked")
        audit.by_cli(db, "person.unblock", rt.clock(), target_type="person", target_id=audit.person_key(db, phone))
    click.echo(f"{mask_phone(phone)} may use the service again")

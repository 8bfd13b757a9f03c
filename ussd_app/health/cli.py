"""`ussd-app facilities import FILE.csv` and `ussd-app enrollments list|approve|decline|end`.

The clinic decides here until the dashboard exists; both go through ussd_app.health.enrollment.
Each command is one transaction: it commits everything or nothing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ussd_app import audit
from ussd_app.config import cli_now
from ussd_app.health import enrollment as enr
from ussd_app.health.facilities import FacilityImportError, import_csv_text


def _session_factory():
    from ussd_app.config import settings_from_env
    from ussd_app.db import make_engine, make_session_factory

    settings = settings_from_env()
    return make_session_factory(make_engine(settings.database_url), settings.phone_hash_key)


@click.group("facilities")
def facilities() -> None:
    """CSComs offered for registration."""


@facilities.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_facilities(csv_file: Path) -> None:
    """Add or update centres from a CSV (code,name,commune,region,phone); all rows or none."""
    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{csv_file} is not UTF-8 text") from None
    try:
        with _session_factory()() as db, db.begin():
            added, updated = import_csv_text(db, text, now=cli_now())
            audit.by_cli(db, "facilities.import", cli_now(), target_type="facilities", added=added, updated=updated)
    except FacilityImportError as exc:
        raise click.ClickException(f"nothing imported, {len(exc.problems)} problem(s):\n"
                                   + "\n".join(exc.problems)) from None
    click.echo(f"facilities: {added} added, {updated} updated")


@facilities.command("malaria-vaccine")
@click.argument("code")
@click.argument("state", type=click.Choice(["on", "off"]))
def malaria_vaccine_command(code: str, state: str) -> None:
    """Say whether a centre gives the R21 malaria vaccine (its children's plans include it)."""
    from ussd_app.health.facilities import UnknownFacility, set_malaria_vaccine

    try:
        with _session_factory()() as db, db.begin():
            set_malaria_vaccine(db, code, state == "on", now=cli_now())
    except UnknownFacility as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{code.upper()}: malaria vaccine {state} (plans made from now on follow it)")


@click.group("care")
def care() -> None:
    """Care journeys: doses given and antenatal contacts, from the centre's register."""


@care.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_register(csv_file: Path) -> None:
    """Record doses and contacts from a CSV (reference,dose,date; dose CPN for an antenatal
    contact). Every row is checked first: one bad row and nothing is written. Importing the same
    file again records nothing twice."""
    from ussd_app.health import register_import
    from ussd_app.health.records import RecordError

    try:
        text = csv_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException(f"{csv_file} is not UTF-8 text") from None
    now = cli_now()
    created = 0
    try:
        with _session_factory()() as db, db.begin():
            rows = register_import.parse(db, text, today=now.date())
            with click.progressbar(rows, label=f"recording {len(rows)} row(s)", file=sys.stderr) as bar:
                for row in bar:
                    try:
                        created += register_import.record(db, row, recorded_by=f"csv:{csv_file.name}"[:80], now=now)
                    except RecordError as exc:
                        raise register_import.RegisterImportError([f"line {row.line}: {exc}"]) from None
    except register_import.RegisterImportError as exc:
        raise click.ClickException(f"nothing imported, {len(exc.problems)} problem(s):\n"
                                   + "\n".join(exc.problems)) from None
    click.echo(f"care: {created} recorded, {len(rows) - created} already there")


@click.group("enrollments")
def enrollments() -> None:
    """Registrations for subsidized care: list them, approve or decline them."""


def _line(e: enr.Enrollment) -> str:
    who = f"child {e.child_name} born {e.birth_date:%d/%m/%Y}" if e.kind == enr.CHILD \
        else f"pregnancy, due {e.due_date:%d/%m/%Y}"
    reason = f" ({', '.join(r for r in (e.reason_code, e.reason) if r)})" if e.reason_code or e.reason else ""
    return (f"{e.reference}  {e.status:<8}  {e.created_at:%Y-%m-%d}  {e.phone}  {e.facility.code}  "
            f"{who}{reason}")


@enrollments.command("list")
@click.option("--status", type=click.Choice([enr.PENDING, enr.APPROVED, enr.DECLINED, enr.ENDED]))
@click.option("--centre", "centre", help="Only this centre's code (e.g. BKO-C1-SOTUBA).")
def list_command(status: str | None, centre: str | None) -> None:
    """Registrations, oldest first."""
    with _session_factory()() as db:
        rows = enr.list_enrollments(db, status=status, facility_code=centre)
        for row in rows:
            click.echo(_line(row))
        if not rows:
            click.echo("no registrations")


def _decide(name: str, action, reference: str, **kwargs) -> None:
    try:
        with _session_factory()() as db, db.begin():
            enrollment = action(db, reference, now=cli_now(), **kwargs)
            audit.by_cli(db, f"registration.{name}", cli_now(), target_type="registration",
                         target_id=enrollment.reference, facility_code=enrollment.facility.code,
                         reason_code=kwargs.get("reason_code"))
            line = _line(enrollment)
    except enr.EnrollmentError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{line}\nthe mother is told by SMS")


@enrollments.command("approve")
@click.argument("reference")
def approve_command(reference: str) -> None:
    """Approve a pending registration: SMS to the mother, reminders start."""
    _decide("approve", enr.approve, reference)


@enrollments.command("decline")
@click.argument("reference")
@click.option("--reason", "reason_code", required=True, type=click.Choice(list(enr.DECLINE_REASONS)),
              help="Told to the mother by SMS, in her language.")
@click.option("--note", default="", help="Kept for the centre's staff, never sent.")
def decline_command(reference: str, reason_code: str, note: str) -> None:
    """Decline a registration: SMS to the mother with the reason, reminders stop."""
    _decide("decline", enr.decline, reference, reason_code=reason_code, note=note)


@enrollments.command("end")
@click.argument("reference")
@click.option("--reason", default="", help="Kept with the record (birth, loss, moved away).")
def end_command(reference: str, reason: str) -> None:
    """Close a pregnancy registration: its reminders stop."""
    _decide("close", enr.end_pregnancy, reference, reason=reason)

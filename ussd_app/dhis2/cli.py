"""`ussd-app dhis2 push|check`: the monthly report by hand, and the mapping file checked."""

from __future__ import annotations

import json

import click


def _describe(outcome) -> str:
    summary = outcome.summary
    if summary is None:
        return f"{outcome.status}: {outcome.error}" if outcome.error else outcome.status
    text = (f"{outcome.status}: imported {summary.imported}, updated {summary.updated}, "
            f"ignored {summary.ignored}, deleted {summary.deleted}")
    if summary.conflicts:
        text += f", {len(summary.conflicts)} conflict(s)"
    return text


@click.group()
def dhis2() -> None:
    """Monthly reports to DHIS2 (DHIS2_URL, DHIS2_USERNAME, DHIS2_PASSWORD, DHIS2_MAPPING)."""


@dhis2.command("check")
def check() -> None:
    """Load and check the mapping file; list every problem."""
    from ussd_app.config import settings_from_env
    from ussd_app.dhis2.mapping import MappingError
    from ussd_app.dhis2.schedule import check_configuration

    try:
        mapping = check_configuration(settings_from_env())
    except MappingError as exc:
        raise click.ClickException("\n".join([str(exc).split(":", 1)[0] + ":"] + [f"  - {p}" for p in exc.problems]))
    if mapping is None:
        click.echo("DHIS2 is off (DHIS2_URL is not set)")
        return
    click.echo(f"mapping ok: {len(mapping.targets)} indicator(s), {len(mapping.org_units)} CSCom(s)")


@dhis2.command("push")
@click.option("--period", required=True, help="The month, YYYY-MM (e.g. 2026-11).")
@click.option("--facility", "facilities", multiple=True, help="Only this CSCom (repeatable).")
@click.option("--dry-run", is_flag=True, help="Print the payloads; send and record nothing.")
def push(period: str, facilities: tuple[str, ...], dry_run: bool) -> None:
    """Push a month's counts to DHIS2, CSCom by CSCom, and record DHIS2's import summaries."""
    from ussd_app.clock import from_settings as clock_from_settings
    from ussd_app.config import settings_from_env
    from ussd_app.db import make_engine, make_session_factory
    from ussd_app.dhis2.client import Dhis2Client, Dhis2Refused
    from ussd_app.dhis2.indicators import Period
    from ussd_app.dhis2.mapping import MappingError
    from ussd_app.dhis2.push import NO_ORG_UNIT, push_month
    from ussd_app.dhis2.schedule import check_configuration

    try:
        month = Period.parse(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    settings = settings_from_env()
    try:
        mapping = check_configuration(settings)
        if mapping is None:
            raise click.ClickException("DHIS2_URL is not set")
        client = None if dry_run else Dhis2Client.from_settings(settings)
    except (MappingError, Dhis2Refused) as exc:
        raise click.ClickException(str(exc)) from None

    def progress(outcome) -> None:
        if outcome.status == "dry run":
            click.echo(f"{outcome.facility_code} {month}: dry run, payload:")
            click.echo(json.dumps(outcome.payload, indent=2))
            return
        retry = "" if outcome.final else " (trying again)"
        attempt = f" [attempt {outcome.attempt}]" if outcome.attempt > 1 or not outcome.final else ""
        click.echo(f"{outcome.facility_code} {month}: {_describe(outcome)}{attempt}{retry}")
        for conflict in (outcome.summary.conflicts if outcome.summary else []):
            click.echo(f"    conflict {conflict['object']}: {conflict['value']}")

    sessions = make_session_factory(make_engine(settings.database_url))
    codes = [code.strip().upper() for code in facilities] or None
    try:
        outcomes = push_month(sessions, client, mapping, month, clock=clock_from_settings(settings),
                              facility_codes=codes, dry_run=dry_run, progress=progress)
    except MappingError as exc:
        raise click.ClickException(str(exc)) from None
    failed = [o for o in outcomes if o.status in ("unreachable", "refused", "error", NO_ORG_UNIT)]
    click.echo(f"{len(outcomes)} CSCom(s), {len(failed)} not reported")
    if failed:
        raise SystemExit(1)

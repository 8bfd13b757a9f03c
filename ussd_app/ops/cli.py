"""`ussd-app backup create|check` and `ussd-app export`: running the service in production."""

from __future__ import annotations

from pathlib import Path

import click

from ussd_app.config import cli_now, settings_from_env

PROGRESS_EVERY = 10_000


@click.group()
def backup() -> None:
    """PostgreSQL dumps (pg_dump custom format) and files, and a restore check."""


@backup.command("create")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--path", "paths", multiple=True, type=click.Path(path_type=Path),
              help="Another file or folder to keep (repeatable); the instance folder's uploads "
                   "and recordings are kept when they exist.")
def backup_create(directory: Path, paths: tuple[Path, ...]) -> None:
    """Dump DATABASE_URL into DIRECTORY, with a manifest of row counts and ledger sums."""
    from ussd_app.backup import BackupError, create

    settings = settings_from_env()
    try:
        made = create(settings.database_url, directory, now=cli_now(), instance_path=settings.instance_path,
                      extra_paths=paths)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"dump: {made.dump} ({sum(made.tables.values())} rows in {len(made.tables)} tables)")
    click.echo(f"manifest: {made.manifest}")
    if made.files is not None:
        click.echo(f"files: {made.files}")


@backup.command("check")
@click.argument("dump", type=click.Path(exists=True, path_type=Path))
def backup_check(dump: Path) -> None:
    """Restore DUMP (or the latest dump in a folder) into a scratch database and compare."""
    from ussd_app.backup import BackupError, check

    try:
        report = check(settings_from_env().database_url, dump)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"restored {report.dump.name} into a scratch database (dropped since)")
    click.echo(f"{'table':32} {'restored':>10} {'in backup':>10} {'live now':>10}")
    for table, restored, recorded, live in report.rows:
        kept = "-" if recorded is None else str(recorded)
        click.echo(f"{table:32} {restored:>10} {kept:>10} {live:>10}")
    restored_ledger, _recorded, live_ledger = report.ledger
    for key, (entries, amount, shares) in sorted(restored_ledger.items()):
        now = live_ledger.get(key, [0, 0, 0])
        click.echo(f"ledger {key}: {entries} entries, {amount} XOF, {shares} shares "
                   f"(live: {now[0]} entries, {now[1]} XOF)")
    if report.files is not None:
        click.echo(f"files archive: {report.files} entries, checksum ok")
    for problem in report.problems:
        click.echo(f"PROBLEM: {problem}", err=True)
    if not report.ok:
        raise SystemExit(1)
    click.echo("backup ok")


@click.command("export")
@click.argument("kind", type=click.Choice(["registrations", "people", "campaigns", "outbox", "ledger", "late"]))
@click.option("--facility", help="One centre's rows, phones in full (default: every centre, phones masked).")
@click.option("--group", "group_id", type=int, help="The savings group (ledger).")
@click.option("--campaign", "campaign_id", type=int, help="One campaign (campaigns).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The CSV file to write.")
def export(kind: str, facility: str | None, group_id: int | None, campaign_id: int | None, output: Path) -> None:
    """Write a CSV export (as the dashboard streams it), showing progress."""
    from werkzeug.exceptions import NotFound

    from ussd_app.clinic import exports
    from ussd_app.clinic.scope import Scope
    from ussd_app.db import make_engine, make_session_factory

    settings = settings_from_env()
    sessions = make_session_factory(make_engine(settings.database_url))
    scope = Scope(facility.strip().upper(), False) if facility else Scope(None, True)
    try:
        with sessions() as db:
            plan = exports.plan(db, scope, kind, today=cli_now().date(), group_id=group_id, campaign_id=campaign_id)
    except exports.ExportError as exc:
        raise click.BadParameter(str(exc)) from None
    except NotFound:
        raise click.ClickException("no such group or campaign for this scope") from None
    written = [0, 0]  # rows, rows at the last progress line

    def progress(rows: int) -> None:
        written[0] += rows
        if written[0] - written[1] >= PROGRESS_EVERY:
            written[1] = written[0]
            click.echo(f"{written[0]} rows...", err=True)

    viewer = exports.Viewer(scope, settings.secret_key.encode("utf-8"))
    with output.open("wb") as fh:
        for chunk in exports.stream(sessions, plan, viewer, on_rows=progress):
            fh.write(chunk)
    click.echo(f"{written[0]} rows written to {output}")

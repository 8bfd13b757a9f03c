"""The `ussd-app` command: serve, simulate, worker, db upgrade, and each feature's commands."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click

from ussd_app.clinic import cli as clinic_cli
from ussd_app.clinic import privacy_cli
from ussd_app.config import Settings, settings_from_env
from ussd_app.dhis2 import cli as dhis2_cli
from ussd_app.health import cli as health_cli
from ussd_app.ops import cli as ops_cli
from ussd_app.savings import cli as savings_cli
from ussd_app.sms import cli as sms_cli


def make_app(settings: Settings | None = None):
    from ussd_app import create_app

    return create_app(settings or settings_from_env())


@click.group()
def main() -> None:
    """USSD and SMS service for mothers, savings groups and CSComs in Mali."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply every migration to DATABASE_URL (default: the local SQLite file)."""
    from ussd_app.migrate import upgrade

    settings = settings_from_env()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    click.echo("database is up to date")


@db.command("create-app-role")
@click.argument("role")
@click.option("--password-env", metavar="VAR", help="Set the role's password from this environment variable.")
@click.option("--execute", is_flag=True, help="Run the statements on DATABASE_URL (connected as the owner); "
              "without it they are only printed.")
def db_create_app_role(role: str, password_env: str | None, execute: bool) -> None:
    """The app's least-privileged PostgreSQL role: rows only, the ledger append-only (run again after
    each `db upgrade`, so new tables are granted too)."""
    from ussd_app.db import make_engine
    from ussd_app.db_roles import RoleError, app_role_statements, apply_app_role
    from ussd_app.models import metadata

    password = os.environ.get(password_env) if password_env else None
    if password_env and not password:
        raise click.ClickException(f"{password_env} is not set")
    try:
        if not execute:
            tables = [table.name for table in metadata.sorted_tables]
            for statement in app_role_statements(role, tables, create=True, password="..." if password else None):
                click.echo(statement + ";")
            return
        engine = make_engine(settings_from_env().database_url)
        try:
            done = apply_app_role(engine, role, password=password)
        finally:
            engine.dispose()
    except RoleError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo("\n".join(statement + ";" for statement in done))
    click.echo(f"role {role} may now read and write rows; savings_ledger and audit_log only SELECT and INSERT")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=True, help="Also run an RQ worker.")
@click.option("--fake-gateway", type=click.Choice(["africastalking", "orange"]), default=None,
              help="Send SMS to a local fake of this gateway's API, started here (receipts included).")
def serve(host: str, port: int, worker: bool, fake_gateway: str | None) -> None:
    """Run everything locally on embedded defaults (SQLite, embedded Redis).

    A development run: the development SECRET_KEY is accepted and callbacks need no token
    unless one is set. Production runs gunicorn 'ussd_app:create_app()' (see the README)."""
    from ussd_app.demo import load_demo
    from ussd_app.dev_server import RedactingRequestHandler
    from ussd_app.migrate import upgrade
    from ussd_app.redis_conn import resolve_redis_url, stop_embedded

    # SIGTERM must unwind like Ctrl-C so the worker, the fake gateway and the embedded Redis stop
    # with us, from the moment they start (a failed migration must not leave Redis running either).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    child = fake = None
    try:
        if fake_gateway:
            from ussd_app.testing import start_fake_gateway  # development only: production never imports it

            app_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
            fake, env = start_fake_gateway(fake_gateway, f"http://{app_host}:{port}",
                                           os.environ.get("SMS_CALLBACK_TOKEN"),
                                           os.environ.get("VOICE_CALLBACK_TOKEN"))
            os.environ.update(env)  # for this app and the worker started below
            click.echo(f"SMS go to a fake {fake_gateway} API on {fake.url}")
        settings = settings_from_env(development=True)
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        redis_url = resolve_redis_url(settings.redis_url, settings.instance_path)
        os.environ["REDIS_URL"] = redis_url
        upgrade(settings.database_url)
        app = make_app(settings)
        for note in load_demo(app.extensions["db_sessions"], app.extensions["clock"]()):
            click.echo(f"demo: {note}")
        if fake_gateway == "africastalking":
            from ussd_app.voice.demo import queue_demo_call

            note = queue_demo_call(app.extensions["db_sessions"], app.extensions["clock"]())
            if note:
                click.echo(f"demo: {note}")
        if worker:
            child = subprocess.Popen([sys.executable, "-m", "ussd_app.cli", "worker"], env=os.environ.copy())
        click.echo(f"database: {settings.database_url}\nredis: {redis_url}")
        click.echo(f"USSD callback: http://{host}:{port}/ussd   health: http://{host}:{port}/healthz")
        click.echo(f"try it: ussd-app simulate --url http://{host}:{port}/ussd")
        app.run(host=host, port=port, threaded=True, use_reloader=False,
                request_handler=RedactingRequestHandler)
    finally:
        _stop_serving(child, fake, stop_embedded)


def _stop_serving(child: subprocess.Popen | None, fake, stop_embedded) -> None:
    """Stop the worker, the fake gateway, then the embedded Redis; a second Ctrl-C meanwhile must
    not skip any of them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)
        if fake is not None:
            fake.stop()
    finally:
        stop_embedded()


@main.command()
@click.option("--phone", default="+22376123456", show_default=True, help="Caller's number.")
@click.option("--url", default=None, help="A running webhook (e.g. http://127.0.0.1:5000/ussd); "
              "without it the app runs in this process on the same settings as `serve`.")
def simulate(phone: str, url: str | None) -> None:
    """Walk the menus as a mother would, on a phone in the terminal."""
    from ussd_app import simulator
    from ussd_app.ussd_request import BadCallback, normalise_phone

    try:
        phone = normalise_phone(phone)
    except BadCallback as exc:
        raise click.BadParameter(str(exc)) from exc
    if url:
        call = simulator.http_caller(url)
    else:
        from ussd_app.migrate import upgrade

        settings = settings_from_env(development=True)
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)
        call = simulator.app_caller(make_app(settings))
    simulator.run(call, phone)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with the scheduler) on REDIS_URL."""
    from ussd_app import redact
    from ussd_app.jobs import run_worker

    redact.install()
    settings = settings_from_env()
    run_worker(settings, burst=burst)


# Each feature's commands, listed here rather than registered at import: the entry point is the
# top of the import graph, and nothing below it imports upward.
for _command in (clinic_cli.staff, dhis2_cli.dhis2, health_cli.facilities, health_cli.enrollments, health_cli.care,
                 ops_cli.backup, ops_cli.export, privacy_cli.people, savings_cli.groups, sms_cli.outbox,
                 sms_cli.send_test):
    main.add_command(_command)

if __name__ == "__main__":
    main()

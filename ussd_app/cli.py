"""The `ussd-app` command: serve, simulate, worker, db upgrade (features add their own)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click

from ussd_app.config import Settings, settings_from_env


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


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=True, help="Also run an RQ worker.")
@click.option("--fake-gateway", type=click.Choice(["africastalking", "orange"]), default=None,
              help="Send SMS to a local fake of this gateway's API, started here (receipts included).")
def serve(host: str, port: int, worker: bool, fake_gateway: str | None) -> None:
    """Run everything locally on embedded defaults (SQLite, embedded Redis)."""
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
                                           os.environ.get("USSD_CALLBACK_TOKEN"))
            os.environ.update(env)  # for this app and the worker started below
            click.echo(f"SMS go to a fake {fake_gateway} API on {fake.url}")
        settings = settings_from_env()
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        redis_url = resolve_redis_url(settings.redis_url, settings.instance_path)
        os.environ["REDIS_URL"] = redis_url
        upgrade(settings.database_url)
        app = make_app(settings)
        for note in load_demo(app.extensions["db_sessions"], app.extensions["clock"]()):
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

        settings = settings_from_env()
        settings.instance_path.mkdir(parents=True, exist_ok=True)
        upgrade(settings.database_url)
        call = simulator.app_caller(make_app(settings))
    simulator.run(call, phone)


@main.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker (with the scheduler) on REDIS_URL."""
    from ussd_app.jobs import run_worker

    settings = settings_from_env()
    run_worker(settings, burst=burst)


def _register_feature_commands() -> None:
    import ussd_app.features  # noqa: F401

    from ussd_app.feature_cli import FEATURE_COMMANDS

    for command in FEATURE_COMMANDS:
        main.add_command(command)


_register_feature_commands()

if __name__ == "__main__":
    main()

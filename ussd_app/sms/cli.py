"""`ussd-app outbox` (counts by status, retry failed) and `ussd-app send-test +223… "text"`."""

from __future__ import annotations

import uuid

import click
from sqlalchemy import func, select

from ussd_app import audit
from ussd_app.sms.outbox import STATUSES, OutboxMessage
from ussd_app.sms.retry import retry_failed_copy
from ussd_app.text import languages


def _runtime():
    from ussd_app.config import settings_from_env
    from ussd_app.sms import runtime as sms_runtime

    return sms_runtime.from_settings(settings_from_env())


def retry_failed_messages(db, now) -> list[int]:
    """Queue a new row for each failed one (see ussd_app.sms.retry); returns the new ids."""
    failed = list(db.scalars(select(OutboxMessage).where(OutboxMessage.status == "failed").order_by(OutboxMessage.id)))
    copies = [retry_failed_copy(db, row, now) for row in failed]
    return [copy.id for copy in copies if copy is not None]


@click.command("outbox")
@click.option("--retry-failed", is_flag=True, help="Give failed messages (not opted-out ones) a new try.")
def outbox(retry_failed: bool) -> None:
    """SMS outbox: how many messages in each status."""
    from ussd_app.sms.handoff import enqueue_outbox

    rt = _runtime()
    with rt.session_factory() as db:
        if retry_failed:
            with db.begin():
                copies = retry_failed_messages(db, rt.clock())
                audit.by_cli(db, "messages.retry", rt.clock(), target_type="outbox", requeued=len(copies))
            handed = enqueue_outbox(rt.redis, copies)
            click.echo(f"{len(copies)} failed messages queued again ({handed} handed to workers)")
        counts = dict(db.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    for status in STATUSES:
        click.echo(f"{status:<10} {counts.get(status, 0)}")


@click.command("send-test")
@click.argument("phone")
@click.argument("text")
@click.option("--language", type=click.Choice(languages.CODES), default=languages.DEFAULT, show_default=True)
@click.option("--voice", is_flag=True, help="Place a call instead (AT_VOICE_NUMBER and AT_API_KEY set): it "
              "plays the recordings of --play, then the menu; TEXT is the SMS it falls back to.")
@click.option("--play", "play", multiple=True, default=("menu.goodbye",), show_default=True,
              help="A recorded fragment the call plays (repeat the option for several).")
def send_test(phone: str, text: str, language: str, voice: bool, play: tuple[str, ...]) -> None:
    """Send TEXT to PHONE now through the configured gateway (quiet hours do not apply)."""
    from ussd_app.sms.outbox import queue_sms
    from ussd_app.sms.purposes import TEST
    from ussd_app.sms.send import deliver
    from ussd_app.ussd_request import BadCallback, normalise_phone

    try:
        phone = normalise_phone(phone)
    except BadCallback as exc:
        raise click.BadParameter(str(exc), param_hint="PHONE") from exc
    rt = _runtime()
    if voice:
        from ussd_app.voice.cli import place_test_call

        click.echo(place_test_call(rt, phone, text, language, list(play)))
        return
    with rt.session_factory() as db, db.begin():
        row = queue_sms(db, recipient=phone, language=language, message=text, kind="test", purpose=TEST,
                        dedupe_key=f"test:{uuid.uuid4().hex}", now=rt.clock())
        if row is None:
            raise click.ClickException("this number's data was erased: nothing is sent to it")
        outbox_id = row.id
        audit.by_cli(db, "sms.send_test", rt.clock(), target_type="outbox", target_id=outbox_id,
                     person=audit.person_key(db, phone))
    outcome = deliver(rt, outbox_id)  # a test message goes even in quiet hours (its purpose)
    with rt.session_factory() as db:
        row = db.get(OutboxMessage, outbox_id)
        click.echo(f"outbox {outbox_id} via {rt.gateway.name}: {row.status} ({outcome})"
                   + (f" id={row.provider_message_id}" if row.provider_message_id else "")
                   + (f" error={row.last_error}" if row.last_error else ""))

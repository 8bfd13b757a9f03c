"""`ussd-app worker --burst`, `outbox`, `send-test`, and the USSD host handing new SMS to RQ."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import REDIS_URL, TEST_NOW
from tests.sms.conftest import API_KEY
from ussd_app.cli import main
from ussd_app.menus.engine import CHOOSE_LANGUAGE, MAIN, ResumeOffer
from ussd_app.menus.host import UssdHost
from ussd_app.menus.main import LanguageChoice
from ussd_app.menus.registry import Registry
from ussd_app.menus.screens import Effect, End, Menu, Option
from ussd_app.menus.store import SessionStore
from ussd_app.sms.outbox import OutboxMessage, queue_sms

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

AWA = "+22376123456"


@pytest.fixture
def cli_env(database_url, fake_at, tmp_path, app, clock):
    return {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "SMS_GATEWAY": "africastalking",
            "AT_USERNAME": "sandbox", "AT_API_KEY": API_KEY, "AT_API_BASE_URL": fake_at.url,
            "AT_SENDER_ID": "SANTE", "USSD_INSTANCE_PATH": str(tmp_path / "instance"),
            # The commands' clock starts at the test's; no quiet hours, whatever hour that is.
            "USSD_CLOCK_START": clock.now.isoformat(),
            "SMS_QUIET_START_HOUR": "0", "SMS_QUIET_END_HOUR": "0"}


def run(env, *args):
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_send_test_goes_through_the_real_sdk(cli_env, fake_at, db):
    out = run(cli_env, "send-test", "76 12 34 56", "Essai d'envoi")
    assert "via africastalking: sent" in out and "id=ATXid_" in out
    assert fake_at.sent_to(AWA) == ["Essai d'envoi"]
    assert db.scalar(select(OutboxMessage.kind).where(OutboxMessage.recipient == AWA)) == "test"


def test_without_an_api_key_messages_go_to_the_console(cli_env, fake_at):
    env = {k: v for k, v in cli_env.items() if not k.startswith(("AT_", "SMS_GATEWAY"))}
    out = run(env, "send-test", "+22376123456", "Essai console")
    assert "via console: sent" in out
    assert "[SMS to +22376123456] Essai console" in out  # the runner shows stderr with stdout
    assert fake_at.requests == []


def test_send_test_refuses_a_bad_number(cli_env):
    result = CliRunner().invoke(main, ["send-test", "12", "x"], env=cli_env)
    assert result.exit_code != 0 and "phone" in result.output.lower()


def test_worker_burst_dispatches_and_sends_what_is_due(cli_env, fake_at, db, redis_client):
    for n in ("+22376000001", "+22376000002"):
        row = queue_sms(db, recipient=n, language="fr", message="Rappel", kind="campaign", purpose="campaign", dedupe_key=f"w:{n}", now=TEST_NOW)
        row.created_at -= timedelta(minutes=1)  # older than the grace left to whoever queued them
    db.commit()  # not handed to RQ: the worker's dispatcher pass must find them
    redis_client.flushdb()
    run(cli_env, "worker", "--burst")
    db.expire_all()
    assert {r.status for r in db.scalars(select(OutboxMessage))} == {"sent"}
    assert fake_at.sent_to("+22376000001") == fake_at.sent_to("+22376000002") == ["Rappel"]
    assert len(fake_at.requests) == 1  # same text, one request


def test_outbox_counts_and_retry_failed(cli_env, fake_at, db):
    ok = queue_sms(db, recipient=AWA, language="fr", message="A", kind="receipt", purpose="receipt", dedupe_key="c:1", now=TEST_NOW)
    bad = queue_sms(db, recipient="+22365000001", language="fr", message="B", kind="receipt", purpose="receipt", dedupe_key="c:2", now=TEST_NOW)
    stopped = queue_sms(db, recipient="+22365000002", language="fr", message="C", kind="reminder", purpose="reminder",
                        dedupe_key="c:3", now=TEST_NOW)
    ok.status = "delivered"
    bad.status, bad.last_error = "failed", "gave up after 4 attempts: 500"
    stopped.status, stopped.last_error = "failed", "stopped: child moved"
    db.commit()
    out = run(cli_env, "outbox")
    assert "delivered  1" in out and "failed     2" in out
    out = run(cli_env, "outbox", "--retry-failed")
    assert "1 failed messages queued again" in out and "pending    1" in out
    assert "0 failed messages queued again" in run(cli_env, "outbox", "--retry-failed")
    db.expire_all()
    assert db.get(OutboxMessage, bad.id).status == "failed"  # history stays; the copy is new


@dataclass(frozen=True)
class QueueThankYou(Effect):
    def apply(self, db, hop) -> None:
        queue_sms(db, recipient=hop.phone, language="fr", message="Merci", kind="receipt", purpose="receipt",
                  dedupe_key=hop.key("thanks"), now=TEST_NOW)


def test_host_enqueues_new_sms_after_the_commit_and_only_then(app, redis_client, db):
    registry = Registry([
        LanguageChoice(CHOOSE_LANGUAGE, first_dial=True), ResumeOffer(),
        Menu(MAIN, "Main menu", [Option("Thanks", "t.done", effects=lambda ctx, s: (QueueThankYou(),)),
                                 Option("Nothing", "t.none")]),
        End("t.done", "Bye"), End("t.none", "Bye"),
    ], entries=(CHOOSE_LANGUAGE, MAIN, RESUME_ID))
    host = UssdHost(registry, SessionStore(redis_client), app.extensions["db_sessions"])
    host.answer("s-1", AWA, "")
    host.answer("s-1", AWA, "2")
    assert host.answer("s-2", AWA, "").startswith("CON")
    assert redis_client.llen("rq:queue:sms") == 0
    host.answer("s-2", AWA, "2")
    assert redis_client.llen("rq:queue:sms") == 0  # no SMS queued: no Redis work for it
    host.answer("s-3", AWA, "")
    assert host.answer("s-3", AWA, "1").startswith("END")
    assert redis_client.llen("rq:queue:sms") == 1
    row = db.scalar(select(OutboxMessage).where(OutboxMessage.recipient == AWA))
    assert row.body == "Merci"


RESUME_ID = ResumeOffer.id

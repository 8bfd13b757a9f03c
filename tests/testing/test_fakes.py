"""`ussd-app serve --fake-gateway …`: the fake it starts takes the app's messages and reports
their delivery back to the app, for either gateway."""

import ast
import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import REDIS_URL, TEST_NOW
from tests.http_server import serving
from ussd_app.config import Settings
from ussd_app.sms import runtime as sms_runtime
from ussd_app.sms.gateways import make_gateway
from ussd_app.sms.outbox import OutboxMessage, queue_sms
from ussd_app.sms.send import deliver
from ussd_app.testing import start_fake_gateway

AWA = "+22376123456"


@pytest.mark.parametrize("name", ["africastalking", "orange"])
def test_a_served_app_sends_to_the_fake_and_hears_back_from_it(name, app, db, redis_client, clock, database_url):
    reported = threading.Event()

    def app_noting_reports(environ, start_response):
        try:
            return app(environ, start_response)
        finally:
            if environ["PATH_INFO"].endswith("/delivery"):
                reported.set()

    with serving(app_noting_reports) as url:
        fake, env = start_fake_gateway(name, url, callback_token=None)
        try:
            fake.receipt_delay_s = 0.05
            settings = Settings.from_env(Path("instance"), env={**env, "DATABASE_URL": database_url,
                                                                 "REDIS_URL": REDIS_URL})
            assert settings.sms_gateway == name
            rt = sms_runtime.SmsRuntime(settings, app.extensions["db_sessions"], redis_client,
                                        make_gateway(settings), clock)
            outbox_id = queue_sms(db, recipient=AWA, language="fr", message="Rappel", kind="reminder",
                                  purpose="reminder", dedupe_key="serve:1", now=TEST_NOW).id
            db.commit()
            assert deliver(rt, outbox_id) == "sent=1"
            assert reported.wait(timeout=10), "the fake never posted its delivery receipt"
        finally:
            fake.stop()
    db.expire_all()
    assert db.scalar(select(OutboxMessage.status).where(OutboxMessage.id == outbox_id)) == "delivered"
    assert fake.sent_to(AWA) == ["Rappel"]


def test_receipts_carry_the_callback_token_when_one_is_set():
    fake, _ = start_fake_gateway("orange", "http://127.0.0.1:5000", callback_token="s3cret")
    fake.stop()
    assert fake.callback_url == "http://127.0.0.1:5000/sms/orange/delivery?token=s3cret"


PACKAGE = Path(__file__).resolve().parents[2] / "ussd_app"


def imports_the_fakes(path: Path) -> bool:
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) else []
        if any(name == "ussd_app.testing" or name.startswith("ussd_app.testing.") for name in names):
            return True
    return False


def test_the_service_never_imports_the_fakes():
    """Only `ussd-app serve --fake-gateway` (a development command) reaches ussd_app.testing."""
    importers = {path.relative_to(PACKAGE).as_posix() for path in PACKAGE.rglob("*.py")
                 if "testing" not in path.relative_to(PACKAGE).parts and imports_the_fakes(path)}
    assert importers == {"cli.py"}

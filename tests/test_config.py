"""Production never starts on development secrets; gunicorn's access log shows no token or phone."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import REDIS_URL
from ussd_app import create_app
from ussd_app.config import DEV_SECRET_KEY, Settings, UnsafeSettings, production_problems
from ussd_app.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"
SECRETS = {"SECRET_KEY": "k" * 48, "USSD_CALLBACK_TOKEN": "ussd-token-" + "u" * 20,
           "SMS_CALLBACK_TOKEN": "sms-token-" + "s" * 20}


def production_env(tmp_path, **changes) -> dict:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "REDIS_URL": REDIS_URL, **SECRETS, **changes}
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.parametrize("changes, named", [
    ({"SECRET_KEY": None}, "SECRET_KEY"),
    ({"SECRET_KEY": DEV_SECRET_KEY}, "SECRET_KEY"),
    ({"SECRET_KEY": "short-but-set"}, "SECRET_KEY"),
    ({"USSD_CALLBACK_TOKEN": None}, "USSD_CALLBACK_TOKEN"),
    ({"SMS_CALLBACK_TOKEN": None}, "SMS_CALLBACK_TOKEN"),
    ({"SMS_CALLBACK_TOKEN": "abc"}, "SMS_CALLBACK_TOKEN"),
    ({"SMS_CALLBACK_TOKEN": SECRETS["USSD_CALLBACK_TOKEN"]}, "different values"),
    ({"USSD_CLOCK_START": "2027-01-31T10:00:00Z"}, "USSD_CLOCK_START"),
    ({"USSD_ENV": "production", "SECRET_KEY": None}, "SECRET_KEY"),
])
def test_the_app_refuses_to_start_in_production_on_development_settings(tmp_path, monkeypatch, changes, named):
    for name in ("USSD_ENV", "SECRET_KEY", "USSD_CALLBACK_TOKEN", "SMS_CALLBACK_TOKEN", "USSD_CLOCK_START"):
        monkeypatch.delenv(name, raising=False)
    for name, value in production_env(tmp_path, **changes).items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UnsafeSettings) as refused:
        create_app()
    assert named in str(refused.value) and "USSD_ENV=development" in str(refused.value)


def test_complete_production_settings_have_no_problem_and_development_needs_none(tmp_path):
    assert production_problems(Settings.from_env(tmp_path, env=production_env(tmp_path))) == []
    dev = Settings.from_env(tmp_path, env={"USSD_ENV": "development"})
    assert dev.development and dev.secret_key == DEV_SECRET_KEY
    assert len(production_problems(dev)) == 3  # the key and both tokens, all named
    with pytest.raises(ValueError, match="USSD_ENV"):
        Settings.from_env(tmp_path, env={"USSD_ENV": "staging"})


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict, port: int, log_path: Path) -> subprocess.Popen:
    """`gunicorn 'ussd_app:create_app()'` as the Procfile runs it, from the checkout."""
    base = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "PYTHONPATH")}
    with log_path.open("w") as log:
        return subprocess.Popen([str(GUNICORN), "--workers", "1", "--bind", f"127.0.0.1:{port}",
                                 "--access-logfile", "-", "--error-logfile", "-", "ussd_app:create_app()"],
                                cwd=ROOT, env={**base, **env}, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        process.wait(timeout=20)


def test_gunicorn_with_only_the_database_and_redis_set_refuses_to_start(tmp_path):
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}", "REDIS_URL": REDIS_URL}
    process = start_gunicorn(env, free_port(), tmp_path / "gunicorn.log")
    try:
        process.wait(timeout=60)
    finally:
        stop(process)
    output = (tmp_path / "gunicorn.log").read_text()
    assert process.returncode != 0
    for name in ("SECRET_KEY", "USSD_CALLBACK_TOKEN", "SMS_CALLBACK_TOKEN"):
        assert f"set {name}" in output


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn stopped"
        try:
            if requests.get(url + "/healthz", timeout=10).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or a busy machine's slow first answer
            pass
        time.sleep(0.1)
    raise AssertionError("gunicorn did not answer in time")


def test_gunicorn_access_log_shows_neither_tokens_nor_phone_numbers(tmp_path):
    env = production_env(tmp_path)
    upgrade(env["DATABASE_URL"])
    port, log_path = free_port(), tmp_path / "gunicorn.log"
    process = start_gunicorn(env, port, log_path)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        token = SECRETS["USSD_CALLBACK_TOKEN"]
        hop = requests.post(f"{url}/ussd?token={token}", timeout=10, data={
            "sessionId": "prod-1", "serviceCode": "*384*1#", "phoneNumber": "+22376123456", "text": ""})
        assert hop.status_code == 200 and hop.text.startswith("CON ")
        requests.post(f"{url}/sms/inbound?token={SECRETS['SMS_CALLBACK_TOKEN']}", timeout=10,
                      data={"from": "+22376123456", "text": "merci", "id": "m-1"})
        requests.get(f"{url}/clinic/people/22376123456?token=abc", timeout=10, allow_redirects=False)
    finally:
        stop(process)
    logged = log_path.read_text()
    assert "POST /ussd?token=<hidden>" in logged and "/sms/inbound?token=<hidden>" in logged
    assert token not in logged and SECRETS["SMS_CALLBACK_TOKEN"] not in logged
    assert "76123456" not in logged and "/clinic/people/223****3456" in logged


@pytest.mark.parametrize("changes, named", [
    ({}, "VOICE_CALLBACK_TOKEN"),
    ({"VOICE_CALLBACK_TOKEN": SECRETS["SMS_CALLBACK_TOKEN"]}, "VOICE_CALLBACK_TOKEN a value of its own"),
    ({"VOICE_CALLBACK_TOKEN": "voice-token-" + "v" * 20, "PUBLIC_BASE_URL": "http://sante.example.ml"},
     "PUBLIC_BASE_URL"),
])
def test_voice_reminders_need_their_own_token_and_an_https_address(tmp_path, changes, named):
    env = production_env(tmp_path, AT_API_KEY="key", AT_VOICE_NUMBER="+22320200000", **changes)
    assert any(named in problem for problem in production_problems(Settings.from_env(tmp_path, env=env)))
    complete = production_env(tmp_path, AT_API_KEY="key", AT_VOICE_NUMBER="+22320200000",
                              VOICE_CALLBACK_TOKEN="voice-token-" + "v" * 20,
                              PUBLIC_BASE_URL="https://sante.example.ml/")
    settings = Settings.from_env(tmp_path, env=complete)
    assert production_problems(settings) == [] and settings.public_base_url == "https://sante.example.ml"

"""`ussd-app send-test --voice`: one call now through the real SDK (here, to the fake)."""

from __future__ import annotations

from click.testing import CliRunner

from tests.sms.test_cli_and_hooks import cli_env, run  # noqa: F401
from tests.voice.conftest import AWA, TONE, VOICE_NUMBER
from ussd_app.cli import main
from ussd_app.voice.fragments import MENU
from ussd_app.voice.recordings import save_recording
from ussd_app.voice.storage import LocalDiskStorage


def test_send_test_voice_places_a_call(cli_env, fake_at, db, clock, tmp_path):
    for key in MENU:
        save_recording(db, LocalDiskStorage(tmp_path / "recordings"), fragment_key=key, language="fr",
                       data=TONE, now=clock.now)
    db.commit()
    out = run(dict(cli_env, AT_VOICE_NUMBER=VOICE_NUMBER), "send-test", AWA, "Essai", "--voice")
    assert f"from {VOICE_NUMBER}: placed session=ATVId_" in out
    [call] = fake_at.calls_to(AWA)
    assert call.caller == VOICE_NUMBER


def test_send_test_voice_without_recordings_falls_back_to_sms(cli_env, fake_at):
    out = run(dict(cli_env, AT_VOICE_NUMBER=VOICE_NUMBER), "send-test", AWA, "Essai", "--voice",
              "--play", "intro.immunization")
    assert "by sms" in out and fake_at.calls == []


def test_send_test_voice_needs_a_voice_number(cli_env):
    result = CliRunner().invoke(main, ["send-test", AWA, "x", "--voice"], env=cli_env)
    assert result.exit_code != 0 and "AT_VOICE_NUMBER" in result.output

"""Sign-in, sessions, CSRF, the login rate limit and the language of the dashboard."""

from __future__ import annotations

from dataclasses import replace

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.clinic.conftest import PASSWORD, Browser, page
from tests.conftest import TEST_NOW
from ussd_app import create_app
from ussd_app.clinic.accounts import authenticate, set_password
from ussd_app.clinic.models import StaffAccount
from ussd_app.clinic.ratelimit import MAX_ATTEMPTS
from ussd_app.config import Settings


def test_anonymous_visitor_is_sent_to_the_login_page(client, world):
    for url in ("/clinic/", "/clinic/registrations", "/clinic/people", "/clinic/campaigns", "/clinic/messages",
                "/clinic/savings"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/clinic/login" in response.headers["Location"]


def test_login_page_is_in_french_by_default(client, world):
    text = page(client.get("/clinic/login"))
    assert "Connexion" in text and "Mot de passe" in text
    assert 'lang="fr"' in text


def test_good_password_signs_in_and_shows_the_centre(browser, world):
    response = browser.login("awa")
    assert response.status_code == 302
    text = page(browser.get("/clinic/registrations"))
    assert "Awa Diarra" in text and "BKO-C1-SOTUBA" in text
    assert "Inscriptions" in text


def test_wrong_password_is_refused_with_a_clear_message(browser, world):
    response = browser.login("awa", "not-the-password")
    assert response.status_code == 401
    assert "Nom d'utilisateur ou mot de passe incorrect." in page(response)
    assert browser.get("/clinic/registrations").status_code == 302


def test_password_is_stored_as_an_argon2_hash(db, world):
    account = db.scalar(select(StaffAccount).where(StaffAccount.username == "awa"))
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash


def test_login_is_rate_limited_per_username_and_address(browser, world, redis_client):
    for _ in range(MAX_ATTEMPTS):
        assert browser.login("awa", "wrong-password").status_code == 401
    blocked = browser.login("awa")  # even the right password waits now
    assert blocked.status_code == 429
    assert "Trop d'essais" in page(blocked)
    # Another account from the same address is not blocked by her mistakes.
    assert Browser(browser.client.application.test_client()).login("bintou").status_code == 302


def test_successful_login_clears_the_failure_count(browser, world):
    for _ in range(MAX_ATTEMPTS - 1):
        browser.login("awa", "wrong-password")
    assert browser.login("awa").status_code == 302
    other = Browser(browser.client.application.test_client())
    for _ in range(MAX_ATTEMPTS - 1):
        other.login("awa", "wrong-password")
    assert other.login("awa").status_code == 302


def test_post_without_csrf_token_is_refused(client, world, signed_in):
    b = signed_in("awa")
    reference = world.a_pending[0].reference
    response = b.client.post(f"/clinic/registrations/{reference}/approve", data={})
    assert response.status_code == 400
    response = b.client.post(f"/clinic/registrations/{reference}/approve", data={"csrf_token": "forged"})
    assert response.status_code == 400
    # The login form is protected too (no login CSRF).
    assert client.post("/clinic/login", data={"username": "awa", "password": PASSWORD}).status_code == 400


def test_logout_ends_the_session(signed_in, world):
    b = signed_in("awa")
    assert b.get("/clinic/registrations").status_code == 200
    assert b.post("/clinic/logout").status_code == 302
    assert b.get("/clinic/registrations").status_code == 302


def test_password_change_signs_out_open_sessions(signed_in, world, db):
    b = signed_in("awa")
    account = db.scalar(select(StaffAccount).where(StaffAccount.username == "awa"))
    set_password(db, account, "another-long-password")
    db.commit()
    assert b.get("/clinic/registrations").status_code == 302


def test_disabled_account_cannot_sign_in_or_stay(signed_in, world, db):
    b = signed_in("awa")
    account = db.scalar(select(StaffAccount).where(StaffAccount.username == "awa"))
    account.active = False
    db.commit()
    assert b.get("/clinic/registrations").status_code == 302
    assert authenticate(db, "awa", PASSWORD, now=TEST_NOW) is None


def test_next_parameter_cannot_send_to_another_site(browser, world):
    browser.get("/clinic/login")
    response = browser.post("/clinic/login", {"username": "awa", "password": PASSWORD,
                                              "next": "https://evil.example/"})
    assert response.headers["Location"].endswith("/clinic/")


def test_language_switch_shows_the_dashboard_in_bambara(signed_in, world):
    b = signed_in("awa")
    b.post("/clinic/language", {"lang": "bm", "next": "/clinic/registrations"})
    text = page(b.get("/clinic/registrations"))
    assert 'lang="bm"' in text
    assert "Tɔgɔsɛbɛnw" in text and "Inscriptions" not in text


def test_staff_create_command(app, world, monkeypatch):
    from ussd_app.cli import main

    monkeypatch.setenv("DATABASE_URL", app.extensions["ussd_settings"].database_url)
    runner = CliRunner()
    result = runner.invoke(main, ["staff", "create", "kadi", "--facility", "bko-c1-sotuba",
                                  "--password", "long-enough-pass"])
    assert result.exit_code == 0, result.output
    assert "created staff kadi for BKO-C1-SOTUBA" in result.output
    again = runner.invoke(main, ["staff", "create", "kadi", "--facility", "BKO-C1-SOTUBA",
                                 "--password", "long-enough-pass"])
    assert again.exit_code != 0 and "taken" in again.output
    short = runner.invoke(main, ["staff", "create", "mimi", "--facility", "BKO-C1-SOTUBA", "--password", "short"])
    assert short.exit_code != 0 and "at least 10" in short.output
    nocentre = runner.invoke(main, ["staff", "create", "mimi", "--password", "long-enough-pass"])
    assert nocentre.exit_code != 0 and "facility code" in nocentre.output
    token = runner.invoke(main, ["staff", "token", "--facility", "BKO-C1-SOTUBA", "--name", "sync"])
    assert token.exit_code == 0 and "csk_" in token.output
    # A facility code is one of the facilities table, or nothing is created.
    for command in (["staff", "create", "fanta", "--password", "long-enough-pass"], ["staff", "token", "--name", "x"]):
        unknown = runner.invoke(main, [*command, "--facility", "NOPE-CODE"])
        assert unknown.exit_code == 1 and "no centre has the code 'NOPE-CODE'" in unknown.output
        close = runner.invoke(main, [*command, "--facility", "SOTUBA"])
        assert close.exit_code == 1 and "did you mean BKO-C1-SOTUBA?" in close.output
    assert "fanta" not in runner.invoke(main, ["staff", "list"]).output


def test_demo_accounts_for_local_runs(app, db):
    from ussd_app.clinic.demo import DEMO_PASSWORD, load_demo_staff

    assert "sage-femme" in load_demo_staff(db, TEST_NOW)
    assert load_demo_staff(db, TEST_NOW) is None  # idempotent
    assert authenticate(db, "sage-femme", DEMO_PASSWORD, now=TEST_NOW).facility_code == "BKO-C1-SOTUBA"


def test_session_cookie_is_https_only_when_configured(app, settings, world):
    plain = app.test_client().get("/clinic/login").headers.get("Set-Cookie", "")
    assert "clinic_session=" in plain and "Secure" not in plain  # local http://localhost works
    secure_app = create_app(replace(settings, secure_cookies=True))
    try:
        cookie = secure_app.test_client().get("/clinic/login", base_url="https://localhost").headers["Set-Cookie"]
    finally:
        secure_app.extensions["db_engine"].dispose()
    assert "clinic_session=" in cookie and "Secure" in cookie and "HttpOnly" in cookie


def test_secure_cookies_setting_refuses_a_value_it_cannot_read(tmp_path):
    assert Settings.from_env(tmp_path, env={"SECURE_COOKIES": "1"}).secure_cookies is True
    assert Settings.from_env(tmp_path, env={}).secure_cookies is False
    with pytest.raises(ValueError, match="SECURE_COOKIES"):
        Settings.from_env(tmp_path, env={"SECURE_COOKIES": "maybe"})

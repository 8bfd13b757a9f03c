"""The dashboard's defences: security headers and no inline script, sessions that end on the
server, the login limit under real concurrency, and the commands that cut off a token or a person."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import select

from tests.clinic.conftest import CSRF, PASSWORD, Browser
from tests.clinic.test_browser import chromium  # noqa: F401 (fixture)
from tests.http_server import serving
from ussd_app import create_app
from ussd_app.clinic.models import ApiToken, StaffAccount
from ussd_app.clinic.ratelimit import MAX_ATTEMPTS

TEMPLATES = Path(__file__).resolve().parents[2] / "ussd_app" / "clinic" / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|<style|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.IGNORECASE)


def assert_security_headers(response, hsts: bool = False) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert ("Strict-Transport-Security" in response.headers) is hsts


def signed_pages(world) -> list[str]:
    phone = world.a_pending[0].phone.lstrip("+")
    return ["/clinic/registrations", "/clinic/registrations?status=all", "/clinic/people",
            f"/clinic/people/{phone}", "/clinic/savings", "/clinic/campaigns", "/clinic/campaigns/new",
            "/clinic/messages", "/clinic/static/clinic.css", "/clinic/static/clinic.js", "/clinic/nowhere"]


def test_every_page_carries_the_security_headers(client, signed_in, world, tokens):
    for url in ("/clinic/login", "/clinic/registrations", "/api/v1/openapi.json", "/nowhere", "/healthz"):
        assert_security_headers(client.get(url))
    assert_security_headers(client.get("/api/v1/enrollments", headers=tokens["a"]))
    b = signed_in("awa")
    for url in signed_pages(world):
        assert_security_headers(b.get(url))


def test_hsts_is_sent_behind_https_only(settings, world):
    secure = create_app(replace(settings, secure_cookies=True))
    try:
        response = secure.test_client().get("/clinic/login", base_url="https://localhost")
    finally:
        secure.extensions["db_engine"].dispose()
    assert_security_headers(response, hsts=True)
    assert "max-age=31536000" in response.headers["Strict-Transport-Security"]


def test_templates_and_pages_hold_no_inline_script_or_style(signed_in, world):
    for template in sorted(TEMPLATES.rglob("*.html")):
        found = INLINE.search(template.read_text())
        assert found is None, f"{template.name}: {found.group(0)!r}"
    b = signed_in("awa")
    for url in signed_pages(world)[:-3]:
        html = b.get(url).get_data(as_text=True)
        found = INLINE.search(html)
        assert found is None, f"{url}: {html[max(0, found.start() - 80):found.end() + 80]!r}"


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, signed_in, world):
    b = signed_in("awa")
    copied = b.client.get_cookie("clinic_session").value
    thief = app.test_client()
    thief.set_cookie("clinic_session", copied)
    assert thief.get("/clinic/registrations").status_code == 200
    assert b.post("/clinic/logout").status_code == 302
    assert thief.get("/clinic/registrations").status_code == 302  # to the sign-in page
    assert b.get("/clinic/registrations").status_code == 302
    again = signed_in("awa")  # signing in again works, with a new session
    assert again.get("/clinic/registrations").status_code == 200


def test_parallel_wrong_logins_get_no_more_tries_than_the_limit(app, world):
    attempts = 40
    with serving(app) as url:
        first = requests.get(f"{url}/clinic/login", timeout=10)
        cookies, token = first.cookies.get_dict(), CSRF.search(first.text).group(1)
        start = threading.Barrier(attempts)

        def wrong_login(i: int) -> int:
            start.wait(timeout=30)
            return requests.post(f"{url}/clinic/login", cookies=cookies, timeout=60,
                                 data={"csrf_token": token, "username": "awa", "password": f"wrong-{i}"}).status_code

        with ThreadPoolExecutor(attempts) as pool:
            statuses = list(pool.map(wrong_login, range(attempts)))
    assert statuses.count(401) == MAX_ATTEMPTS, statuses  # passwords actually checked
    assert statuses.count(429) == attempts - MAX_ATTEMPTS
    assert Browser(app.test_client()).login("awa").status_code == 429  # even the right one, now


@pytest.fixture
def cli(app, monkeypatch):
    from ussd_app.cli import main

    monkeypatch.setenv("DATABASE_URL", app.extensions["ussd_settings"].database_url)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args))


def test_staff_revoke_token_cuts_an_api_token_off(cli, client, db, tokens):
    assert client.get("/api/v1/enrollments", headers=tokens["a"]).status_code == 200
    token_id = db.scalar(select(ApiToken.id).where(ApiToken.name == "test a"))
    listed = cli("staff", "tokens")
    assert listed.exit_code == 0 and f"{token_id}\ttest a\tBKO-C1-SOTUBA" in listed.output
    assert "csk_" not in listed.output
    revoked = cli("staff", "revoke-token", str(token_id))
    assert revoked.exit_code == 0 and "revoked" in revoked.output, revoked.output
    assert client.get("/api/v1/enrollments", headers=tokens["a"]).status_code == 401
    assert client.get("/api/v1/enrollments", headers=tokens["b"]).status_code == 200  # only that one
    assert "revoked" in cli("staff", "tokens").output
    missing = cli("staff", "revoke-token", "999999")
    assert missing.exit_code != 0 and "no API token" in missing.output


def test_staff_disable_ends_her_sessions_and_her_sign_ins(cli, signed_in, world, db):
    b = signed_in("awa")
    result = cli("staff", "disable", "awa")
    assert result.exit_code == 0 and "disabled" in result.output, result.output
    assert b.get("/clinic/registrations").status_code == 302
    assert Browser(b.client.application.test_client()).login("awa", PASSWORD).status_code == 401
    db.expire_all()
    assert db.scalar(select(StaffAccount.active).where(StaffAccount.username == "awa")) is False
    assert signed_in("bintou").get("/clinic/registrations").status_code == 200
    assert cli("staff", "disable", "nobody").exit_code != 0


@pytest.mark.slow
def test_pages_run_under_their_policy_in_a_real_browser(app, chromium, world, db, signed_in):
    """Debian's chromium enforces the policy: any inline script or style left would be refused
    (and reported), and the pages' own scripts must still do their work."""
    from ussd_app.clinic import audience, campaigns
    from ussd_app.clinic.scope import Scope

    campaign, _ = campaigns.create(db, scope=Scope(world.a.code, False), idempotency_key="csp", created_by="awa",
                                   title="Vaccination", audience=audience.Audience("centre"),
                                   messages={"fr": "Venez", "bm": "Aw ka na"}, send_at=None, now=app.extensions["clock"](),
                                   settings=app.extensions["ussd_settings"])
    db.commit()
    with serving(app) as url:
        context = chromium.new_context(locale="fr-FR")
        page = context.new_page()
        page.set_default_timeout(15000)
        refused = []
        page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda exc: refused.append(str(exc)))
        page.goto(f"{url}/clinic/login")
        page.fill("input[name=username]", "awa")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("select[name=status]")
        with page.expect_navigation():
            page.select_option("select[name=status]", "all")  # clinic.js submits the form
        assert "status=all" in page.url
        page.goto(f"{url}/clinic/campaigns/new")
        page.fill("textarea[name=message_fr]", "a" * 161)
        assert page.locator("#counter-fr").get_attribute("data-parts") == "2"  # campaign.js
        page.goto(f"{url}/clinic/campaigns/{campaign.id}")
        assert page.locator("#planned-bar").get_attribute("width") is not None
        page.evaluate("document.body.insertAdjacentHTML('beforeend', '<img src=x onerror=\"window.pwned=1\">')")
        page.wait_for_function("document.querySelector('img[src=x]').complete")
        assert page.evaluate("window.pwned") is None  # an injected handler does not run
        context.close()
    # The one refusal is the injected handler's: the pages' own scripts and styles all ran.
    assert len(refused) == 1 and "inline event handler" in refused[0], refused

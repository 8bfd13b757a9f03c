"""Fixtures for the health area: the shipped CSComs, and helpers that read menus by label."""

from __future__ import annotations

import re
from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.conftest import TEST_NOW
from ussd_app.health.facilities import Facility, load_shipped
from ussd_app.menus.render import text_of
from ussd_app.sms.outbox import OutboxMessage

LANG_KEY = {"bm": "1", "fr": "2"}  # first-dial language list order
REFERENCE = re.compile(r"\b[ACDEFGHJKMNPQRTUVWXY34679]{6}\b")


@pytest.fixture
def facilities(app, db):
    load_shipped(db, now=TEST_NOW)
    db.commit()
    return {f.code: f for f in db.scalars(select(Facility))}


@pytest.fixture
def today(clock) -> date:
    return clock.now.date()


@pytest.fixture
def cli(database_url, tmp_path, clock):
    """Run `ussd-app ...` against the test database, as clinic staff would."""
    from ussd_app.cli import main

    def run(*args: str):
        result = CliRunner().invoke(main, list(args), env={
            "DATABASE_URL": database_url, "USSD_INSTANCE_PATH": str(tmp_path / "cli"),
            "USSD_CLOCK_START": clock.now.isoformat()})
        return result

    return run


def label(lang: str, msgid: str) -> str:
    """A label as the handset shows it (translated, folded to GSM-7)."""
    return text_of(lang, msgid)


def pick(dialer, lang: str, msgid_or_text: str, *, raw: bool = False):
    """Press the number of the option showing this label, paging with 98 to find it."""
    wanted = msgid_or_text if raw else label(lang, msgid_or_text)
    for _ in range(6):
        for line in dialer.screen.split("\n"):
            number, _, rest = line.partition(" ")
            if number.isdigit() and number not in ("0", "98") and wanted in rest:
                return dialer.press(number)
        if "\n98 " not in "\n" + dialer.screen:
            break
        dialer.press("98")
    raise AssertionError(f"no option {wanted!r} on screen:\n{dialer.screen}")


def fresh(dialer, lang: str):
    """Past the first-dial language question or a resume offer, to the main menu."""
    if "Bamanankan" in dialer.screen:
        dialer.press(LANG_KEY[lang])
    if label(lang, "Your last session was cut off.") in dialer.screen:
        dialer.press("2")
    return dialer


def read_all_pages(dialer) -> list[str]:
    pages = [dialer.screen]
    while "98 " in dialer.screen.split("\n")[-1]:
        dialer.press("98")
        pages.append(dialer.screen)
    return pages


def outbox(db, kind: str | None = None, phone: str | None = None) -> list[OutboxMessage]:
    db.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if kind:
        query = query.where(OutboxMessage.kind == kind)
    if phone:
        query = query.where(OutboxMessage.recipient == phone)
    return list(db.scalars(query))


def ddmmyyyy(day: date) -> str:
    return day.strftime("%d%m%Y")

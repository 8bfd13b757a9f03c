"""The engine on a small menu graph of its own: navigation, pagination, hints, replay, resume.

The pure part (`open_session`/`step`) is table-tested without I/O. The host part (new input,
resent hops, lost sessions, dropped sessions, broken database) runs the real webhook on real
Redis and each database, with `toy_app` swapping the registry for the one below.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, func, select, text

from tests.dialer import Dialer
from tests.http_server import serving
from ussd_app.effects import Hop
from ussd_app.menus.engine import (
    CHOOSE_LANGUAGE,
    MAIN,
    RESUME,
    Ctx,
    ResumeOffer,
    open_session,
    step,
)
from ussd_app.menus.host import UssdHost, new_input
from ussd_app.menus.main import LanguageChoice
from ussd_app.menus.render import SCREEN_LIMIT
from ussd_app.menus.screens import (
    INVALID_CHOICE,
    Effect,
    End,
    Go,
    Invalid,
    Menu,
    Option,
    Prompt,
    Raw,
)
from ussd_app.menus.store import SessionStore
from ussd_app.subscribers import Subscriber
from ussd_app.text.gsm import is_gsm
from ussd_app.text.i18n import N_

# --- a small menu graph ---------------------------------------------------------------------

effect_meta = MetaData()
effect_log = Table("test_effect_log", effect_meta,
                   Column("id", Integer, primary_key=True),
                   Column("hop_key", String(200)),
                   Column("value", String(200)))


@dataclass(frozen=True)
class LogRow(Effect):
    """Deliberately NOT idempotent: every apply adds a row, so counting rows counts applies."""

    value: str
    pause: float = 0.0  # holds the hop open, so resent twins arrive while it is being answered

    def apply(self, db, hop) -> None:
        db.execute(effect_log.insert().values(hop_key=hop.key("log"), value=self.value))
        time.sleep(self.pause)


@dataclass(frozen=True)
class FailingWrite(Effect):
    """Writes a row, then the database refuses the next statement."""

    def apply(self, db, hop) -> None:
        db.execute(effect_log.insert().values(hop_key=hop.key("fail"), value="half"))
        db.execute(text("INSERT INTO no_such_table VALUES (1)"))


def _name(value: str, ctx, s) -> str:
    if not value.strip():
        raise Invalid(INVALID_CHOICE)
    return value


def _number(value: str, ctx, s) -> int:
    if not (value.isascii() and value.isdigit()):
        raise Invalid(INVALID_CHOICE)
    return int(value)


CONTINUE_STEPS = N_("Continue the steps?")  # t.two holds step one's answer: something to lose
LONG_TEXT = " ".join(f"Para{i} lorem ipsum dolor sit amet." for i in range(1, 16))  # ~480 chars


def toy_screens():
    return [
        LanguageChoice(CHOOSE_LANGUAGE, first_dial=True),
        LanguageChoice("lang.change", first_dial=False),
        ResumeOffer(),
        Menu(MAIN, N_("Main menu"), [
            Option(Raw("Name"), "t.name"),
            Option(Raw("Long"), "t.long"),
            Option(Raw("Steps"), "t.one"),
            Option(Raw("Broken"), "t.broken"),
            Option(Raw("Absent"), "t.absent"),
            Option(N_("Change language"), "lang.change"),
        ], resumable=False),
        Prompt("t.name", Raw("Your name?"), _name,
               lambda ctx, s, v: Go("t.confirm", data={"name": v}), targets=["t.confirm"],
               examples=["Awa*T"]),
        Menu("t.confirm", lambda ctx, s: Raw(f"Name: {s.data['name']}"), [
            Option(Raw("Save"), "t.saved", effects=lambda ctx, s: (LogRow(s.data["name"]),)),
        ]),
        End("t.saved", lambda ctx, s: Raw(f"Saved {s.data['name']}")),
        Menu("t.long", Raw(LONG_TEXT), [Option(Raw(f"Item {i}"), MAIN) for i in range(1, 4)]),
        Prompt("t.one", Raw("Step one: a number"), _number,
               lambda ctx, s, v: Go("t.two", data={"one": v}, effects=(LogRow(f"one={v}", 0.2),)),
               targets=["t.two"], examples=["5"]),
        Prompt("t.two", Raw("Step two: a number"), _number,
               lambda ctx, s, v: Go("t.done", data={"two": v}, effects=(LogRow(f"two={v}"),)),
               targets=["t.done"], examples=["7"], resumable=CONTINUE_STEPS),
        End("t.done", lambda ctx, s: Raw(f"Done {s.data['one']}+{s.data['two']}")),
        Menu("t.broken", Raw("Will fail"), [
            Option(Raw("Go"), "t.never", effects=lambda ctx, s: (FailingWrite(),)),
        ]),
        End("t.never", Raw("Never shown")),
        Prompt("t.absent", Raw("How many absent?"), _number,
               lambda ctx, s, v: Go("t.counted", data={"absent": v}), targets=["t.counted"],
               accepts_zero=True, examples=["0"]),
        End("t.counted", lambda ctx, s: Raw(f"Absent: {s.data['absent']}")),
    ]


def toy_registry():
    from ussd_app.menus.registry import Registry

    return Registry(toy_screens(), entries=(CHOOSE_LANGUAGE, MAIN, RESUME))


NOW = datetime(2026, 11, 22, 9, 0, tzinfo=timezone.utc)
CTX = Ctx(db=None, now=NOW)


def walk(lang: str | None, *keys: str):
    """Open a session on the toy graph and press `keys`; return the last StepResult."""
    reg = toy_registry()
    result = open_session(reg, CTX, "s1", "+22376123456", lang)
    for key in keys:
        result = step(reg, CTX, result.session, key)
    return result


# --- pure engine, table-driven ---------------------------------------------------------------

@pytest.mark.parametrize("lang, keys, screen, end, shows", [
    (None, (), CHOOSE_LANGUAGE, False, ["1 Bamanankan", "2 Francais"]),
    (None, ("2",), MAIN, False, ["Menu principal", "1 Name"]),
    (None, ("1",), MAIN, False, ["Mènu ba", "Kan yèlèma"]),
    (None, ("3",), CHOOSE_LANGUAGE, False, ["Choix invalide", "1 Bamanankan"]),
    ("fr", (), MAIN, False, ["Menu principal"]),
    ("fr", ("1",), "t.name", False, ["Your name?", "0 Retour"]),
    ("fr", ("1", "Awa*T"), "t.confirm", False, ["Name: Awa*T"]),
    ("fr", ("1", "Awa*T", "1"), "t.saved", True, ["Saved Awa*T"]),
    ("fr", ("1", "0"), MAIN, False, ["Menu principal"]),
    ("fr", ("1", "00"), MAIN, False, ["Menu principal"]),
    ("fr", ("3", "5", "00"), MAIN, False, ["Menu principal"]),
    ("fr", ("3", "x"), "t.one", False, ["Choix invalide. Réessayez.", "Step one"]),
    ("bm", ("3", "x"), "t.one", False, ["Sugandili ma nyè", "Step one"]),
    ("fr", ("9",), MAIN, False, ["Choix invalide", "1 Name"]),
    ("fr", ("²",), MAIN, False, ["Choix invalide", "1 Name"]),
    ("fr", ("98",), MAIN, False, ["Il n'y a pas de page suivante.", "1 Name"]),
    ("bm", ("98",), MAIN, False, ["Nyè wèrè tè yen.", "1 Name"]),
    ("fr", ("0",), MAIN, False, ["Choix invalide", "1 Name"]),  # nothing to go back to
    ("fr", ("3", "5", "7"), "t.done", True, ["Done 5+7"]),
    ("fr", ("5", "0"), "t.counted", True, ["Absent: 0"]),  # accepts_zero: "0" is an answer
    ("fr", ("5", "98"), "t.counted", True, ["Absent: 98"]),  # ... and so is "98"
    ("fr", ("5", "00"), MAIN, False, ["Menu principal"]),  # "00" still goes home
    ("fr", ("6", "1"), MAIN, False, ["Mènu ba"]),  # language changed for the rest of the session
])
def test_step_table(lang, keys, screen, end, shows):
    result = walk(lang, *keys)
    assert result.session.screen == screen
    assert result.reply.end is end
    wire = result.reply.wire()
    assert len(wire) <= SCREEN_LIMIT and is_gsm(wire), wire
    for fragment in shows:
        assert fragment in result.reply.text, (fragment, result.reply.text)


def test_hint_goes_above_the_screen_it_re_asks():
    text = walk("fr", "3", "x").reply.text
    assert text.splitlines()[0] == "Choix invalide. Réessayez."
    assert text.splitlines()[1] == "Step one: a number"


def _pages(lang: str):
    """Every page of the long screen, in order, following 98 until the hint says there is no more."""
    result = walk(lang, "2")
    pages = [result.reply.text]
    while True:
        result = step(toy_registry(), CTX, result.session, "98")
        if result.reply.text.startswith(("Il n'y a pas", "Nyè wèrè")):
            return pages, result
        pages.append(result.reply.text)
        assert len(pages) < 10, "98 never reaches the last page"


@pytest.mark.parametrize("lang, more, back", [("fr", "98 Suite", "0 Retour"), ("bm", "98 A tò", "0 Segin")])
def test_long_content_pages_with_98_and_0(lang, more, back):
    pages, after_last = _pages(lang)
    assert len(pages) >= 3
    for page in pages:
        assert len("CON " + page) <= SCREEN_LIMIT and is_gsm(page)
    for page in pages[:-1]:
        assert page.splitlines()[-1] == f"{more}  {back}"  # the menu was entered from main: back
    assert pages[-1].splitlines()[-1] == back and more not in pages[-1]
    # Nothing is lost or repeated between pages: every paragraph and every item shows once.
    shown = "\n".join(pages)
    for i in range(1, 16):
        assert shown.count(f"Para{i} ") == 1, i
    for i in range(1, 4):
        assert shown.count(f"{i} Item {i}") == 1
    # After the last page, "98" re-asks the same page with the hint above it, options kept.
    hinted = after_last.reply.text.splitlines()
    assert hinted[0].startswith(("Il n'y a pas", "Nyè wèrè"))
    assert hinted[-1] == back
    assert [f"{i} Item {i}" for i in range(1, 4)] == [line for line in hinted if "Item" in line]
    # "0" walks back page by page, then to the main menu.
    result = after_last
    for expected in reversed(pages[:-1]):
        result = step(toy_registry(), CTX, result.session, "0")
        assert result.reply.text == expected
    result = step(toy_registry(), CTX, result.session, "0")
    assert result.session.screen == MAIN


def test_options_are_numbered_globally_across_pages():
    pages, _ = _pages("fr")
    result = walk("fr", "2", "1")  # "Item 1" sits on the last page, pressing 1 on page 1 works
    assert result.session.screen == MAIN
    assert "1 Item 1" not in pages[0]


def test_first_page_without_history_has_no_back_but_later_pages_do():
    from ussd_app.menus.render import paginate
    from ussd_app.menus.screens import View

    view = View((Raw(LONG_TEXT),), (Raw("1 A"),))
    pages = paginate("fr", view, can_go_back=False)
    assert "0 Retour" not in pages[0] and pages[0].endswith("98 Suite")
    assert all(p.endswith("98 Suite  0 Retour") for p in pages[1:-1])
    assert pages[-1].endswith("0 Retour")
    # The same paragraphs in the same order whatever the first page shows.
    joined = " ".join(line for p in pages for line in p.splitlines()
                      if not line.startswith(("98 ", "0 ")))
    assert joined.replace("  ", " ").startswith("Para1 lorem")


def test_hint_without_room_keeps_the_text_and_every_option():
    from ussd_app.menus.render import paginate, render_page
    from ussd_app.menus.screens import View

    items = tuple(Raw(f"{i} Option number {i} here") for i in range(1, 6))
    view = View((Raw("Title of the list"),), items)
    assert len(paginate("fr", view, True)) == 1
    text, page = render_page("fr", view, True, 0, INVALID_CHOICE)
    assert len(text) <= SCREEN_LIMIT - 4
    # No room for the whole hint and the footer: the hint keeps its first sentence, the footer
    # goes ("0" works all the same), the title and every option stay.
    assert text.splitlines() == ["Choix invalide.", "Title of the list"] + [i.text for i in items]
    short, _ = render_page("fr", View((Raw("Pick"),), items[:2]), True, 0, INVALID_CHOICE)
    assert short.splitlines() == ["Choix invalide. Réessayez.", "Pick", items[0].text, items[1].text,
                                  "0 Retour"]


def test_prompt_answer_may_contain_star_and_new_input_is_the_tail():
    assert new_input("", "1") == "1"
    assert new_input("1", "1*Awa*T") == "Awa*T"
    assert new_input("1*Awa*T", "1*Awa*T*1") == "1"
    assert new_input("1", "1*") == ""
    assert new_input("1", "1") is None  # a resend
    assert new_input("1*2", "1*3") is None  # not a continuation: rebuilt from text
    assert new_input("", "") is None


def test_resume_offer_continues_or_starts_again():
    reg = toy_registry()
    dropped = walk("fr", "3", "5").session
    saved = {"screen": dropped.screen, "page": dropped.page, "history": dropped.history,
             "data": dropped.data}
    offer = open_session(reg, CTX, "s2", dropped.phone, "fr", resumable=saved)
    assert offer.session.screen == RESUME
    assert "Votre dernière session a été coupée." in offer.reply.text
    assert "1 Continuer" in offer.reply.text and "2 Recommencer" in offer.reply.text
    cont = step(reg, CTX, offer.session, "1")
    assert cont.session.screen == "t.two" and "Step two" in cont.reply.text
    done = step(reg, CTX, cont.session, "7")
    assert done.reply.end and "Done 5+7" in done.reply.text
    again = step(reg, CTX, open_session(reg, CTX, "s3", dropped.phone, "fr", resumable=saved).session, "2")
    assert again.session.screen == MAIN and again.session.history == []


def test_step_effects_are_returned_not_applied():
    result = walk("fr", "3", "5")
    assert result.effects == [LogRow("one=5", 0.2)]
    assert walk("fr", "3", "x").effects == []


def test_hop_key_is_stable_and_distinct():
    hop = Hop("S", "+22376123456", 3, NOW)
    assert hop.key("log") == Hop("S", "+22376123456", 3, NOW).key("log")
    assert hop.key("log") != Hop("S", "+22376123456", 4, NOW).key("log")
    # Another phone posting the same session id is another session: its effects are its own.
    assert hop.key("log") != Hop("S", "+22376000000", 3, NOW).key("log")
    assert "22376123456" not in hop.key("log")


# --- the host on real Redis and each database -------------------------------------------------

def use_registry(app, registry) -> None:
    """Answer this app's callbacks with another menu graph (same Redis, same database)."""
    settings = app.extensions["ussd_settings"]
    store = SessionStore(app.extensions["redis"], settings.session_ttl_seconds,
                         settings.resume_window_seconds)
    app.extensions["ussd_host"] = UssdHost(registry, store, app.extensions["db_sessions"], settings)


@pytest.fixture
def toy_app(app):
    engine = app.extensions["db_engine"]
    effect_meta.drop_all(engine)
    effect_meta.create_all(engine)
    use_registry(app, toy_registry())
    yield app
    effect_meta.drop_all(engine)


@pytest.fixture
def toy_dial(toy_app):
    client = toy_app.test_client()

    def start(phone: str = "+22376123456", session_id: str | None = None) -> Dialer:
        return Dialer(client, phone=phone, service_code="*384*123#",
                      session_id=session_id or "t-" + uuid.uuid4().hex[:12])

    return start


def effect_rows(app) -> list[tuple[str, str]]:
    with app.extensions["db_sessions"]() as db:
        return [tuple(r) for r in db.execute(select(effect_log.c.hop_key, effect_log.c.value)
                                             .order_by(effect_log.c.id))]


def french_dialer(toy_dial, **kw) -> Dialer:
    return toy_dial(**kw).press("2").sees("Menu principal")


def test_answer_with_star_goes_through_the_webhook(toy_app, toy_dial):
    d = french_dialer(toy_dial).press("1").press("Awa*T").sees("Name: Awa*T")
    d.press("1").sees("Saved Awa*T")
    assert [v for _, v in effect_rows(toy_app)] == ["Awa*T"]


def test_repeated_hop_gives_identical_answer_and_applies_once(toy_app, toy_dial):
    d = french_dialer(toy_dial).press("3")
    d.press("5")
    first = d.answer
    assert d.resend() == first and d.resend() == first
    assert [v for _, v in effect_rows(toy_app)] == ["one=5"]
    d.press("7").sees("Done 5+7")
    assert d.resend() == d.answer  # the END too
    assert [v for _, v in effect_rows(toy_app)] == ["one=5", "two=7"]


def test_session_lost_between_hops_is_rebuilt_from_text(toy_app, toy_dial, redis_client):
    d = french_dialer(toy_dial).press("3", "5").sees("Step two")
    redis_client.flushdb()
    d.press("7").sees("Done 5+7")
    assert [v for _, v in effect_rows(toy_app)] == ["one=5", "two=7"]


def test_session_lost_then_hop_resent_applies_with_the_same_key(toy_app, toy_dial, redis_client):
    d = french_dialer(toy_dial).press("3", "5")
    first = d.answer
    redis_client.flushdb()  # the answer cache is gone too: the resend is computed again
    assert d.resend() == first
    rows = effect_rows(toy_app)
    # The non-idempotent test effect ran twice, under one key: keyed effects write once.
    assert [v for _, v in rows] == ["one=5", "one=5"] and len({k for k, _ in rows}) == 1
    d.press("7").sees("Done 5+7")


def test_lost_session_replays_star_answers_as_typed_pieces(toy_app, toy_dial, redis_client):
    d = french_dialer(toy_dial).press("1", "Awa")
    redis_client.flushdb()
    d.press("1").sees("Saved Awa")


def test_dropped_session_offers_continue(toy_app, toy_dial, redis_client):
    french_dialer(toy_dial).press("3", "5").sees("Step two")
    d = toy_dial().sees("Votre dernière session a été coupée.", "1 Continuer", "2 Recommencer")
    d.press("1").sees("Step two")
    d.press("7").sees("Done 5+7")
    assert [v for _, v in effect_rows(toy_app)] == ["one=5", "two=7"]
    toy_dial().sees("Menu principal")  # finished: nothing to resume


def test_no_offer_to_resume_where_nothing_would_be_lost(toy_app, toy_dial):
    french_dialer(toy_dial).press("3").sees("Step one")  # nothing typed yet
    toy_dial().sees("Menu principal")
    toy_dial().press("2").sees("Para1")  # reading a long text
    toy_dial().sees("Menu principal")


def test_the_offer_says_what_it_resumes(toy_app, toy_dial):
    french_dialer(toy_dial).press("3", "5").sees("Step two")
    toy_dial().sees("coupée", "Continue the steps?", "1 Continuer")


def drop_sessions(redis_client) -> None:
    """Redis loses the sessions (evicted, expired), not the rest."""
    for key in redis_client.scan_iter("ussd:s:*"):
        redis_client.delete(key)


def test_a_resumed_session_lost_by_redis_is_rebuilt_from_the_offer(toy_app, toy_dial, redis_client):
    french_dialer(toy_dial).press("3", "5")
    d = toy_dial().sees("Continue the steps?").press("1").sees("Step two")
    drop_sessions(redis_client)
    d.press("7").sees("Done 5+7")
    assert [v for _, v in effect_rows(toy_app)] == ["one=5", "two=7"]
    # Lost at the offer itself: the offer's answer still means what it meant.
    toy_dial().press("3", "6")
    d = toy_dial().sees("Continue the steps?")
    drop_sessions(redis_client)
    d.press("1").sees("Step two").press("8").sees("Done 6+8")


def test_dropped_session_start_again(toy_app, toy_dial, redis_client):
    french_dialer(toy_dial).press("3", "5")
    toy_dial().sees("coupée").press("2").sees("Menu principal").press("0").sees("Choix invalide")
    toy_dial().sees("Menu principal")  # the offer is gone once declined


def test_resume_offer_is_kept_for_ten_minutes_only_and_per_phone(toy_app, toy_dial, redis_client):
    french_dialer(toy_dial).press("3", "5")
    ttl = redis_client.ttl("ussd:resume:+22376123456")
    assert 0 < ttl <= 600
    french_dialer(toy_dial, phone="+22376000001").sees("Menu principal")  # another phone
    redis_client.pexpire("ussd:resume:+22376123456", 1)  # as if the ten minutes had passed
    time.sleep(0.05)
    assert redis_client.get("ussd:resume:+22376123456") is None
    toy_dial().sees("Menu principal")


def test_resume_offer_is_in_the_callers_language(toy_app, toy_dial):
    toy_dial().press("1").press("3", "5")
    toy_dial().sees("1 Taa nyèfè", "2 A daminè kokura")


def test_concurrent_twins_apply_once_and_all_get_the_answer(toy_app):
    import threading

    import requests

    with serving(toy_app) as base_url:
        url = base_url + "/ussd"
        form = {"sessionId": "twins-" + uuid.uuid4().hex[:8], "serviceCode": "*384*123#",
                "phoneNumber": "+22376123456", "networkCode": "61002"}
        for text_ in ("", "2", "2*3"):
            assert requests.post(url, data=dict(form, text=text_), timeout=10).status_code == 200
        barrier = threading.Barrier(3)
        answers: list = []

        def hop():
            barrier.wait()
            r = requests.post(url, data=dict(form, text="2*3*5"), timeout=20)
            answers.append((r.status_code, r.headers["Content-Type"], r.text))

        threads = [threading.Thread(target=hop) for _ in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(answers) == 3
    assert {a[:2] for a in answers} == {(200, "text/plain; charset=utf-8")}
    assert len({a[2] for a in answers}) == 1 and answers[0][2].startswith("CON Step two")
    assert [v for _, v in effect_rows(toy_app)] == ["one=5"]


def test_session_round_trips_through_its_stored_form():
    s = walk("fr", "3", "5").session
    s.data["nested"] = {"a": [1, 2]}
    assert set(s.to_dict()) == {f.name for f in dataclasses.fields(s)}
    assert type(s).from_dict(s.to_dict()) == s


def test_a_hop_that_writes_holds_the_session_until_its_commit(toy_app, toy_dial, redis_client):
    """A resent twin must not be answered from Redis before the data behind the answer commits."""
    from sqlalchemy import event

    sessions = toy_app.extensions["db_sessions"]
    locked_at_commit: list[bool] = []

    def before_commit(db):
        locked_at_commit.append(bool(redis_client.exists(SessionStore.lock_key(d.session_id, d.phone))))

    d = french_dialer(toy_dial).press("3")
    event.listen(sessions, "before_commit", before_commit)
    try:
        d.press("5").sees("Step two")  # writes a row (an effect)
        d.press("0")  # navigation only: nothing to commit
    finally:
        event.remove(sessions, "before_commit", before_commit)
    assert locked_at_commit == [True, False]  # the read-only hop freed it with its save
    assert not redis_client.exists(SessionStore.lock_key(d.session_id, d.phone))  # every hop frees it


def test_database_error_mid_hop_writes_nothing_and_ends_politely(toy_app, toy_dial, redis_client):
    d = french_dialer(toy_dial).press("4").sees("Will fail")
    d.press("1")
    assert d.ended and "Désolé" in d.answer
    assert effect_rows(toy_app) == []  # the first insert rolled back with the failing one
    # Redis was not told either: the session is still on the screen before the failure.
    stored = redis_client.get(SessionStore.session_key(d.session_id, d.phone))
    assert stored is not None and b'"screen": "t.broken"' in stored


def test_unknown_screen_in_stored_session_is_rebuilt(toy_app, toy_dial, redis_client):
    d = french_dialer(toy_dial).press("3")
    key = SessionStore.session_key(d.session_id, d.phone)
    redis_client.set(key, redis_client.get(key).replace(b'"t.one"', b'"gone.screen"'))
    d.press("5").sees("Step two")


# --- outages ---------------------------------------------------------------------------------

def _app_with(settings, **changes):
    from ussd_app import create_app

    app = create_app(dataclasses.replace(settings, **changes))
    app.config["TESTING"] = True
    return app


def _post(client, phone: str, text_: str = "", session_id: str = "outage-1"):
    return client.post("/ussd", data={"sessionId": session_id, "serviceCode": "*384*123#",
                                      "phoneNumber": phone, "text": text_})


@pytest.mark.parametrize("lang, words", [("bm", "Hakèto"), ("fr", "Désolé")])
def test_redis_unreachable_polite_end_in_stored_language_within_a_second(app, db, settings, lang, words):
    db.add(Subscriber(phone="+22376123456", language=lang, created_at=NOW))
    db.commit()
    down = _app_with(settings, redis_url="redis://127.0.0.1:1/0")
    try:
        client = down.test_client()
        started = time.monotonic()
        response = _post(client, "+22376123456", "1")
        elapsed = time.monotonic() - started
    finally:
        down.extensions["db_engine"].dispose()
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.startswith("END ") and words in body
    assert len(body) <= SCREEN_LIMIT and is_gsm(body)
    assert elapsed < 1.0  # the protocol's promise: the caller is not left waiting
    with app.extensions["db_sessions"]() as check:
        assert check.scalar(select(func.count()).select_from(Subscriber)) == 1


def test_redis_unreachable_unknown_caller_gets_both_languages_and_nothing_written(app, settings):
    down = _app_with(settings, redis_url="redis://127.0.0.1:1/0")
    try:
        body = _post(down.test_client(), "+22376999999", "2").get_data(as_text=True)
    finally:
        down.extensions["db_engine"].dispose()
    assert body.startswith("END ") and "Hakèto" in body and "Désolé" in body and len(body) <= 160
    with app.extensions["db_sessions"]() as check:
        assert check.scalar(select(func.count()).select_from(Subscriber)) == 0


def test_database_unreachable_polite_end_and_nothing_stored(app, settings, redis_client):
    down = _app_with(settings, database_url="postgresql+psycopg://postgres@127.0.0.1:1/none")
    try:
        response = _post(down.test_client(), "+22376123456")
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and body.startswith("END ") and "Désolé" in body
        assert len(body) <= SCREEN_LIMIT and is_gsm(body)
        health = down.test_client().get("/healthz")
        assert health.status_code == 503 and "database" in health.get_data(as_text=True)
    finally:
        down.extensions["db_engine"].dispose()
    assert [k for k in redis_client.keys("ussd:*") if not k.startswith(b"ussd:lock:")] == []


# --- the registry ------------------------------------------------------------------------------

def _entries():
    return [LanguageChoice(CHOOSE_LANGUAGE, first_dial=True), ResumeOffer(),
            Menu(MAIN, N_("Main menu"), [Option(Raw("A"), "x.a")])]


@pytest.mark.parametrize("extra, problem", [
    ([], "leads to missing screen 'x.a'"),
    ([End("x.a", Raw("a")), End("x.island", Raw("nobody comes here"))], "unreachable screens: ['x.island']"),
    ([Menu("x.a", Raw("loop"), [Option(Raw("again"), "x.a")])], "'x.a' is a trap"),
    ([Menu("x.a", Raw("a"), [Option(Raw("b"), "x.b")]), End("x.a", Raw("dup"))], "duplicate screen id 'x.a'"),
    ([Prompt("x.a", Raw("a"), _name, lambda c, s, v: Go("x.z"), targets=["x.z"])], "missing screen 'x.z'"),
    ([Menu("x.a", Raw("a"), [Option(Raw("b"), MAIN)], resume_gate="x.pin")], "missing screen 'x.pin'"),
])
def test_registry_refuses_broken_graphs(extra, problem):
    from ussd_app.menus.registry import MenuGraphError, Registry

    with pytest.raises(MenuGraphError) as caught:
        Registry(_entries() + extra, entries=(CHOOSE_LANGUAGE, MAIN, RESUME))
    assert problem in str(caught.value)


def test_registry_refuses_a_missing_entry_screen():
    from ussd_app.menus.registry import MenuGraphError, Registry

    with pytest.raises(MenuGraphError, match="entry screen 'resume' is missing"):
        Registry([s for s in _entries() if s.id != RESUME] + [End("x.a", Raw("a"))],
                 entries=(CHOOSE_LANGUAGE, MAIN, RESUME))


def test_undeclared_target_at_run_time_is_refused():
    from ussd_app.menus.registry import MenuGraphError, Registry

    sneaky = Prompt("x.a", Raw("a"), _name, lambda c, s, v: Go(MAIN), targets=["x.b"])
    reg = Registry(_entries() + [sneaky, End("x.b", Raw("b"))], entries=(CHOOSE_LANGUAGE, MAIN, RESUME))
    s = step(reg, CTX, open_session(reg, CTX, "s", "+22376123456", "fr").session, "1").session
    with pytest.raises(MenuGraphError, match="undeclared target 'main'"):
        step(reg, CTX, s, "anything")


def test_the_real_registry_validates():
    from ussd_app.menus import registry

    registry.cache_clear()
    reg = registry()
    assert {CHOOSE_LANGUAGE, MAIN, RESUME, "lang.change"} <= set(reg.screens)
    assert set(reg.screens) == reg.reachable()

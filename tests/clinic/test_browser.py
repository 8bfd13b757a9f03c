"""End to end in a real headless browser (Debian's chromium driven by Playwright): a midwife
signs in, approves two registrations, sets an appointment, and sends a bilingual campaign that
runs to completion through the real SDK against the local fake SMS API; then every page on a
360 px phone, in French and in Bambara."""

from __future__ import annotations

import shutil
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.clinic.conftest import PASSWORD, enroll, raw_codes_in
from tests.conftest import TEST_NOW
from tests.http_server import serving
from ussd_app.clinic.models import Campaign
from ussd_app.health.enrollment import DECLINE_REASONS
from ussd_app.sms.outbox import OutboxMessage
from ussd_app.text.gsm import sms_size, to_gsm

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
FR = "Journée de vaccination samedi 9h au CSCom Sotuba. Venez avec le carnet de l'enfant."
BM = "Boloci don ye sibiri ye, lɛri 9, Sotuba kɛnɛya so la. Aw ka na ni den ka kayiye ye."

pytestmark = pytest.mark.slow


@pytest.fixture
def live_server(app):
    with serving(app) as url:
        yield url


@pytest.fixture
def chromium():
    if shutil.which(CHROMIUM) is None:  # scripts/services installs it; say so rather than skip
        pytest.fail("chromium is not installed: run scripts/services (it apt-installs chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def test_midwife_day_in_the_browser(live_server, chromium, world, db, work, fake_at, tmp_path):
    enroll(db, world.a, "+22376000003", kind="child", child_name="Moussa",
           birth_date=TEST_NOW.date() - timedelta(days=300))
    db.commit()
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")  # a phone
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    # Sign in.
    page.goto(f"{live_server}/clinic/login")
    page.fill("input[name=username]", "awa")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Inscriptions')")

    # Approve two registrations.
    for enrollment in world.a_pending:
        page.click(f"#reg-{enrollment.reference} button[name=approve]")
        page.wait_for_selector(f".flash:has-text('{enrollment.reference}')")
    page.screenshot(path=str(tmp_path / "registrations.png"), full_page=True)
    statuses = {e.reference: db.get(type(e), e.id) for e in world.a_pending}
    db.expire_all()
    assert all(db.get(type(e), e.id).status == "approved" for e in statuses.values())

    # Set an appointment for the first mother.
    page.goto(f"{live_server}/clinic/people/{world.a_pending[0].phone.lstrip('+')}")
    when = TEST_NOW.date() + timedelta(days=5)
    page.fill("form[action$=appointments] input[name=date]", when.strftime("%d/%m/%Y"))  # as staff write it
    page.click("text=Fixer le rendez-vous")
    page.wait_for_selector(".flash:has-text('Rendez-vous fixé')")
    page.screenshot(path=str(tmp_path / "person.png"), full_page=True)

    # A bilingual campaign to the centre's mothers, with the live counter and recipient count.
    page.goto(f"{live_server}/clinic/campaigns/new")
    page.wait_for_selector("#recipient-count:has-text('Destinataires : 3')")
    assert page.locator("[data-for=pregnant]").is_hidden()
    page.check("input[name=audience][value=pregnant]")
    assert page.locator("[data-for=pregnant]").is_visible()
    page.check("input[name=audience][value=centre]")
    page.wait_for_selector("#recipient-count:has-text('Destinataires : 3')")
    page.fill("input[name=title]", "Journée de vaccination")
    page.fill("textarea[name=message_fr]", FR)
    page.fill("textarea[name=message_bm]", BM)
    for field, text in (("fr", FR), ("bm", BM)):
        counter = page.locator(f"#counter-{field}")
        expected = sms_size(to_gsm(text))
        assert counter.get_attribute("data-chars") == str(expected.units)
        assert counter.get_attribute("data-parts") == str(expected.parts)
        assert "GSM-7" in counter.inner_text()
    # The counter follows the server's rules on awkward text too (extension characters, 2 parts,
    # tone marks, invisible and unusual spaces, ligatures, emoji): it counts exactly what is sent.
    for sample in ("€" * 81, "a" * 161, "[ɲɔ] " * 40, "Ça coûte 500 FCFA {test}", "Bìlakɔrɔ ɛ̀ ɔ́ ŋ",
                   "Zéro\u200blargeur\u2003espace\u2028ligne ﬁn ① ™", "Vaccination 💉 samedi 😀",
                   "كلمة 𝐀 \u0300x"):
        page.fill("textarea[name=message_fr]", sample)
        sent = to_gsm(sample)
        expected = sms_size(sent)
        counter = page.locator("#counter-fr")
        assert counter.get_attribute("data-sent") == sent, sample
        assert (counter.get_attribute("data-chars"), counter.get_attribute("data-parts")) == (
            str(expected.units), str(expected.parts)), sample
    # Characters that will not reach a basic phone are named, and so are the replaced ones.
    page.fill("textarea[name=message_fr]", "Vaccination 💉 au centre, bɛ")
    assert page.locator("#counter-fr .lost").inner_text().endswith("💉")
    assert "ɛ→è" in page.locator("#counter-fr .replaced").inner_text()
    assert page.locator("#counter-fr").get_attribute("class") == "counter warn"
    page.fill("textarea[name=message_fr]", FR)
    page.screenshot(path=str(tmp_path / "campaign-form.png"), full_page=True)
    page.click("#send-button")
    page.wait_for_selector("#campaign-progress")
    assert page.locator("#state").inner_text() in ("en préparation", "en cours d'envoi")

    # The worker plans and sends; the gateway then reports delivery.
    work()
    db.expire_all()
    campaign = db.scalar(select(Campaign))
    rows = list(db.scalars(select(OutboxMessage)
                           .where(OutboxMessage.campaign_id == campaign.id)))
    assert len(rows) == 3 and {r.status for r in rows} == {"sent"}
    # Everything handed over: the page, which polls, sees the campaign done.
    page.wait_for_selector("#state:has-text('terminée')", timeout=20000)
    # Sent, no delivery report yet: the chart says what the counters say, and its legend names it.
    page.reload()
    page.wait_for_selector("svg [data-series=sent]")
    assert page.locator("#sent").inner_text() == "3" and page.locator("#waiting").inner_text() == "0"
    assert page.locator("svg [data-series=sent]").get_attribute("data-last") == "3"
    assert page.locator("svg [data-series=waiting]").get_attribute("data-last") == "0"
    assert "envoyé" in page.locator(".legend").inner_text()
    import requests

    for row in rows:
        requests.post(f"{live_server}/sms/delivery", data={"id": row.provider_message_id, "status": "Success"},
                      timeout=5)
    page.reload()
    page.wait_for_selector("svg [data-series=delivered]")
    assert page.locator("svg [data-series=delivered]").get_attribute("data-last") == "3"
    assert page.locator("#delivered").inner_text() == "3"
    page.screenshot(path=str(tmp_path / "campaign-done-phone.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "campaign-done-laptop.png"), full_page=True)
    sent_to = {to for request in fake_at.requests for to in request["to"].split(",")}
    assert {r.phone for r in world.a_pending} <= sent_to
    assert not errors, errors
    print(f"screenshots in {tmp_path}")
    context.close()


@pytest.mark.parametrize("lang", ["fr", "bm"])
def test_a_phone_at_360px_in_each_language(live_server, chromium, busy_centre, lang, tmp_path):
    """Every page on a small phone whose browser speaks English: words instead of codes, every
    tab in sight, day-first date fields, the actions a registration's status allows, no 404."""
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors, missing = [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("response", lambda r: r.status >= 400 and missing.append(f"{r.status} {r.url}"))
    page.goto(f"{live_server}/clinic/login")
    page.fill("input[name=username]", "awa")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav.tabs")
    page.click(f"button[name=lang][value={lang}]")
    page.wait_for_selector(f"html[lang={lang}]")
    urls = ["/clinic/registrations?status=all", "/clinic/people", "/clinic/messages", "/clinic/campaigns",
            "/clinic/campaigns/new", f"/clinic/campaigns/{busy_centre['campaign'].id}", "/clinic/savings",
            "/clinic/late", "/clinic/coverage"]
    urls += [f"/clinic/people/2237600000{n}" for n in (1, 2, 3, 4)]
    for url in urls:
        page.goto(live_server + url)
        text = page.inner_text("body")
        assert not raw_codes_in(text), (url, raw_codes_in(text))
        tabs = page.locator("nav.tabs a")
        for i in range(tabs.count()):
            box = tabs.nth(i).bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= 360, (url, tabs.nth(i).inner_text(), box)
    page.screenshot(path=str(tmp_path / f"person-{lang}-360.png"), full_page=True)

    # The declined mother's page offers nothing to do with her registration; the pending one's
    # offers to accept or decline, with the preset reasons in this language.
    page.goto(f"{live_server}/clinic/people/22376000002")
    assert page.locator("button[name=approve], button[name=decline], button[name=stop]").count() == 0
    page.goto(f"{live_server}/clinic/people/22376000001")
    assert page.locator("button[name=stop]").count() == 1 and page.locator("button[name=approve]").count() == 0
    page.click("details.decide summary >> nth=0")
    options = page.locator("select[name=reason_code] option").all_inner_texts()
    assert len(options) == 1 + len(DECLINE_REASONS)
    assert not raw_codes_in(" ".join(options))

    # A day-first date field whatever the browser's locale, read as typed.
    field = page.locator("form[action$=appointments] input[name=date]")
    assert field.get_attribute("type") is None
    assert field.get_attribute("placeholder") == {"fr": "JJ/MM/AAAA", "bm": "DD/MM/YYYY"}[lang]
    when = TEST_NOW.date() + timedelta(days=12)
    field.fill(when.strftime("%d/%m/%Y"))
    page.locator("form[action$=appointments] button.primary").click()
    page.wait_for_selector(f"text={when.strftime('%d/%m/%Y')}")

    # Moussa, 10 months old and late: today's doses are ticked already, one click records them,
    # and he leaves the late list for the doses given.
    page.goto(f"{live_server}/clinic/late")
    assert "Penta1" in page.inner_text("#late-children")
    page.goto(f"{live_server}/clinic/people/22376000003")
    ticks = page.locator("form.doses input[name=dose]")
    assert ticks.count() >= 8 and all(ticks.nth(i).is_checked() for i in range(ticks.count()))
    page.locator("form.doses button[name=record]").click()
    page.wait_for_selector("form.doses >> nth=0", state="detached")
    assert "Penta1 " + TEST_NOW.strftime("%d/%m/%Y") in page.inner_text("p.given")
    page.goto(f"{live_server}/clinic/late")
    assert "Penta1" not in page.inner_text("body")
    page.goto(f"{live_server}/clinic/coverage")
    assert page.locator("#coverage-doses svg").count() == 1
    assert not missing, missing
    assert not errors, errors
    context.close()


def test_midwife_records_a_birth_and_a_loss_in_the_browser(live_server, chromium, world, db):
    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/clinic/login")
    page.fill("input[name=username]", "awa")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Inscriptions')")

    born, lost = world.a_pending
    page.goto(f"{live_server}/clinic/people/{born.phone.lstrip('+')}")
    page.click("summary:has-text('Enregistrer la naissance')")
    page.fill("input[name=birth_date]", (TEST_NOW.date() - timedelta(days=1)).strftime("%d/%m/%Y"))
    page.select_option("select[name=sex]", "m")
    page.click("button[name=birth]")
    page.wait_for_selector(".flash:has-text('Naissance enregistrée')")
    assert page.locator(".outcome").count() == 1

    page.goto(f"{live_server}/clinic/people/{lost.phone.lstrip('+')}")
    page.click("summary:has-text('Enregistrer une perte')")
    page.select_option("select[name=loss_reason]", "miscarriage")
    page.uncheck("input[name=keep_information]")
    page.click("button[name=loss]")
    page.wait_for_selector(".flash:has-text('Perte enregistrée')")
    assert "Grossesse perdue" in page.locator(".outcome").inner_text()
    assert page.locator("button[name=loss], button[name=birth]").count() == 0
    db.expire_all()
    assert {e.status for e in (db.get(type(born), born.id), db.get(type(lost), lost.id))} == {"ended"}
    assert errors == []


def test_recordings_in_the_browser(live_server, chromium, world, tmp_path):
    """An admin sees what is missing, uploads a recording, and the page plays it."""
    from ussd_app.voice.audio import tone_wav

    wav = tmp_path / "intro.wav"
    wav.write_bytes(tone_wav(1.2))
    page = chromium.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR").new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/clinic/login")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:has-text('Inscriptions')")
    page.click("nav >> text=Enregistrements")
    page.wait_for_selector("h1:has-text('Enregistrements')")
    missing_before = page.locator("#missing li").count()
    assert page.locator("#missing li:has-text('intro.immunization')").count() == 1

    row = "#rec-intro-immunization"
    page.set_input_files(f"{row} input[type=file]", str(wav))
    page.click(f"{row} button")
    page.wait_for_selector(".flash:has-text('Enregistrement gardé pour intro.immunization')")
    assert page.locator("#missing li").count() == missing_before - 1
    assert page.locator("#missing li:has-text('intro.immunization')").count() == 0
    duration = page.evaluate("""async (selector) => {
        const audio = document.querySelector(selector);
        audio.preload = "auto";
        const ready = new Promise((ok, fail) => {
            audio.addEventListener("loadedmetadata", ok, {once: true});
            audio.addEventListener("error", fail, {once: true});
        });
        audio.load();
        await ready;
        return audio.duration;
    }""", f"{row} audio")
    assert 1.1 < duration < 1.3  # the browser fetched and decoded the recording it lists
    page.screenshot(path=str(tmp_path / "recordings.png"), full_page=True)
    assert errors == []


def test_a_savings_group_page_draws_its_chart(live_server, chromium, world, db):
    """A group in its second cycle, after a share-out: the savings chart of this cycle is drawn
    (one series, its last point this cycle's savings), and the health fund carried over from the
    first cycle is on the page with this cycle's payout taken out."""
    from tests.clinic.conftest import CENTRE_A
    from ussd_app.savings.groups import add_member, create_group, current_cycle
    from ussd_app.savings.loans import pay_health
    from ussd_app.savings.recording import record_meeting
    from ussd_app.savings.shareout import end_cycle

    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=200,
                         facility_code=CENTRE_A, now=TEST_NOW - timedelta(days=70))
    awa = add_member(db, group, phone="+22376000031", name="Awa T.", now=TEST_NOW)
    fanta = add_member(db, group, phone="+22376000032", name="Fanta K.", now=TEST_NOW)
    for days in (63, 56, 42, 35, 28, 21):
        if days == 42:  # the first cycle's share-out: the health fund (800) moves on whole
            end_cycle(db, group, cycle_id=current_cycle(db, group.id).id, carry=0, key="end",
                      recorded_by=awa, now=TEST_NOW - timedelta(days=49))
        day = TEST_NOW - timedelta(days=days)
        record_meeting(db, group, day=day.date(), key=f"m{days}",
                       shares_by_member={awa.id: 3, fanta.id: 2}, recorded_by_id=None, now=day)
    pay_health(db, group, awa, amount=300, reason="delivery", key="h", recorded_by_id=None,
               now=TEST_NOW)
    db.commit()

    context = chromium.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(15000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server}/clinic/login")
    page.fill("input[name=username]", "awa")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("nav.tabs")
    page.goto(f"{live_server}/clinic/savings/{group.id}")
    chart = page.locator("figure.chart svg")
    assert chart.count() == 1
    box = chart.bounding_box()  # laid out, on the screen, within a phone's width
    assert box["width"] > 200 and box["height"] > 50 and box["x"] + box["width"] <= 390
    series = page.locator("figure.chart svg polygon[data-series=savings]")
    assert series.count() == 1 and series.bounding_box()["width"] > 100
    assert series.get_attribute("data-last") == str(4 * 5 * 500)  # 4 meetings of this cycle
    assert page.locator("figure.chart svg text.tick").count() >= 2
    text = page.inner_text("body")
    assert "Cycle 2" in text
    assert "2\u202f100 FCFA" in text  # health fund: 800 carried + 4 x 2 x 200 - 300 paid out
    assert not errors, errors
    context.close()

"""What a midwife met in her first week: the registration link, raw codes instead of words, the
person page's actions and title, decline reasons, typed dates, the favicon, and the chart."""

from __future__ import annotations

import csv
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.clinic.conftest import Browser, enroll, page, raw_codes_in, visible_text
from tests.conftest import TEST_NOW
from ussd_app.clinic import campaigns, chart, labels
from ussd_app.clinic.models import Appointment, Campaign
from ussd_app.health import enrollment as health
from ussd_app.health.facilities import SHIPPED_CSV
from ussd_app.sms.outbox import OutboxMessage, render_sms
from ussd_app.sms.reminder import Reminder
from ussd_app.text.gsm import sms_size
from ussd_app.text.i18n import T, translate

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def test_the_registration_link_opens_the_mothers_page(signed_in, world):
    b = signed_in("awa")
    ref = world.a_pending[0].reference
    response = b.get(f"/clinic/registrations/{ref}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/clinic/people/22376000001")
    assert ref in page(b.get(response.headers["Location"]))
    assert b.get(f"/clinic/registrations/{world.b_pending[0].reference}").status_code == 404


@pytest.mark.parametrize("lang", ["fr", "bm"])
def test_no_page_shows_a_raw_code(signed_in, busy_centre, lang):
    urls = ["/clinic/registrations?status=all", "/clinic/people", "/clinic/messages", "/clinic/campaigns",
            "/clinic/campaigns/new", f"/clinic/campaigns/{busy_centre['campaign'].id}", "/clinic/savings"]
    urls += [f"/clinic/people/2237600000{n}" for n in (1, 2, 3, 4)] + ["/clinic/late", "/clinic/coverage"]
    for username in ("awa", "admin"):
        b = signed_in(username)
        b.post("/clinic/language", {"lang": lang, "next": "/clinic/registrations"})
        for url in urls:
            response = b.get(url)
            assert response.status_code == 200, url
            text = visible_text(response.get_data(as_text=True))
            assert not raw_codes_in(text), (username, url, raw_codes_in(text))
    # What the codes became, in French.
    b = signed_in("awa")
    person = visible_text(b.get("/clinic/people/22376000001").get_data(as_text=True))
    assert "Consultation prénatale · semaine 12 de grossesse" in person
    assert "sauté sa date était passée quand il a été programmé" in person
    assert "Rendez-vous · 2 jours avant" in person and "arrêté par awa" in person
    child = visible_text(b.get("/clinic/people/22376000003").get_data(as_text=True))
    assert "Vaccination · à 9 mois" in child and "elle les a arrêtés depuis son téléphone" in child
    messages = visible_text(b.get("/clinic/messages").get_data(as_text=True))
    assert "(inscription, 1 SMS)" in messages and "annulé par le centre" in messages


def test_the_raw_code_check_finds_what_the_first_week_showed():
    for shown in ("antenatal · anc12", "appointment · day-2", "sauté due before it was planned",
                  "(enrollment, 1 SMS)", "(campaign, 1 SMS)"):
        assert raw_codes_in(shown), shown
    assert not raw_codes_in("Consultation prénatale · semaine 12 de grossesse (inscription, 1 SMS)")


def test_every_decline_reason_has_a_label_for_staff_and_words_for_her():
    assert set(labels.DECLINE_REASONS) == set(health.DECLINE_REASONS)


def test_the_person_page_offers_what_fits_each_status(signed_in, busy_centre, world, db):
    b = signed_in("awa")
    declined = page(b.get("/clinic/people/22376000002"))  # declined, never approved
    assert "Refuser" not in declined and "Accepter" not in declined and "Arrêter les rappels" not in declined
    assert "Habite hors de la zone du centre" in declined and "Quartier de Sikasso" in declined
    approved = page(b.get("/clinic/people/22376000001"))  # approved pregnancy with planned visits
    assert "Refuser" in approved and "Clore l'inscription" in approved and "Arrêter les rappels" in approved
    assert "Accepter" not in approved
    closed = page(b.get("/clinic/people/22376000004"))
    assert not {"Refuser", "Accepter", "Arrêter les rappels", "Clore l'inscription"} & set(
        re.findall(r">([^<>]+)</button>", closed))
    pending = enroll(db, world.a, "+22376000005")
    db.commit()
    fresh = page(b.get("/clinic/people/22376000005"))
    assert "Accepter" in fresh and "Refuser" in fresh and "Arrêter les rappels" not in fresh
    assert pending.reference in fresh


def test_the_person_page_is_titled_by_name_and_masks_her_number_outside_her_centre(signed_in, busy_centre):
    staff_page = page(signed_in("awa").get("/clinic/people/22376000003"))
    assert "<h1>Mère de Moussa</h1>" in staff_page and "+22376000003" in staff_page
    admin_page = page(signed_in("admin").get("/clinic/people/22376000003"))
    assert "<h1>Mère de Moussa</h1>" in admin_page
    assert "+22376000003" not in admin_page and "+22376••••03" in admin_page
    named = page(signed_in("awa").get("/clinic/people/22376000004"))  # her registration asked her name
    assert "<h1>Kadiatou Diallo</h1>" in named and "+22376000004" in named
    assert "<h1>+22376000001</h1>" in page(signed_in("awa").get("/clinic/people/22376000001"))
    found = page(signed_in("awa").get("/clinic/people?q=kadiatou"))
    assert "Kadiatou Diallo" in found and "+22376000004" in found and "+22376000001" not in found


def test_closing_a_pregnancy_tells_her_and_stops_her_reminders(signed_in, busy_centre, db, world):
    b = signed_in("awa")
    first = world.a_pending[0]
    b.get("/clinic/people/22376000001")
    b.post(f"/clinic/registrations/{first.reference}/close", {"note": "naissance", "back": "/clinic/people/22376000001"})
    db.expire_all()
    closed = db.get(health.Enrollment, first.id)
    assert (closed.status, closed.reason) == (health.ENDED, "naissance")
    assert not db.scalars(select(Reminder).where(Reminder.source_ref == first.source_ref,
                                                 Reminder.status == "planned")).all()
    assert "Inscription {} close".format(first.reference) in page(b.get("/clinic/people/22376000001"))


def test_dates_are_typed_day_first(signed_in, world, db):
    b = signed_in("awa")
    form = page(b.get("/clinic/people/22376000001"))
    field = re.search(r'<input name="date"[^>]*>', form).group(0)
    assert 'type="date"' not in field and 'placeholder="JJ/MM/AAAA"' in field
    when = TEST_NOW.date() + timedelta(days=10)
    b.post("/clinic/people/22376000001/appointments",
           {"reference": world.a_pending[0].reference, "date": when.strftime("%d/%m/%Y"), "form_key": "d1"})
    assert db.scalar(select(Appointment.visit_date)) == when
    new = page(b.get("/clinic/campaigns/new"))
    assert 'type="date"' not in new and 'type="datetime-local"' not in new and "JJ/MM/AAAA HH:MM" in new
    start = TEST_NOW.date() + timedelta(days=1)
    count = b.get("/clinic/campaigns/audience-count?audience=children_due&visit=9m"
                  f"&due_from={start:%d/%m/%Y}&due_to={start + timedelta(days=30):%d/%m/%Y}")
    assert count.status_code == 200 and "count" in count.get_json()
    send_at = (TEST_NOW + timedelta(days=2)).replace(hour=10, minute=30)
    b.post("/clinic/campaigns/new", {"key": "dated", "title": "Dates", "audience": "centre", "action": "send",
                                     "message_fr": "Venez.", "message_bm": "Aw ka na.",
                                     "send_at": send_at.strftime("%d/%m/%Y %H:%M")})
    assert db.scalar(select(Campaign.send_at)) == send_at.replace(second=0, microsecond=0)


def test_the_dashboard_has_a_favicon(signed_in, world, client):
    text = page(signed_in("awa").get("/clinic/registrations"))
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', text).group(1)
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_the_chart_shows_the_counters_with_a_legend_and_a_readable_time_axis(signed_in, world, db, work, clock):
    b = signed_in("awa")
    b.get("/clinic/campaigns/new")
    b.post("/clinic/campaigns/new", {"key": "chart", "title": "Vaccination", "audience": "centre",
                                     "action": "send", "message_fr": "Venez.", "message_bm": "Aw ka na."})
    clock.advance(minutes=3)
    work()  # planned and handed to the gateway; no delivery report yet
    campaign = db.scalar(select(Campaign))
    html = b.get(f"/clinic/campaigns/{campaign.id}").get_data(as_text=True)
    counters = {name: int(re.search(rf'id="{name}">(\d+)<', html).group(1)) for name in campaigns.SERIES}
    assert counters["sent"] == 2 and counters["waiting"] == 0
    drawn = {name: int(value) for name, value in re.findall(r'data-series="(\w+)" data-last="(\d+)"', html)}
    assert drawn == counters
    legend = visible_text(re.search(r'(?s)<p class="legend">.*?</p>', html).group(0))
    assert legend.split() == ["remis", "envoyé", "en", "attente", "échoué", "annulé"]
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', html)
    assert ticks and all(re.fullmatch(r"\d\d:\d\d", t) for t in ticks), ticks


@pytest.mark.parametrize("span, pattern, step", [
    (timedelta(seconds=20), "%H:%M", timedelta(minutes=1)),
    (timedelta(minutes=45), "%H:%M", timedelta(minutes=10)),
    (timedelta(hours=5), "%H:%M", timedelta(hours=1)),
    (timedelta(days=3), "%d/%m", timedelta(days=1)),
])
def test_the_time_axis_ticks_on_round_times(span, pattern, step):
    start = TEST_NOW + timedelta(seconds=17)
    left, right, ticks, fmt = chart.axis(start, start + span)
    assert fmt == pattern and 2 <= len(ticks) <= chart.MAX_TICKS + 1
    assert left <= start and right >= start + span
    assert all(t.second == 0 and (t - ticks[0]) % step == timedelta(0) for t in ticks)
    assert all(b - a == ticks[1] - ticks[0] for a, b in zip(ticks, ticks[1:]))


def test_an_admin_campaign_needs_a_known_centre(signed_in, world, db):
    b = signed_in("admin")
    b.get("/clinic/campaigns/new")
    response = b.post("/clinic/campaigns/new", {"key": "nope", "title": "T", "audience": "centre", "action": "send",
                                                "message_fr": "Venez.", "message_bm": "Aw ka na.",
                                                "facility_code": "NOPE-CODE"})
    assert response.status_code == 400 and "Aucun centre n'a le code NOPE-CODE." in page(response)
    assert db.scalar(select(Campaign.id)) is None


def test_the_demo_gives_the_midwife_her_groups_and_the_reminders_mother(app, db):
    from ussd_app.clinic.demo import DEMO_PASSWORD
    from ussd_app.demo import load_demo

    load_demo(app.extensions["db_sessions"], TEST_NOW)
    load_demo(app.extensions["db_sessions"], TEST_NOW)  # every start of `serve` loads it again
    midwife, admin = Browser(app.test_client()), Browser(app.test_client())
    midwife.login("sage-femme", DEMO_PASSWORD)
    admin.login("admin", DEMO_PASSWORD)
    savings = page(midwife.get("/clinic/savings"))
    assert "Benkadi" in savings and "Sabati" not in savings
    assert "Sabati" in page(admin.get("/clinic/savings"))
    mother = midwife.get("/clinic/people/22376990001")  # the README's reminders number
    assert mother.status_code == 200
    text = visible_text(mother.get_data(as_text=True))
    assert "Mère de Awa" in text and "Vaccination · à 6 semaines · Awa" in text and "programmé" in text
    stopped = visible_text(admin.get("/clinic/people/22376990002").get_data(as_text=True))
    assert "Elle a arrêté ses rappels depuis son téléphone" in stopped
    # The late list and the coverage chart have something to show (ussd_app.health.demo_care).
    late = visible_text(midwife.get("/clinic/late").get_data(as_text=True))
    assert "Moussa" in late and "Fanta" in late and "Aminata Sangaré" in late and "Seydou" not in late
    coverage = page(midwife.get("/clinic/coverage"))
    # Penta1: Seydou on time, Oumou late, Moussa not given.
    assert "<tr><td>Penta1</td><td>33 %</td><td>33 %</td><td>3</td></tr>" in coverage
    assert 'data-series="anc4"' in coverage
    assert db.scalar(select(func.count()).select_from(OutboxMessage)) == 0  # demo rows send nothing


@pytest.mark.parametrize("lang", ["fr", "bm"])
def test_every_decline_sms_fits_one_part(lang):
    """At every shipped centre but the one with a 47-letter name, whatever the preset reason."""
    centres = [row["name"] for row in csv.DictReader(SHIPPED_CSV.open(encoding="utf-8")) if len(row["name"]) <= 40]
    for centre in centres:
        for code, reason in health.DECLINE_REASONS.items():
            body = render_sms(lang, T(health.SMS_DECLINED, {"ref": "HFVHYC", "centre": centre,
                                                             "reason": translate(lang, reason)}))
            assert sms_size(body).parts == 1, (centre, code, body)

"""CSV exports: each kind, scoped to the centre (A never sees B), phones as the viewer may see
them, UTF-8 with BOM, formula-safe, and streamed batch by batch (never all rows in memory)."""

from __future__ import annotations

import csv
import io
import itertools
import tracemalloc
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import event

from tests.clinic.conftest import CENTRE_A, CENTRE_B, enroll
from tests.conftest import REDIS_URL
from ussd_app.cli import main
from ussd_app.clinic import exports
from ussd_app.clinic.models import Campaign
from ussd_app.clinic.scope import Scope
from ussd_app.health import enrollment as health
from ussd_app.savings import ledger
from ussd_app.savings.groups import add_member, create_group, current_cycle
from ussd_app.sms.outbox import OutboxMessage

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

A_PHONES = {"+22376000001", "+22376000002"}
B_PHONES = {"+22366000001", "+22366000002"}


def rows_of(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture
def extras(db, world, clock):
    """Reminders at A (an approved pregnancy), a campaign at each centre, a savings group at A."""
    now = clock.now
    health.approve(db, world.a_pending[0].reference, now=now)
    campaigns = {}
    for code, phone in ((CENTRE_A, "+22376000002"), (CENTRE_B, "+22366000001")):
        campaign = Campaign(facility_code=code, idempotency_key=f"export-{code}", created_by="test",
                            title=f"Boloci {code}", audience_kind="centre", audience_params="{}",
                            texts={"fr": "x", "bm": "x"}, send_at=now, status="planned", created_at=now)
        db.add(campaign)
        db.flush()
        db.add(OutboxMessage(recipient=phone, language="bm", body="Boloci sibiri", parts=1, kind="campaign", purpose="campaign",
                             dedupe_key=f"export-campaign-{code}", status="delivered", attempts=1, due_at=now,
                             sent_at=now, final_at=now, campaign_id=campaign.id, created_at=now, updated_at=now))
        campaigns[code] = campaign
    group = create_group(db, name="Benkadi", share_value=500, health_fund_per_meeting=250, commune="Commune I",
                         facility_code=CENTRE_A, now=now - timedelta(days=30))
    member = add_member(db, group, phone="+22370000101", name="Awa Traoré", number=1, role="treasurer",
                        now=now - timedelta(days=30))
    cycle = current_cycle(db, group.id)
    entry = ledger.add_entry(db, member=member, cycle_id=cycle.id, kind="shares", amount=1500, shares=3,
                             idempotency_key="export-entry-1", now=now)
    ledger.reverse_entry(db, entry, idempotency_key="export-entry-1-undo", now=now)
    db.commit()
    return {"campaigns": campaigns, "group": group}


def test_registrations_are_the_centres_own_with_full_phones(signed_in, world):
    rows = rows_of(signed_in("awa").get("/clinic/exports/registrations.csv"))
    assert {r["phone"] for r in rows} == A_PHONES and {r["facility_code"] for r in rows} == {CENTRE_A}
    assert list(rows[0])[:4] == ["reference", "kind", "status", "facility_code"]
    assert {r["phone"] for r in rows_of(signed_in("bintou").get("/clinic/exports/registrations.csv"))} == B_PHONES


def test_an_export_of_every_centre_masks_phones_and_keeps_a_person_key(signed_in, world):
    own = {r["reference"]: r for r in rows_of(signed_in("awa").get("/clinic/exports/registrations.csv"))}
    every = rows_of(signed_in("admin").get("/clinic/exports/registrations.csv"))
    assert {r["facility_code"] for r in every} == {CENTRE_A, CENTRE_B}
    for row in every:
        assert row["phone"].startswith("223") and row["phone"].count("*") == 6 and row["phone"][-2:] in ("01", "02")
        if row["reference"] in own:
            assert row["person_key"] == own[row["reference"]]["person_key"] != ""


@pytest.mark.parametrize("kind", ["people", "campaigns", "outbox"])
def test_each_kind_is_scoped_to_the_centre(signed_in, extras, kind):
    a_rows = rows_of(signed_in("awa").get(f"/clinic/exports/{kind}.csv"))
    b_rows = rows_of(signed_in("bintou").get(f"/clinic/exports/{kind}.csv"))
    phone = {"people": "phone", "campaigns": "recipient", "outbox": "recipient"}[kind]
    assert a_rows and {r[phone] for r in a_rows} <= A_PHONES
    assert b_rows and {r[phone] for r in b_rows} <= B_PHONES


def test_people_carry_their_reminders(signed_in, extras, world):
    rows = rows_of(signed_in("awa").get("/clinic/exports/people.csv"))
    approved = [r for r in rows if r["reference"] == world.a_pending[0].reference]
    assert len(approved) > 1 and all(r["reminder_kind"] == "antenatal" for r in approved)
    waiting = [r for r in rows if r["reference"] == world.a_pending[1].reference]
    assert len(waiting) == 1 and waiting[0]["reminder_kind"] == ""  # no reminder yet: still one row


def test_campaign_results_of_one_campaign_and_never_another_centres(signed_in, extras):
    a_id, b_id = extras["campaigns"][CENTRE_A].id, extras["campaigns"][CENTRE_B].id
    awa = signed_in("awa")
    rows = rows_of(awa.get(f"/clinic/exports/campaigns.csv?campaign_id={a_id}"))
    assert [(r["campaign_id"], r["status"]) for r in rows] == [(str(a_id), "delivered")]
    assert awa.get(f"/clinic/exports/campaigns.csv?campaign_id={b_id}").status_code == 404
    assert awa.get("/clinic/exports/campaigns.csv?campaign_id=abc").status_code == 400


def test_a_groups_ledger_only_for_its_centre(db, signed_in, extras):
    group_id = extras["group"].id
    rows = rows_of(signed_in("awa").get(f"/clinic/exports/ledger.csv?group_id={group_id}"))
    assert [(r["member_name"], r["amount_xof"], r["shares"]) for r in rows] == [("Awa Traoré", "1500", "3"),
                                                                                 ("Awa Traoré", "-1500", "-3")]
    assert rows[0]["member_phone"] == "+22370000101" and rows[1]["reverses"] == rows[0]["entry"]
    assert ledger.entry_by_reference(db, rows[0]["entry"]) is not None
    assert signed_in("bintou").get(f"/clinic/exports/ledger.csv?group_id={group_id}").status_code == 404
    assert signed_in("awa").get("/clinic/exports/ledger.csv").status_code == 400
    masked = rows_of(signed_in("admin").get(f"/clinic/exports/ledger.csv?group_id={group_id}"))
    assert masked[0]["member_phone"] == "223******01"


def test_the_api_exports_with_the_tokens_scope(client, extras, tokens):
    assert client.get("/api/v1/exports/registrations.csv").status_code == 401
    a_rows = rows_of(client.get("/api/v1/exports/registrations.csv", headers=tokens["a"]))
    assert {r["phone"] for r in a_rows} == A_PHONES
    outbox = rows_of(client.get("/api/v1/exports/outbox.csv", headers=tokens["b"]))
    assert outbox and {r["recipient"] for r in outbox} <= B_PHONES
    everyone = rows_of(client.get("/api/v1/exports/registrations.csv", headers=tokens["all"]))
    assert len(everyone) == 4 and all("*" in r["phone"] for r in everyone)
    group_id = extras["group"].id
    assert client.get(f"/api/v1/exports/ledger.csv?group_id={group_id}", headers=tokens["b"]).status_code == 404
    bad = client.get("/api/v1/exports/ledger.csv", headers=tokens["a"])
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad_export"
    assert client.get("/api/v1/exports/secrets.csv", headers=tokens["a"]).status_code == 404


def test_bambara_letters_survive_and_formulas_are_defused(db, signed_in, world, clock):
    enroll(db, world.a, "+22376000003", kind="child", child_name="Ɲɛlɛ Kɔnɛ", birth_date=clock.now.date(), language="bm")
    enroll(db, world.a, "+22376000004", kind="child", child_name='=HYPERLINK("http://x")',
           birth_date=clock.now.date())
    db.commit()
    names = {r["child_name"] for r in rows_of(signed_in("awa").get("/clinic/exports/registrations.csv"))}
    assert "Ɲɛlɛ Kɔnɛ" in names and "'=HYPERLINK(\"http://x\")" in names
    assert exports.cell("+22376000001") == "+22376000001" and exports.cell("-500") == "-500"
    assert exports.cell("@SUM(A1)") == "'@SUM(A1)" and exports.cell("-1+2") == "'-1+2"


def test_the_dashboard_page_links_every_export(signed_in, extras):
    text = signed_in("awa").get("/clinic/exports").get_data(as_text=True)
    for kind in ("registrations", "people", "outbox", "campaigns", "ledger"):
        assert f"/clinic/exports/{kind}.csv" in text
    assert f'value="{extras["group"].id}"' in text and "Boloci BKO-C1-BOULK" not in text


class EndlessRows:
    """A session whose export query never ends: rows are made as they are read."""

    def __init__(self, limit: int | None = None):
        self.limit, self.made, self.closed = limit, 0, False

    def execute(self, query):
        parent = self

        class Result:
            def partitions(self):
                numbers = itertools.count() if parent.limit is None else iter(range(parent.limit))
                while True:
                    batch = list(itertools.islice(numbers, 1000))
                    if not batch:
                        return
                    parent.made += len(batch)
                    yield [(n, f"CS{n:06d}", "pregnancy", "+22376000001", "Ɲɛlɛ", n * 500) for n in batch]

        return Result()

    def close(self):
        self.closed = True


class AnyQuery:
    def execution_options(self, **options):
        return self


def _plan(cells=lambda row, viewer: [*row[:3], viewer.phone(row[3]), *row[4:]]):
    return exports.ExportPlan("test", ("id", "reference", "kind", "phone", "name", "amount"), (AnyQuery(),),
                              cells, "t.csv")


def test_the_stream_yields_before_the_rows_are_all_read():
    session = EndlessRows()
    chunks = exports.stream(lambda: session, _plan(), exports.Viewer(Scope("A"), b"k"))
    header, first = next(chunks), next(chunks)
    assert header.startswith(b"\xef\xbb\xbfid,reference") and first.count(b"\r\n") == 1000
    assert session.made == 1000  # an endless query, yet the file has started
    chunks.close()
    assert session.closed


def test_memory_stays_flat_over_200_000_rows():
    session = EndlessRows(limit=200_000)
    tracemalloc.start()
    try:
        total = sum(len(chunk) for chunk in exports.stream(lambda: session, _plan(), exports.Viewer(Scope("A"), b"k")))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert session.made == 200_000 and total > 200_000 * 40
    assert peak < 3 * 1024 * 1024, f"peak {peak} bytes: rows are being kept"


def test_the_database_export_runs_with_yield_per_batches(app, db, world, clock):
    for n in range(25):
        enroll(db, world.a, f"+2237601{n:04d}", now=clock.now)
    db.commit()
    seen = []
    event.listen(app.extensions["db_engine"], "before_cursor_execute",
                 lambda conn, cursor, statement, params, context, many: seen.append(context.execution_options))
    batches = []
    plan = exports.plan(db, Scope(CENTRE_A), "registrations", today=clock.now.date())
    chunks = exports.stream(app.extensions["db_sessions"], plan, exports.Viewer(Scope(CENTRE_A), b"k"),
                            batch=10, on_rows=batches.append)
    next(chunks), next(chunks)
    assert batches == [10] and any(options.get("yield_per") == 10 for options in seen)
    assert sum(len(c.splitlines()) for c in chunks) == 17 and batches == [10, 10, 7]


def test_the_cli_export_shows_progress(database_url, tmp_path, world, clock, monkeypatch):
    import ussd_app.ops.cli as ops_cli

    monkeypatch.setattr(ops_cli, "PROGRESS_EVERY", 1)
    out = tmp_path / "registrations.csv"
    env = {"DATABASE_URL": database_url, "REDIS_URL": REDIS_URL, "USSD_INSTANCE_PATH": str(tmp_path / "i"),
           "USSD_CLOCK_START": clock.now.isoformat()}
    result = CliRunner().invoke(main, ["export", "registrations", "--facility", CENTRE_A, "-o", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "2 rows..." in result.output and f"2 rows written to {out}" in result.output
    assert {r["phone"] for r in csv.DictReader(io.StringIO(out.read_text("utf-8-sig")))} == A_PHONES

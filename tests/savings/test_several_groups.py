"""One woman in several groups (one PIN, then she picks the group); a new phone keeps her history."""

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.savings.conftest import phone_of
from ussd_app.cli import main
from ussd_app.savings.groups import GroupError, add_member, change_member_phone, create_group
from ussd_app.savings.ledger import member_balance
from ussd_app.savings.models import PhoneChange
from ussd_app.savings.recording import record_meeting

pytestmark = pytest.mark.dates


@pytest.fixture
def groups_cli(settings, monkeypatch, clock):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("USSD_CLOCK_START", clock.now.isoformat())
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_after_her_pin_she_picks_the_group(make_group, login, db, clock):
    make_group(size=3)
    sabati = create_group(db, name="Sabati", share_value=200, health_fund_per_meeting=0,
                          now=clock.now)
    add_member(db, sabati, phone=phone_of(3), name="Mariam Coulibaly", number=1, role="treasurer",
               now=clock.now)
    db.commit()
    d = login(phone_of(3)).sees("Quel groupe ?", "1 Benkadi", "2 Sabati")
    d.press("2").sees("Sabati : trésorière")
    login(phone_of(3), first=False).press("1").sees("Mariam C. : épargne 0 part")


def test_a_new_phone_keeps_her_savings_and_the_old_number(make_group, login, db, clock):
    group, members = make_group(size=3)
    record_meeting(db, group, day=clock.now.date(), key="m", shares_by_member={members[2].id: 3},
                   recorded_by_id=None, now=clock.now)
    change_member_phone(db, members[2], "+22376999999", changed_by="cli", now=clock.now)
    with pytest.raises(GroupError, match="already a member"):
        change_member_phone(db, members[1], "+22376999999", changed_by="cli", now=clock.now)
    db.commit()
    assert member_balance(db, members[2].id, 1).shares == 3
    change = db.scalar(select(PhoneChange))
    assert (change.old_phone, change.new_phone) == (phone_of(3), "+22376999999")
    login("+22376999999").sees("Mariam C. : épargne 3 parts")  # her new phone, her savings


def test_the_cli_changes_a_phone_and_prints_the_share_out_and_rules(app, groups_cli, make_group):
    make_group(size=3)
    result = groups_cli("groups", "phone", "Benkadi", "3", "76 99 99 98")
    assert result.exit_code == 0 and "-> +22376999998" in result.output, result.output
    result = groups_cli("groups", "rules", "Benkadi", "--service-charge", "0")
    assert "service charge 0% a month, loans up to 3x savings" in result.output, result.output
    result = groups_cli("groups", "share-out", "Benkadi")
    assert "Benkadi cycle 1: loan fund 0 FCFA" in result.output and "total 0 FCFA" in result.output


def test_the_president_changes_a_members_phone_once(make_group, login, db):
    make_group(size=3)
    d = login(phone_of(2)).press("98", "8", "3").sees("03 Mariam C. : son nouveau numéro")
    d.press("123").sees("8 chiffres").press("76 99 99 97").sees("Nouveau numéro", "76999997")
    d.press("1").sees("Numéro changé")
    d.resend()
    db.expire_all()
    assert [c.new_phone for c in db.scalars(select(PhoneChange))] == ["+22376999997"]
    login("+22376999997").sees("Mariam C. : épargne 0 part")


def test_a_dropped_roll_call_resumes_in_the_group_she_picked(make_group, login, dial, db, clock):
    from ussd_app.savings.models import Meeting

    make_group(size=3)
    sabati = create_group(db, name="Sabati", share_value=200, health_fund_per_meeting=0,
                          now=clock.now)
    add_member(db, sabati, phone=phone_of(3), name="Mariam Coulibaly", number=1, role="treasurer",
               now=clock.now)
    add_member(db, sabati, phone=phone_of(9), name="Djeneba Sissoko", number=2, now=clock.now)
    db.commit()
    login(phone_of(3)).press("2", "1", "2")  # Sabati's roll-call: the call drops at member 02
    d = dial(phone=phone_of(3)).sees("Continuer l'appel de la réunion ?").press("1", "4827")
    d.sees("02 Djeneba S.").press("1").press("1").sees("enregistrée")
    db.expire_all()
    assert [m.group_id for m in db.scalars(select(Meeting))] == [sabati.id]

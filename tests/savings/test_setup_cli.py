"""Setting up groups without USSD: create, CSV import (all or nothing), roles, PIN reset; demo data."""

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.conftest import TEST_NOW
from ussd_app.cli import main
from ussd_app.health.facilities import Facility, load_shipped
from ussd_app.savings.demo import (
    DEMO_GROUP,
    LOCKED_PHONE,
    MEMBER_PHONE,
    TREASURER_PHONE,
    load_savings_demo,
)
from ussd_app.savings.groups import GroupError, create_group
from ussd_app.savings.models import LedgerEntry, Member, PinCredential, SavingsGroup
from ussd_app.savings.roster import RosterError, import_roster, parse_role

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)

GOOD = "name,phone,role\nAwa Traoré,76 12 34 01,treasurer\nFanta Kanté,+22376123402,president\nSira Bagayoko,66123403,\n"


@pytest.fixture
def cli(settings, monkeypatch, clock):
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("USSD_CLOCK_START", clock.now.isoformat())
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def test_create_import_role_and_reset_from_the_command_line(app, cli, db, tmp_path):
    load_shipped(db, now=TEST_NOW)
    db.commit()
    result = cli("groups", "create", "--name", "Jigiya", "--share-value", "250", "--health-fund", "100",
                 "--commune", "Commune III", "--facility", "bko-c3-bakon")
    assert result.exit_code == 0, result.output
    assert db.scalar(select(SavingsGroup.facility_code)) == "BKO-C3-BAKON"
    roster = tmp_path / "jigiya.csv"
    roster.write_text(GOOD, encoding="utf-8")
    result = cli("groups", "import", str(roster), "--group", "jigiya")
    assert result.exit_code == 0 and "3 members added" in result.output
    assert "03 Sira Bagayoko +22366123403 member" in result.output
    assert cli("groups", "role", "Jigiya", "3", "treasurer").exit_code == 0
    roles = dict(db.execute(select(Member.number, Member.role)).all())
    assert roles == {1: "member", 2: "president", 3: "treasurer"}
    pin = db.get(PinCredential, db.scalar(select(Member.id).where(Member.number == 3)))
    pin.pin_hash, pin.failed_attempts = "$argon2id$x", 2
    db.commit()
    assert cli("groups", "reset-pin", "Jigiya", "3").exit_code == 0
    db.expire_all()
    assert (pin.pin_hash, pin.failed_attempts) == (None, 0)
    assert "Jigiya" in cli("groups", "list").output
    assert "01 Awa Traoré" in cli("groups", "show", "Jigiya").output


def test_a_bad_roster_names_every_bad_row_and_imports_nothing(app, cli, db, tmp_path):
    cli("groups", "create", "--name", "Jigiya", "--share-value", "250", "--health-fund", "100")
    bad = tmp_path / "bad.csv"
    bad.write_text("number,name,phone,role\n1,Awa Traoré,76123401,treasurer\n2,,76123402,\n"
                   "3,Sira B.,12345,chief\nx,Hawa C.,76123404,\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["groups", "import", str(bad), "--group", "Jigiya"])
    assert result.exit_code == 1
    for line in ("nothing imported, 4 problem(s)", "line 3: the name is empty",
                 "line 4: phone '12345' is not a valid phone number",
                 "line 4: role 'chief' is not one of member, treasurer, president",
                 "line 5: number 'x' is not a whole number from 1 to 99"):
        assert line in result.output
    assert db.scalar(select(func.count()).select_from(Member)) == 0


def test_roster_conflicts_with_the_file_and_the_group(app, db):
    group = create_group(db, name="Jigiya", share_value=250, health_fund_per_meeting=100, now=TEST_NOW)
    import_roster(db, group, GOOD, now=TEST_NOW)
    with pytest.raises(RosterError) as caught:
        import_roster(db, group, "number,name,phone,role\n1,Hawa,76123404,\n5,Nana,76123405,treasurer\n"
                                 "6,Bintou,76123405,\n7,Rokia,76123401,\n", now=TEST_NOW)
    assert caught.value.problems == [
        "line 2: number 1 is already used by Awa Traoré (already in the group)",
        "line 3: the group already has a treasurer: Awa Traoré (already in the group)",
        "line 4: phone +22376123405 is also on line 3",
        "line 5: phone +22376123401 is already in the group",
    ]
    with pytest.raises(RosterError, match="the header needs the columns name, phone"):
        import_roster(db, group, "prenom,ville\nAwa,Bamako\n", now=TEST_NOW)
    assert db.scalar(select(func.count()).select_from(Member)) == 3
    db.rollback()


def test_a_facility_code_must_be_a_known_centre(app, cli, db):
    load_shipped(db, now=TEST_NOW)
    db.commit()
    group = ("groups", "create", "--name", "Jigiya", "--share-value", "250", "--health-fund", "100")
    result = CliRunner().invoke(main, [*group, "--facility", "NOPE-CODE"])
    assert result.exit_code == 1 and "no centre has the code 'NOPE-CODE'" in result.output
    short = CliRunner().invoke(main, [*group, "--facility", "BAKON"])
    assert short.exit_code == 1 and "did you mean BKO-C3-BAKON?" in short.output
    assert db.scalar(select(func.count()).select_from(SavingsGroup)) == 0


def test_a_french_spreadsheet_roster_is_understood(app, cli, db, tmp_path):
    cli("groups", "create", "--name", "Jigiya", "--share-value", "250", "--health-fund", "100")
    sheet = tmp_path / "jigiya.csv"  # as a French spreadsheet saves it: semicolons, French words
    sheet.write_text("Nom;Téléphone;Numéro;Rôle\nAwa Traoré;76 12 34 01;1;Trésorière\n"
                     "Fanta Kanté, dite Nana;+22376123402;2;presidente\nSira Bagayoko;66123403;;membre\n",
                     encoding="utf-8-sig")
    result = cli("groups", "import", str(sheet), "--group", "Jigiya")
    assert result.exit_code == 0 and "3 members added" in result.output, result.output
    members = {m.number: (m.name, m.role) for m in db.scalars(select(Member))}
    assert members == {1: ("Awa Traoré", "treasurer"), 2: ("Fanta Kanté, dite Nana", "president"),
                       3: ("Sira Bagayoko", "member")}
    assert cli("groups", "role", "Jigiya", "3", "tresoriere").exit_code == 0
    db.expire_all()
    assert {m.number: m.role for m in db.scalars(select(Member))} == {1: "member", 2: "president", 3: "treasurer"}
    refused = cli("groups", "role", "Jigiya", "3", "cheffe")
    assert refused.exit_code == 2 and "membre, trésorière, présidente" in refused.output


@pytest.mark.parametrize("word, role", [("tresoriere", "treasurer"), ("Trésorier", "treasurer"),
                                        ("PRÉSIDENTE", "president"), ("membre", "member"), ("", "member"),
                                        ("treasurer", "treasurer"), ("cheffe", None)])
def test_roles_in_either_language(word, role):
    assert parse_role(word) == role


def test_demo_group_lets_a_newcomer_try_both_roles(app, db, dial):
    load_shipped(db, now=TEST_NOW)
    note = load_savings_demo(db, TEST_NOW)
    assert TREASURER_PHONE in note and MEMBER_PHONE in note
    codes = set(db.scalars(select(SavingsGroup.facility_code)))
    assert codes and codes <= set(db.scalars(select(Facility.code)))  # real centres, seen by their staff
    assert load_savings_demo(db, TEST_NOW) == note  # idempotent, as `serve` runs it at every start
    db.commit()
    assert db.scalar(select(func.count()).select_from(Member)) == 17  # Sabati's treasurer, twice
    # Ten meetings of 13 present (shares + health fund), three loans, two repayments (service
    # charge and principal apart), a fine and two health-fund payouts.
    assert db.scalar(select(func.count()).select_from(LedgerEntry)) == 10 * 13 * 2 + 3 + 4 + 1 + 2
    dial(phone=TREASURER_PHONE).press("2", "5", "4827", "4827").sees(f"{DEMO_GROUP} : trésorière")
    dial(phone=MEMBER_PHONE).press("2", "5", "4827", "4827").sees("Salimata K. : épargne 20 parts")\
        .sees("Pret : 3 300 FCFA à rembourser")  # GSM-7 folds ê
    dial(phone=LOCKED_PHONE).press("2", "5").sees("Trop de codes faux")


@pytest.mark.parametrize("option, value", [("--share-value", "3000000000"), ("--share-value", "1000001"),
                                           ("--health-fund", "1000001"), ("--max-shares", "10")])
def test_money_limits_are_refused_with_a_clear_message(app, cli, db, option, value):
    args = {"--share-value": "500", "--health-fund": "250", "--max-shares": "5", option: value}
    result = CliRunner().invoke(main, ["groups", "create", "--name", "Jigiya"] +
                                [part for item in args.items() for part in item])
    assert result.exit_code == 2 and f"Invalid value for '{option}'" in result.output, result.output
    assert "Traceback" not in result.output
    assert db.scalar(select(func.count()).select_from(SavingsGroup)) == 0


@pytest.mark.parametrize("share_value, health", [(500_000_000, 250), (1_000_001, 0), (500, 1_000_001),
                                                 (2.5, 0), (True, 0)])
def test_create_group_keeps_money_within_the_columns(app, db, share_value, health):
    with pytest.raises(GroupError, match="share value|health fund"):
        create_group(db, name="Jigiya", share_value=share_value, health_fund_per_meeting=health,
                     now=TEST_NOW)
    db.rollback()


def test_demo_groups_loaded_before_get_their_real_centre(app, db):
    create_group(db, name=DEMO_GROUP, share_value=500, health_fund_per_meeting=250, facility_code="BAKON",
                 now=TEST_NOW)
    load_savings_demo(db, TEST_NOW)
    assert db.scalar(select(SavingsGroup.facility_code).where(SavingsGroup.name == DEMO_GROUP)) == "BKO-C1-SOTUBA"

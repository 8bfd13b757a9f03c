"""The shipped CSComs and `ussd-app facilities import`."""

import pytest
from sqlalchemy import func, select

from tests.conftest import TEST_NOW
from ussd_app.health.facilities import Facility, communes, in_commune, load_shipped

pytestmark = pytest.mark.dates  # run again under shifted clocks (scripts/test)


def test_shipped_list_names_the_known_centres(db, facilities):
    names = {f.name for f in facilities.values()}
    assert any("Sotuba" in n for n in names)
    assert any("ASACO-BAKON" in n for n in names)
    assert any("Boulkassoumbougou" in n for n in names)
    assert facilities["BKO-C3-BAKON"].commune == "Commune III"
    assert facilities["BKO-C1-SOTUBA"].region == "Bamako"
    pairs = communes(db)
    assert [c for r, c in pairs if r == "Bamako"] == [
        "Commune I", "Commune II", "Commune III", "Commune IV", "Commune V", "Commune VI"]
    assert ("Koulikoro", "Kati") in pairs and pairs[0] == ("Bamako", "Commune I")
    assert all(f.phone is None or f.phone.startswith("+223") for f in facilities.values())


def test_loading_the_shipped_list_twice_changes_nothing(db, facilities):
    assert load_shipped(db, now=TEST_NOW) == (0, 0)
    assert db.scalar(select(func.count(Facility.id))) == len(facilities)


def test_import_adds_and_updates_by_code(db, facilities, cli, tmp_path):
    csv_file = tmp_path / "partners.csv"
    csv_file.write_text("code,name,commune,region,phone\n"
                        "BKO-C1-SOTUBA,CSCom Sotuba,Commune I,Bamako,76 12 34 56\n"
                        "bko-c1-new,CSCom Nouveau,Commune I,Bamako,\n", encoding="utf-8")
    result = cli("facilities", "import", str(csv_file))
    assert result.exit_code == 0, result.output
    assert "1 added, 1 updated" in result.output
    db.expire_all()
    sotuba = db.scalar(select(Facility).where(Facility.code == "BKO-C1-SOTUBA"))
    assert (sotuba.name, sotuba.phone) == ("CSCom Sotuba", "+22376123456")
    assert [f.code for f in in_commune(db, "Bamako", "Commune I")].count("BKO-C1-NEW") == 1


def test_import_with_bad_rows_lists_each_and_writes_nothing(db, facilities, cli, tmp_path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("code,name,commune,region,phone\n"
                        "BKO-OK-1,CSCom Bon,Commune II,Bamako,\n"
                        "BAD CODE!,CSCom X,Commune II,Bamako,\n"
                        "BKO-OK-2,,Commune II,Bamako,12\n"
                        "BKO-OK-1,CSCom Double,Commune II,Bamako,\n", encoding="utf-8")
    before = db.scalar(select(func.count(Facility.id)))
    result = cli("facilities", "import", str(csv_file))
    assert result.exit_code != 0
    assert "nothing imported" in result.output
    assert "line 3: code 'BAD CODE!'" in result.output
    assert "line 4: name is empty; phone '12' is not a valid Mali number" in result.output
    assert "line 5: code BKO-OK-1 already used on line 2" in result.output
    db.expire_all()
    assert db.scalar(select(func.count(Facility.id))) == before
    assert db.scalar(select(Facility).where(Facility.code == "BKO-OK-1")) is None


def test_import_refuses_a_file_without_the_columns(cli, tmp_path, facilities):
    csv_file = tmp_path / "cols.csv"
    csv_file.write_text("name,commune\nCSCom,Commune I\n", encoding="utf-8")
    result = cli("facilities", "import", str(csv_file))
    assert result.exit_code != 0 and "missing column(s) code, region, phone" in result.output

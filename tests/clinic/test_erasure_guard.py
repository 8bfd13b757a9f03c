"""Every column that looks like it holds a person (phone, name, birth, body, note, text...) is
either handled by erasure or explained as not hers: a new column fails here until it is one or
the other (tables added by other features included, through the model metadata)."""

import re

from ussd_app.clinic.erasure import NOT_PERSONAL, PERSONAL_COLUMNS
from ussd_app.models import metadata

LOOKS_PERSONAL = re.compile(r"phone|name|birth|body|recipient|note|message|text|reason|period|due_date|"
                            r"caller|address|cursor|label|details|payload|pin|hash|transcript|recording")
NOT_A_PERSON = {"id", "created_at", "updated_at"}


def _handled() -> set[tuple[str, str]]:
    out = set(NOT_PERSONAL)
    for table, policy in PERSONAL_COLUMNS.items():
        out |= {(table, c) for c in (policy.phone_column, *policy.cleared, *policy.rekeyed)}
    return out


def test_every_personal_looking_column_is_erased_or_explained():
    handled = _handled()
    unhandled = sorted(f"{table.name}.{column.name}" for table in metadata.sorted_tables for column in table.columns
                       if LOOKS_PERSONAL.search(column.name) and (table.name, column.name) not in handled
                       and table.name != "erased_phones")
    assert unhandled == [], ("add these to ussd_app.clinic.erasure PERSONAL_COLUMNS (what becomes of them) "
                             "or NOT_PERSONAL (why they hold nothing of a person)")


def test_the_policies_name_real_columns():
    tables = metadata.tables
    for table, column in _handled():
        assert table in tables and column in tables[table].columns, (table, column)


def test_the_guard_catches_a_new_column():
    from sqlalchemy import Column, MetaData, String, Table

    probe = Table("voice_calls", MetaData(), Column("id", String), Column("caller_phone", String))
    assert LOOKS_PERSONAL.search(probe.c.caller_phone.name) and ("voice_calls", "caller_phone") not in _handled()

"""Migration 0009: existing outbox rows get their purpose; existing stops become categories.

A stop from USSD "My reminders" ("Stop all SMS", which also silenced her savings receipts) becomes
a stop of her health reminders and campaigns; a STOP by SMS or the gateway's blacklist stays a
stop of everything; reminders she stopped from USSD come back planned under her reminders stop.
"""

from sqlalchemy import text

from tests.test_migrations import empty_database  # noqa: F401  (fixture)
from ussd_app.db import make_engine
from ussd_app.migrate import upgrade

BEFORE = "0008"
AT = "2026-11-01 10:00:00"
USER_STOP = "stopped by the person (USSD)"


def _arrange(conn) -> None:
    for phone, source in (("+22376000001", "ussd"), ("+22376000002", "sms"), ("+22376000003", "gateway"),
                          ("+22376000004", None), ("+22376000005", None)):
        conn.execute(text("INSERT INTO subscribers (phone, language, created_at, sms_opted_out_at, "
                          "sms_opt_out_source) VALUES (:phone, 'fr', :at, :out, :source)"),
                     {"phone": phone, "at": AT, "out": AT if source else None, "source": source})
    for step, visit, status, reason in (("anc30", "2099-01-10", "stopped", USER_STOP),
                                        ("anc12", "2000-01-10", "stopped", USER_STOP),
                                        ("anc20", "2099-02-10", "stopped", "ended")):
        conn.execute(text("INSERT INTO reminders (phone, language, kind, step, source_ref, facility_name, "
                          "visit_date, due_at, status, skip_reason, created_at, closed_at) VALUES "
                          "(:phone, 'fr', 'antenatal', :step, :ref, 'CSCom Sotuba', :visit, :at, :status, "
                          ":reason, :at, :at)"),
                     {"phone": "+22376000004" if reason == USER_STOP else "+22376000005", "step": step,
                      "ref": f"enrollment:{step}", "visit": visit, "at": AT, "status": status,
                      "reason": reason})
    for n, (kind, key) in enumerate((("savings_receipt", "savings:k"), ("health_info", "h:1"),
                                     ("enrollment", "enrollment:AB:received"),
                                     ("enrollment", "enrollment:AB:approved"), ("keyword_reply", "inbound:1"),
                                     ("reminder", "reminder:1"), ("campaign", "campaign:1:+2237"),
                                     ("test", "test:1"), ("receipt", "other:1"))):
        conn.execute(text("INSERT INTO sms_outbox (recipient, language, body, parts, kind, dedupe_key, status, "
                          "attempts, due_at, created_at, updated_at) VALUES ('+22376000001', 'fr', :body, 1, "
                          ":kind, :key, 'pending', 0, :at, :at, :at)"),
                     {"body": f"text {n}", "kind": kind, "key": key, "at": AT})


def test_existing_stops_and_rows_are_carried_over(empty_database):  # noqa: F811
    upgrade(empty_database, BEFORE)
    engine = make_engine(empty_database)
    try:
        with engine.begin() as conn:
            _arrange(conn)
        upgrade(empty_database)
        with engine.connect() as conn:
            stops = {phone: (out is not None, source, reminders is not None, campaigns is not None)
                     for phone, out, source, reminders, campaigns in conn.execute(text(
                         "SELECT phone, sms_opted_out_at, sms_opt_out_source, reminders_opted_out_at, "
                         "campaigns_opted_out_at FROM subscribers"))}
            reminders = dict(conn.execute(text("SELECT step, status FROM reminders")).all())
            purposes = dict(conn.execute(text("SELECT dedupe_key, purpose FROM sms_outbox")).all())
    finally:
        engine.dispose()
    assert stops == {"+22376000001": (False, None, True, True),  # USSD: health only, receipts go
                     "+22376000002": (True, "sms", False, False),  # STOP by SMS: everything
                     "+22376000003": (True, "gateway", False, False),
                     "+22376000004": (False, None, True, False),  # stopped her reminders on USSD
                     "+22376000005": (False, None, False, False)}
    assert reminders == {"anc30": "planned", "anc12": "stopped", "anc20": "stopped"}
    assert purposes == {"savings:k": "receipt", "h:1": "requested", "enrollment:AB:received": "requested",
                        "enrollment:AB:approved": "notice", "inbound:1": "reply", "reminder:1": "reminder",
                        "campaign:1:+2237": "campaign", "test:1": "test", "other:1": "notice"}

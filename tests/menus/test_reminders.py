""""My reminders" reads what it shows once a hop, however many of its parts ask."""

from ussd_app.menus import reminders


def test_my_reminders_reads_her_stops_and_visits_once_a_hop(dial, monkeypatch):
    calls = {"stopped": 0, "visits": 0}
    real_stopped, real_visits = reminders.stopped_for, reminders._upcoming_visits

    def stopped_for(db, phone):
        calls["stopped"] += 1
        return real_stopped(db, phone)

    def upcoming(ctx, phone):
        calls["visits"] += 1
        return real_visits(ctx, phone)

    monkeypatch.setattr(reminders, "stopped_for", stopped_for)
    monkeypatch.setattr(reminders, "_upcoming_visits", upcoming)
    session = dial().press("2")  # French: the main menu
    session.press("4")
    assert session.answer.startswith("CON ")
    assert calls == {"stopped": 1, "visits": 1}
    session.press("98")  # drawn again (no next page): read again, once
    assert calls == {"stopped": 2, "visits": 2}

"""Build a national-scale data set in PostgreSQL: people, savings groups and their ledgers,
children with their vaccination reminders. Resumable, with a progress bar.

    .venv/bin/python benchmarks/national_data.py --url postgresql://postgres@127.0.0.1:5432/national
    .venv/bin/python benchmarks/national_data.py --scale 0.1   # a tenth: 100 000 people, ...

At `--scale 1`: 1 000 000 people (`subscribers`), 20 000 groups of 25 members (500 000 members,
each with a PIN), two cycles and 20 meetings a group, 20 000 000 ledger entries (1 % of them
reversals), 200 000 children (`health_enrollments`, approved) and 1 200 000 reminders (six
vaccination visits a child): those before day 0 closed, the others planned, and 50 000 of them
due at 09:00 UTC on day 0 (the reminder tick's morning, `benchmarks/reminder_tick.py`). Day 0
is the day of the first run, kept in the database with the scale, so a resumed run goes on with
the same data.

Every row is a function of its number: person i has phone +2237 and i-1 on seven digits, so the
hop benchmark's phones (+22370000000 ...) are the first people, each with her own children,
reminders, group and ledger history, and every PIN is 4827. Rows are written by the server
itself (`INSERT ... SELECT` over `generate_series`, a chunk per transaction): nothing crosses
the wire, which is faster than COPY of rows built in Python. Foreign keys and the ledger's
triggers are not checked while loading (`session_replication_role = replica`, as a restore
does): the data are consistent by construction. A chunk is committed with its rows, so a run
stopped at any point goes on from the last committed row of each table.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import date, datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.progress import ProgressBar  # noqa: E402

DEFAULT_URL = os.environ.get("BENCH_NATIONAL_URL", "postgresql://postgres@127.0.0.1:5432/national")
CHUNK = 250_000
MEMBERS_PER_GROUP = 25
MEETINGS_PER_GROUP = 20  # 10 in each of two cycles
ENTRIES_PER_MEETING = 2 * MEMBERS_PER_GROUP  # shares, then health fund, for each member
ENTRIES_PER_GROUP = MEETINGS_PER_GROUP * ENTRIES_PER_MEETING  # 1 000
STEPS = ("6w", "10w", "14w", "9m", "15m", "18m")
PIN = "4827"


def sizes(scale: float) -> dict[str, int]:
    groups = max(1, round(20_000 * scale))
    children = max(1, round(200_000 * scale))
    return {"people": max(groups * MEMBERS_PER_GROUP, round(1_000_000 * scale)), "groups": groups,
            "members": groups * MEMBERS_PER_GROUP, "ledger": groups * ENTRIES_PER_GROUP,
            "children": children, "reminders": children * len(STEPS),
            "due_on_day0": max(1, round(50_000 * scale))}


PHONE = "'+2237' || lpad(({n} - 1)::text, 7, '0')"  # person n's phone

# Each table: (table, rows as SQL over generate_series(:lo, :hi) AS i). `:day0` is a date.
TABLES = {
    "people": ("subscribers", f"""
        INSERT INTO subscribers (id, phone, language, created_at, reminders_opted_out_at)
        SELECT i, {PHONE.format(n='i')}, CASE WHEN i % 3 = 0 THEN 'bm' ELSE 'fr' END,
               :day0 - (i % 700) * interval '1 day',
               CASE WHEN i % 50 = 7 THEN :day0 - interval '30 days' END
        FROM generate_series(:lo, :hi) AS i"""),
    "groups": ("savings_groups", """
        INSERT INTO savings_groups (id, name, commune, facility_code, share_value,
                                    health_fund_per_meeting, min_shares, max_shares, created_at)
        SELECT i, 'Groupe ' || i, 'Commune I', NULL, 500, 250, 1, 5, :day0 - interval '300 days'
        FROM generate_series(:lo, :hi) AS i"""),
    "cycles": ("savings_cycles", """
        INSERT INTO savings_cycles (id, group_id, number, started_on, ended_on)
        SELECT i, (i + 1) / 2, 2 - i % 2,
               CASE WHEN i % 2 = 1 THEN :day0 - 300 ELSE :day0 - 150 END,
               CASE WHEN i % 2 = 1 THEN :day0 - 151 END
        FROM generate_series(:lo, :hi) AS i"""),
    "members": ("savings_members", f"""
        INSERT INTO savings_members (id, group_id, phone, name, number, role, joined_at)
        SELECT i, (i - 1) / {MEMBERS_PER_GROUP} + 1, {PHONE.format(n='i')}, 'Membre ' || i,
               (i - 1) % {MEMBERS_PER_GROUP} + 1,
               CASE (i - 1) % {MEMBERS_PER_GROUP} WHEN 0 THEN 'treasurer' WHEN 1 THEN 'president'
                    ELSE 'member' END,
               :day0 - interval '300 days'
        FROM generate_series(:lo, :hi) AS i"""),
    "pins": ("savings_pins", """
        INSERT INTO savings_pins (member_id, pin_hash, failed_attempts, lock_count, updated_at)
        SELECT i, :pin_hash, 0, 0, :day0 - interval '300 days'
        FROM generate_series(:lo, :hi) AS i"""),
    # Meeting k (1..20) of group g is number (g - 1) * 20 + k, weekly, the last a week before day 0.
    "meetings": ("savings_meetings", f"""
        INSERT INTO savings_meetings (id, group_id, cycle_id, held_on, draft_key, recorded_by_id, created_at)
        SELECT i, g, CASE WHEN k <= 10 THEN 2 * g - 1 ELSE 2 * g END,
               :day0 - (21 - k) * 7, 'bench:' || i, (g - 1) * {MEMBERS_PER_GROUP} + 1,
               (:day0 - (21 - k) * 7) + time '10:00'
        FROM (SELECT i, (i - 1) / {MEETINGS_PER_GROUP} + 1 AS g, (i - 1) % {MEETINGS_PER_GROUP} + 1 AS k
              FROM generate_series(:lo, :hi) AS i) AS m"""),
    # Entry slot s (0..49) of a meeting: shares (s < 25) or health fund of member s % 25 + 1. In
    # every even meeting the last member's shares entry reverses her entry of the meeting before
    # (1 % of entries are reversals).
    "ledger": ("savings_ledger", f"""
        INSERT INTO savings_ledger (id, group_id, cycle_id, member_id, meeting_id, kind, shares,
                                    amount, reverses_id, idempotency_key, recorded_by_id, created_at)
        SELECT i, g, CASE WHEN k <= 10 THEN 2 * g - 1 ELSE 2 * g END,
               (g - 1) * {MEMBERS_PER_GROUP} + s % {MEMBERS_PER_GROUP} + 1,
               (g - 1) * {MEETINGS_PER_GROUP} + k,
               CASE WHEN s < {MEMBERS_PER_GROUP} THEN 'shares' ELSE 'health_fund' END,
               CASE WHEN reversal THEN -(1 + (i - {ENTRIES_PER_MEETING}) % 5)
                    WHEN s < {MEMBERS_PER_GROUP} THEN 1 + i % 5 ELSE 0 END,
               CASE WHEN reversal THEN -500 * (1 + (i - {ENTRIES_PER_MEETING}) % 5)
                    WHEN s < {MEMBERS_PER_GROUP} THEN 500 * (1 + i % 5) ELSE 10 END,
               CASE WHEN reversal THEN i - {ENTRIES_PER_MEETING} END,
               'bench:' || i, (g - 1) * {MEMBERS_PER_GROUP} + 1,
               (:day0 - (21 - k) * 7) + time '10:00'
        FROM (SELECT i, g, k, s, (k % 2 = 0 AND s = {MEMBERS_PER_GROUP - 1}) AS reversal
              FROM (SELECT i, (i - 1) / {ENTRIES_PER_GROUP} + 1 AS g,
                           (i - 1) % {ENTRIES_PER_GROUP} / {ENTRIES_PER_MEETING} + 1 AS k,
                           (i - 1) % {ENTRIES_PER_MEETING} AS s
                    FROM generate_series(:lo, :hi) AS i) AS e) AS r"""),
    # Child c's mother is person 5(c - 1) + 1.
    "children": ("health_enrollments", f"""
        INSERT INTO health_enrollments (id, reference, request_key, phone, language, kind, facility_id,
                                        child_name, child_name_key, birth_date, status, created_at,
                                        decided_at, updated_at, mother_name)
        SELECT i, 'B' || lpad(i::text, 7, '0'), 'bench:' || i, {PHONE.format(n='(5 * (i - 1) + 1)')},
               CASE WHEN (5 * (i - 1) + 1) % 3 = 0 THEN 'bm' ELSE 'fr' END, 'child',
               (SELECT array_agg(id ORDER BY id) FROM health_facilities)[1 + i % :facilities],
               'Enfant ' || i, 'enfant ' || i, :day0 - (i * 37) % 700, 'approved',
               :day0 - (i * 37) % 700 + time '12:00', :day0 - (i * 37) % 700 + time '15:00',
               :day0 - (i * 37) % 700 + time '15:00', 'Mère ' || i
        FROM generate_series(:lo, :hi) AS i"""),
    # Reminder r is step (r - 1) % 6 of child (r - 1) / 6 + 1, due at 09:00 on day 0 + d: d = 0
    # for the third step of the first `due_on_day0` children, otherwise spread from 100 days
    # before day 0 (closed: queued) to 600 after (planned).
    "reminders": ("reminders", f"""
        INSERT INTO reminders (id, phone, language, kind, step, source_ref, child_name, facility_name,
                               visit_date, due_at, status, created_at, closed_at)
        SELECT i, {PHONE.format(n='(5 * (c - 1) + 1)')},
               CASE WHEN (5 * (c - 1) + 1) % 3 = 0 THEN 'bm' ELSE 'fr' END, 'immunization',
               (ARRAY{list(STEPS)})[k + 1], 'enrollment:B' || lpad(c::text, 7, '0'), 'Enfant ' || c,
               'CSCom ' || (1 + c % 40), :day0 + d + 1, (:day0 + d) + time '09:00',
               CASE WHEN d < 0 THEN 'queued' ELSE 'planned' END, :day0 - interval '200 days',
               CASE WHEN d < 0 THEN (:day0 + d) + time '09:00' END
        FROM (SELECT i, c, k,
                     CASE WHEN k = 2 AND c <= :due_on_day0 THEN 0
                          WHEN (c * 37 + k * 61) % 700 = 100 THEN 1
                          ELSE (c * 37 + k * 61) % 700 - 100 END AS d
              FROM (SELECT i, (i - 1) / {len(STEPS)} + 1 AS c, (i - 1) % {len(STEPS)} AS k
                    FROM generate_series(:lo, :hi) AS i) AS r0) AS r"""),
}
ORDER = ("people", "groups", "cycles", "members", "pins", "meetings", "ledger", "children", "reminders")
KEYS = {"pins": "member_id"}  # primary key column, when not `id`


def table_sizes(size: dict[str, int]) -> dict[str, int]:
    return dict(size, cycles=2 * size["groups"], pins=size["members"],
                meetings=MEETINGS_PER_GROUP * size["groups"])


def prepare(url: str, scale: float, fresh: bool) -> tuple[date, float]:
    """Create the database and schema if missing; return day 0 and the scale it was built with."""
    from sqlalchemy import create_engine, text

    from ussd_app.migrate import upgrade

    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    name = url.rsplit("/", 1)[1]
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and fresh:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    upgrade(url)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS bench_national (key text PRIMARY KEY, value text NOT NULL)"))
        meta = dict(conn.execute(text("SELECT key, value FROM bench_national")).all())
        if not meta:
            meta = {"day0": datetime.now(timezone.utc).date().isoformat(), "scale": repr(scale)}
            for key, value in meta.items():
                conn.execute(text("INSERT INTO bench_national VALUES (:k, :v)"), {"k": key, "v": value})
        if not conn.execute(text("SELECT count(*) FROM health_facilities")).scalar():
            from sqlalchemy.orm import Session

            from ussd_app.health.facilities import load_shipped

            with Session(bind=conn) as db:
                load_shipped(db, now=datetime.now(timezone.utc))
                db.flush()
    engine.dispose()
    if float(meta["scale"]) != scale:
        sys.exit(f"this database was started at scale {meta['scale']}: resume with it, or --fresh")
    return date.fromisoformat(meta["day0"]), scale


def load(url: str, day0: date, size: dict[str, int], chunk: int, steps=ORDER) -> None:
    import psycopg

    from ussd_app.savings import pins

    counts = table_sizes(size)
    params = {"day0": day0, "pin_hash": pins.hash_pin(PIN), "due_on_day0": size["due_on_day0"]}
    with psycopg.connect(url, autocommit=True) as conn:  # each chunk: a transaction of its own
        params["facilities"] = conn.execute("SELECT count(*) FROM health_facilities").fetchone()[0]
        for step in steps:
            table, insert = TABLES[step]
            key = KEYS.get(step, "id")
            total = counts[step]
            done = conn.execute(f"SELECT coalesce(max({key}), 0) FROM {table}").fetchone()[0]
            bar = ProgressBar(total, f"{step:<10}", start=done)
            bar.update(done)
            sql = insert.replace("%", "%%").replace(":lo", "%(lo)s::int").replace(":hi", "%(hi)s::int")
            for name in params:
                sql = sql.replace(f":{name}", f"%({name})s")
            while done < total:
                hi = min(done + chunk, total)
                with conn.transaction():
                    conn.execute("SET LOCAL session_replication_role = replica")
                    conn.execute("SET LOCAL synchronous_commit = off")
                    conn.execute(sql, dict(params, lo=done + 1, hi=hi))
                done = hi
                bar.update(done)
            bar.close()
        for step in steps:
            table = TABLES[step][0]
            if KEYS.get(step, "id") == "id":
                conn.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"greatest((SELECT max(id) FROM {table}), 1))")
        print("VACUUM ANALYZE (visibility map and statistics) ...", flush=True)
        conn.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--scale", type=float, default=1.0, help="1: the national figures above")
    parser.add_argument("--chunk", type=int, default=CHUNK, help="rows per transaction")
    parser.add_argument("--fresh", action="store_true", help="drop the database and start again")
    parser.add_argument("--tables", default=",".join(ORDER),
                        help="only these (e.g. people,children,reminders for the reminder tick)")
    args = parser.parse_args()
    day0, scale = prepare(args.url, args.scale, args.fresh)
    size = sizes(scale)
    print(f"national data set at scale {scale} in {args.url.rsplit('/', 1)[1]}, day 0 {day0}: "
          + ", ".join(f"{v:,} {k}" for k, v in size.items()))
    steps = [step for step in ORDER if step in args.tables.split(",")]
    load(args.url.replace("postgresql+psycopg://", "postgresql://"), day0, size, args.chunk, steps)


if __name__ == "__main__":
    main()

"""Campaign planning: the real planner turns an audience of N recipients into outbox rows.

For each audience size, builds a centre with N registered women (bulk INSERT ... SELECT, a few
seconds even for a million; a third chose French, one in fifty opted out of SMS), creates the
campaign as the dashboard does, then runs the planner's RQ job function (`plan_campaign`) in a
child process and times it. Reports recipients planned per second and the planner's peak RSS
(psutil, sampled every 50 ms, and the kernel's own high-water mark). Prints a table and writes
JSON to benchmarks/results/.

    .venv/bin/python benchmarks/planning.py --sizes 100000,1000000 --database postgresql
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.progress import ProgressBar  # noqa: E402
from benchmarks.report import write_results  # noqa: E402
from benchmarks.ussd_hop import BENCH_REDIS, prepare_database  # noqa: E402

FACILITY = "BENCH"
OPTED_OUT_EVERY = 50
FRENCH_EVERY = 3


def fill_audience(url: str, size: int) -> None:
    """A centre, `size` active pregnancy registrations, and a subscriber row for some of them."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    now = datetime.now(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    due = (datetime.now(timezone.utc) + timedelta(days=100)).date().isoformat()
    phone = "'+2237' || substr(CAST(10000000 + n AS TEXT), 2, 7)"  # +2237 and 7 digits: E.164
    if engine.dialect.name == "postgresql":
        series = f"SELECT n FROM generate_series(1, {size}) AS n"
        # Bulk loads here bypass the ORM, so the app's UTCDateTime is written as it stores it.
        stamp = f"TIMESTAMP '{now}'"
    else:
        series = (f"WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {size}) "
                  "SELECT n FROM s")
        stamp = f"'{now}'"
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO health_facilities (code, name, commune, region, active, created_at, "
                          f"updated_at) VALUES ('{FACILITY}', 'CSCom Bench', 'Commune I', 'Bamako', true, "
                          f"{stamp}, {stamp})"))
        facility_id = conn.execute(text(f"SELECT id FROM health_facilities WHERE code = '{FACILITY}'")).scalar()
        conn.execute(text(
            "INSERT INTO health_enrollments (reference, request_key, phone, language, kind, facility_id, "
            "due_date, status, created_at, updated_at) "
            f"SELECT 'B' || CAST(n AS TEXT), 'bench:' || CAST(n AS TEXT), {phone}, 'bm', 'pregnancy', "
            f"{facility_id}, DATE '{due}', 'approved', {stamp}, {stamp} FROM ({series}) AS numbers"))
        conn.execute(text(
            "INSERT INTO subscribers (phone, language, created_at, sms_opted_out_at) "
            f"SELECT {phone}, CASE WHEN n % {FRENCH_EVERY} = 0 THEN 'fr' ELSE 'bm' END, {stamp}, "
            f"CASE WHEN n % {OPTED_OUT_EVERY} = 0 THEN {stamp} ELSE NULL END "
            f"FROM ({series}) AS numbers WHERE n % {FRENCH_EVERY} = 0 OR n % {OPTED_OUT_EVERY} = 0"))
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def create_campaign(url: str, workdir: Path) -> tuple[int, int]:
    from ussd_app.clinic import audience, campaigns
    from ussd_app.clinic.scope import Scope
    from ussd_app.config import Settings
    from ussd_app.db import make_engine, make_session_factory

    settings = Settings.from_env(workdir, env={"DATABASE_URL": url, "REDIS_URL": BENCH_REDIS})
    engine = make_engine(url)
    now = datetime.now(timezone.utc)
    with make_session_factory(engine)() as db:
        campaign, _ = campaigns.create(
            db, scope=Scope(FACILITY, False), idempotency_key=f"bench-{now.timestamp()}", created_by="bench",
            title="Semaine de vaccination", audience=audience.Audience(audience.CENTRE),
            messages={"fr": "Semaine de vaccination au CSCom: venez avec le carnet de l'enfant.", "bm": "Denmisenw bolocogo dogokun CSCom la: aw ye na ni den ka karti ye."},
            send_at=now + timedelta(days=2), now=now, settings=settings)  # later: nothing goes to RQ now
        db.commit()
        result = campaign.id, campaign.audience_total
    engine.dispose()
    return result


def planned_count(url: str, campaign_id: int) -> tuple[int, str]:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        count, status = conn.execute(text("SELECT planned_count, status FROM clinic_campaigns WHERE id = :i"),
                                     {"i": campaign_id}).one()
    engine.dispose()
    return count, status


def run_planner_child(campaign_id: int) -> None:
    """In the child: the planner job as a started worker runs it; prints seconds, rows, ru_maxrss."""
    import resource

    from ussd_app.clinic.planner import plan_campaign
    from ussd_app.sms import runtime

    runtime.current()  # a worker sets up its database engine and Redis client once, not per job
    started = time.perf_counter()
    written = plan_campaign(campaign_id)
    elapsed = time.perf_counter() - started
    print(json.dumps({"seconds": elapsed, "written": written,
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def run_size(size: int, database: str, workdir: Path) -> dict:
    import psutil

    url = prepare_database(database, workdir)
    started = time.monotonic()
    fill_audience(url, size)
    fill_s = time.monotonic() - started
    campaign_id, audience_total = create_campaign(url, workdir)
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=BENCH_REDIS, SMS_GATEWAY="console",
               USSD_INSTANCE_PATH=str(workdir), PYTHONPATH=str(ROOT))
    child = subprocess.Popen([sys.executable, __file__, "--child", str(campaign_id)], env=env,
                             stdout=subprocess.PIPE, text=True)
    process = psutil.Process(child.pid)
    bar = ProgressBar(audience_total, label=f"{database:<10} {size:>9,}")
    samples = []
    last_poll = 0.0
    while child.poll() is None:
        try:
            samples.append(process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        if time.monotonic() - last_poll > 0.5:
            bar.update(planned_count(url, campaign_id)[0])
            last_poll = time.monotonic()
        time.sleep(0.05)
    out, _ = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the planner failed (exit {child.returncode})")
    child_result = json.loads(out.strip().splitlines()[-1])
    count, status = planned_count(url, campaign_id)
    bar.update(count)
    bar.close()
    mb = 1024 * 1024
    return {"database": database, "audience": size, "recipients": audience_total, "planned": count,
            "status": status, "seconds": round(child_result["seconds"], 2),
            "recipients_per_s": round(count / child_result["seconds"]),
            "rss_peak_mb": round(max(samples) / mb, 1) if samples else None,
            "maxrss_mb": round(child_result["maxrss_mb"], 1), "fill_seconds": round(fill_s, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--database", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        return run_planner_child(args.child)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in [int(s) for s in args.sizes.split(",")]:
            rows.append(run_size(size, args.database, Path(tmp)))
    print(f"\n{'db':<11} {'audience':>9} {'planned':>9} {'seconds':>8} {'recipients/s':>13} "
          f"{'peak RSS MB':>12} {'maxrss MB':>10}")
    for r in rows:
        print(f"{r['database']:<11} {r['audience']:>9} {r['planned']:>9} {r['seconds']:>8} "
              f"{r['recipients_per_s']:>13} {r['rss_peak_mb']:>12} {r['maxrss_mb']:>10}")
    write_results("planning", args, rows)


if __name__ == "__main__":
    main()

"""Outbox drain rate: real `ussd-app worker` processes, the real SDK, the local fake API.

For each scenario (a campaign: one text to everyone; reminders: a different text per person) and
each worker count, starts the workers, fills the outbox with N due messages once they wait for
jobs, hands the rows to RQ as the dispatcher does and times until every row is final. The fake answers every
request after `--latency-ms`. Prints a table and writes JSON to benchmarks/results/.

    .venv/bin/python benchmarks/dispatch.py --messages 5000 --workers 1,2 --database sqlite
"""

from __future__ import annotations

import argparse
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
from benchmarks.ussd_hop import BENCH_REDIS, VENV_BIN, prepare_database  # noqa: E402


def fill_outbox(url: str, count: int, personalised: bool) -> list[int]:
    from sqlalchemy import insert, select

    from ussd_app.db import make_engine
    from ussd_app.sms.outbox import OutboxMessage

    engine = make_engine(url)
    created = datetime.now(timezone.utc) - timedelta(minutes=5)
    campaign = "Journee de vaccination samedi au CSCom de Sotuba, 8h-13h. Venez avec le carnet."
    rows = [{
        "recipient": f"+2237{6000000 + i:07d}", "language": "fr",
        "body": f"Rappel: Awa {i}, rendez-vous au CSCom de Sotuba mardi 3 mars." if personalised else campaign,
        "parts": 1, "kind": "reminder" if personalised else "campaign",
        "purpose": "reminder" if personalised else "campaign",
        "dedupe_key": f"bench:{i}", "status": "pending", "attempts": 0, "due_at": created,
        "created_at": created, "updated_at": created,
    } for i in range(count)]
    with engine.begin() as conn:
        for start in range(0, count, 1000):
            conn.execute(insert(OutboxMessage), rows[start:start + 1000])
        ids = list(conn.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)))
    engine.dispose()
    return ids


def final_count(url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from ussd_app.db import make_engine
    from ussd_app.sms.outbox import FINAL, OutboxMessage

    engine = make_engine(url)
    with engine.connect() as conn:
        done = conn.scalar(select(func.count()).where(OutboxMessage.status.in_(FINAL | {"sent"})))
        sent = conn.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
    engine.dispose()
    return done, sent


def wait_for_workers(connection, count: int, procs, timeout: float = 60) -> None:
    from rq import Worker

    deadline = time.monotonic() + timeout
    while Worker.count(connection=connection) < count:
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            raise RuntimeError("the workers did not start")
        time.sleep(0.1)


def run_scenario(kind: str, database: str, workers: int, args, workdir: Path) -> dict:
    import redis

    from ussd_app.testing.fake_africastalking import FakeAfricasTalking
    from ussd_app.sms.handoff import enqueue_outbox

    url = prepare_database(database, workdir)
    connection = redis.Redis.from_url(BENCH_REDIS)
    connection.flushdb()
    fake = FakeAfricasTalking().start()
    fake.latency_s = args.latency_ms / 1000
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=BENCH_REDIS, SMS_GATEWAY="africastalking",
               AT_USERNAME="bench", AT_API_KEY="bench", AT_API_BASE_URL=fake.url,
               SMS_RATE_PER_SECOND=str(args.rate), SMS_QUIET_START_HOUR="0", SMS_QUIET_END_HOUR="0",
               USSD_INSTANCE_PATH=str(workdir))
    # Long-running workers, as in production; the clock starts once they wait for jobs, so the
    # figure is the drain rate, not the time Python takes to import the app.
    procs = [subprocess.Popen([str(VENV_BIN / "ussd-app"), "worker"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
             for _ in range(workers)]
    bar = ProgressBar(args.messages, label=f"{kind:<9} {database:<10} {workers} worker(s)")
    try:
        wait_for_workers(connection, workers, procs)
        ids = fill_outbox(url, args.messages, personalised=(kind == "reminders"))
        cpu_before = _cpu_seconds(procs), time.process_time()
        started = time.monotonic()
        enqueue_outbox(connection, ids)  # as the dispatcher or the campaign planner hands them over
        bar.started = started
        done = 0
        while done < args.messages and time.monotonic() - started < args.timeout:
            done = final_count(url)[0]
            bar.update(done)
            time.sleep(0.2)
        elapsed = time.monotonic() - started
        # CPU per message: what the workers and this process (the fake API, the polling) spent,
        # a figure that moves less than the rate when other work shares the machine.
        worker_cpu = _cpu_seconds(procs) - cpu_before[0]
        fake_cpu = time.process_time() - cpu_before[1]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        fake.stop()
    done, sent = final_count(url)
    bar.update(done)
    bar.close()
    return {"scenario": kind, "database": database, "workers": workers, "messages": args.messages,
            "final": done, "sent": sent, "seconds": round(elapsed, 2),
            "messages_per_s": round(done / elapsed, 1), "gateway_requests": len(fake.requests),
            "latency_ms": args.latency_ms,
            "worker_cpu_ms_per_message": round(worker_cpu * 1000 / max(done, 1), 2),
            "fake_cpu_ms_per_message": round(fake_cpu * 1000 / max(done, 1), 2),
            "load_average": os.getloadavg()[0]}


def _cpu_seconds(procs) -> float:
    import psutil

    return sum(sum(psutil.Process(p.pid).cpu_times()[:2]) for p in procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--database", default="postgresql", choices=["sqlite", "postgresql"])
    parser.add_argument("--scenarios", default="campaign,reminders")
    parser.add_argument("--latency-ms", type=int, default=50)
    parser.add_argument("--rate", type=int, default=100000, help="per-sender rate limit (msg/s)")
    parser.add_argument("--timeout", type=float, default=600, help="give up on a scenario after (s)")
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.scenarios.split(","):
            for workers in [int(w) for w in args.workers.split(",")]:
                rows.append(run_scenario(kind, args.database, workers, args, Path(tmp)))
    print(f"\n{'scenario':<10} {'db':<11} {'workers':>7} {'messages':>9} {'sent':>7} {'seconds':>8} "
          f"{'msg/s':>8} {'requests':>9} {'worker CPU ms/msg':>18} {'fake CPU ms/msg':>16} {'load':>5}")
    for r in rows:
        print(f"{r['scenario']:<10} {r['database']:<11} {r['workers']:>7} {r['messages']:>9} {r['sent']:>7} "
              f"{r['seconds']:>8} {r['messages_per_s']:>8} {r['gateway_requests']:>9} "
              f"{r['worker_cpu_ms_per_message']:>18} {r['fake_cpu_ms_per_message']:>16} {r['load_average']:>5.1f}")
    write_results("dispatch", args, rows)


if __name__ == "__main__":
    main()

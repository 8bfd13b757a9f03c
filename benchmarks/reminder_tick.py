"""The reminder tick at scale: one dispatcher run moves a morning's due reminders to the outbox.

Builds (once, resumably) the people, children and reminders of the national data set
(`national_data.py --tables people,children,reminders`; at scale 1: 1 000 000 people, 1 200 000
reminders of which about 1 030 000 planned, 50 000 due at 09:00 on day 0), puts the morning's
reminders back to `planned` and clears their outbox rows (so every run starts alike), then runs
the dispatcher's job function (`run_dispatch`) in a child process at 09:00 on day 0 and times
it, sampling the child's RSS (psutil, every 50 ms; also the kernel's `ru_maxrss`). Also prints
`EXPLAIN (ANALYZE, BUFFERS)` of a page's due query. Prints a table and writes JSON to
benchmarks/results/.

    .venv/bin/python benchmarks/reminder_tick.py --scale 1 --runs 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import date, datetime, time as clock_time, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import national_data  # noqa: E402
from benchmarks.report import write_results  # noqa: E402
from benchmarks.ussd_hop import BENCH_REDIS  # noqa: E402

DEFAULT_URL = os.environ.get("BENCH_TICK_URL", "postgresql://postgres@127.0.0.1:5432/national_tick")
TABLES = ("people", "children", "reminders")


def morning(day0: date) -> datetime:
    return datetime.combine(day0, clock_time(9), tzinfo=timezone.utc)


def reset_morning(url: str, at: datetime) -> dict:
    """The morning's reminders planned again, their outbox rows gone; the counts a run starts from."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        with conn.transaction():
            conn.execute("UPDATE reminders SET status = 'planned', outbox_id = NULL, closed_at = NULL, "
                         "skip_reason = NULL WHERE due_at = %s AND status <> 'planned'", (at,))
            # Their reminders no longer point at them (above): the foreign key's check, a scan
            # of every reminder for each row deleted, is skipped.
            conn.execute("SET LOCAL session_replication_role = replica")
            conn.execute("DELETE FROM sms_outbox WHERE kind = 'reminder'")
        conn.execute("VACUUM ANALYZE reminders")
        conn.execute("VACUUM ANALYZE sms_outbox")
        planned, due = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE due_at <= %s) FROM reminders WHERE status = 'planned'",
            (at,)).fetchone()
    return {"planned": planned, "due": due}


def explain_due_page(url: str, at: datetime) -> str:
    import psycopg
    from sqlalchemy.dialects.postgresql.psycopg import dialect

    from ussd_app.sms.dispatch import REMINDER_PAGE, due_page

    class Capture:  # due_page's statement, compiled as the app's driver sends it
        def execute(self, statement):
            self.compiled = statement.compile(dialect=dialect())
            return []

    capture = Capture()
    due_page(capture, at, None, REMINDER_PAGE)
    with psycopg.connect(url) as conn:
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + str(capture.compiled),
                            capture.compiled.params).fetchall()
        conn.rollback()
    return "\n".join(r[0] for r in rows)


def run_child(at_iso: str) -> None:
    """In the child: the dispatcher's job as a started worker runs it."""
    import resource

    from ussd_app.sms import runtime
    from ussd_app.sms.dispatch import run_dispatch

    rt = runtime.current()
    rt = runtime.SmsRuntime(rt.settings, rt.session_factory, rt.redis, rt.gateway,
                            lambda: datetime.fromisoformat(at_iso))
    started = time.perf_counter()
    handed = run_dispatch(rt)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(json.dumps({"seconds": elapsed, "handed": handed, "cpu_s": usage.ru_utime + usage.ru_stime,
                      "maxrss_mb": usage.ru_maxrss / 1024}))


def run_once(url: str, at: datetime, workdir: str) -> dict:
    import psutil
    import redis

    counts = reset_morning(url, at)
    redis.Redis.from_url(BENCH_REDIS).flushdb()
    env = dict(os.environ, DATABASE_URL=url, REDIS_URL=BENCH_REDIS, SMS_GATEWAY="console",
               USSD_INSTANCE_PATH=workdir, PYTHONPATH=str(ROOT))
    load = os.getloadavg()[0]
    child = subprocess.Popen([sys.executable, __file__, "--child", at.isoformat()], env=env,
                             stdout=subprocess.PIPE, text=True)
    process, samples = psutil.Process(child.pid), []
    while child.poll() is None:
        try:
            samples.append(process.memory_info().rss)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    out, _ = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the dispatcher failed (exit {child.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    import psycopg

    with psycopg.connect(url) as conn:
        left, outbox = conn.execute(
            "SELECT (SELECT count(*) FROM reminders WHERE status = 'planned' AND due_at <= %s), "
            "(SELECT count(*) FROM sms_outbox WHERE kind = 'reminder')", (at,)).fetchone()
    mb = 1024 * 1024
    return {**counts, "seconds": round(result["seconds"], 2), "handed": result["handed"],
            "dispatcher_cpu_s": round(result["cpu_s"], 2),
            "outbox_rows": outbox, "due_left": left,
            "reminders_per_s": round(counts["due"] / result["seconds"]),
            "rss_peak_mb": round(max(samples) / mb, 1) if samples else None,
            "maxrss_mb": round(result["maxrss_mb"], 1), "load_before": round(load, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=DEFAULT_URL)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_child(args.child)
    import tempfile

    day0, scale = national_data.prepare(args.url, args.scale, fresh=False)
    national_data.load(args.url, day0, national_data.sizes(scale), national_data.CHUNK, TABLES)
    at = morning(day0)
    reset_morning(args.url, at)
    plan = explain_due_page(args.url, at)  # the first page of the morning, before any run
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(args.runs):
            row = run_once(args.url, at, tmp)
            print(f"run {n + 1}: {row}", flush=True)
            rows.append(row)
    print("\nThe morning's first page of due reminders:\n" + plan)
    print(f"\n{'planned':>9} {'due':>7} {'seconds':>8} {'reminders/s':>12} {'peak RSS MB':>12} {'maxrss MB':>10}")
    for r in rows:
        print(f"{r['planned']:>9} {r['due']:>7} {r['seconds']:>8} {r['reminders_per_s']:>12} "
              f"{r['rss_peak_mb']:>12} {r['maxrss_mb']:>10}")
    write_results("reminder_tick", args, rows + [{"explain_due_page": plan}])


if __name__ == "__main__":
    main()

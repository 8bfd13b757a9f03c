"""USSD hop throughput and latency: the real app against a hand-written reference app.

The reference (`tutorial_app.py`) is the USSD app tutorials build: Flask, its session in Redis
(one GET, one SET per hop), if/elif menus. The bare endpoint (constant answer) shows the
machine's ceiling. All run under the same gunicorn configuration and the same load generator
(wrk, one thread per connection, each playing whole sessions in order). The real app uses
production settings: real Redis and PostgreSQL or SQLite. Two walks: `menu` (first dial,
language, menus and back) and `savings` (a member's first dial, "My group", her PIN, then her
balance screen again and again; the PIN's argon2 verification is timed on its own as well).
Prints a table and writes JSON to benchmarks/results/.

    .venv/bin/python benchmarks/ussd_hop.py --databases sqlite,postgresql --walks menu,savings

Needs `wrk` (Debian package; installed on demand when missing and running as root).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from benchmarks.report import write_results  # noqa: E402
BENCH_REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
BENCH_POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench")
# New input of each hop after the first (empty) one.
WALKS = {
    # French (first session of a phone), then through the menus and back.
    "menu": os.environ.get("BENCH_USSD_HOPS", "2|1|2|1|2|00"),
    # "My group", the PIN, then the balance screen drawn again ("98": no next page) six times.
    "savings": "5|4827|98|98|98|98|98|98",
    # For a caller whose language is known (the national data set's people): first dials only,
    # "My registrations" and back, "My reminders" and back.
    "first": "",
    "registrations": "3|0|3|0|3|0",
    "reminders": "4|0|4|0|4|0",
}
BENCH_PIN = "4827"


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True,
                       stdout=subprocess.DEVNULL)
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("wrk is needed: apt-get install wrk")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listening on {port}")


def prepare_database(kind: str, workdir: Path) -> str:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import create_engine, text

    from ussd_app.migrate import upgrade

    if kind == "sqlite":
        for leftover in workdir.glob("bench.sqlite3*"):  # each run starts from an empty database
            leftover.unlink()
        url = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        url = BENCH_POSTGRES
        admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            name = url.rsplit("/", 1)[1]
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname=:n"), {"n": name}).scalar():
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    return url


def bench_phones(connections: int) -> list[str]:
    """The phones wrk's threads dial from (ussd_sessions.lua: +2237 and the thread number)."""
    return [f"+2237{n:07d}" for n in range(connections)]


def seed_members(url: str, phones: list[str]) -> None:
    """Every dialling phone a French-speaking member of one group, PIN set, one meeting recorded."""
    from datetime import timedelta

    from ussd_app.clock import system_now
    from ussd_app.db import make_engine, make_session_factory
    from ussd_app.savings import pins
    from ussd_app.savings.groups import add_member, create_group, roster
    from ussd_app.savings.models import PinCredential
    from ussd_app.savings.recording import draft_key, record_meeting
    from ussd_app.subscribers import get_or_create

    now = system_now()
    engine = make_engine(url)
    with make_session_factory(engine).begin() as db:
        group = create_group(db, name="Bench", share_value=500, health_fund_per_meeting=250,
                             commune="Commune I", facility_code="BKO-C1-SOTUBA",
                             now=now - timedelta(days=30))
        pin_hash = pins.hash_pin(BENCH_PIN)
        for number, phone in enumerate(phones, 1):
            get_or_create(db, phone, now).language = "fr"
            add_member(db, group, phone=phone, name=f"Membre {number}", number=number,
                       role="member", now=now - timedelta(days=30))
        members = roster(db, group.id)
        for member in members:
            pins.set_pin_hash(db.get(PinCredential, member.id), pin_hash, now)
        day = (now - timedelta(days=7)).date()
        record_meeting(db, group, day=day, key=draft_key(group.id, day, "bench"),
                       shares_by_member={m.id: 2 for m in members}, recorded_by_id=members[0].id,
                       now=now - timedelta(days=7), send_receipts=False)
    engine.dispose()


def time_pin_verification(times: int = 20) -> dict:
    """The argon2 verification a PIN hop makes, alone: wall and CPU ms (median)."""
    from ussd_app.savings import pins

    pin_hash = pins.hash_pin(BENCH_PIN)
    walls, cpus = [], []
    for _ in range(times):
        wall, cpu = time.perf_counter(), time.process_time()
        assert pins.pin_matches(pin_hash, BENCH_PIN)
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.process_time() - cpu) * 1000)
    return {"wall_ms": round(statistics.median(walls), 1), "cpu_ms": round(statistics.median(cpus), 1)}


def run_gunicorn(app_spec: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    # The app logs a line per hop, as in production: to a file, never to a pipe nobody reads
    # (a full pipe blocks every worker on its next log line).
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(ROOT), app_spec],
        env=env, stdout=subprocess.DEVNULL, stderr=log,
    )


def check_answers(port: int, hops: str) -> None:
    """Refuse to measure an app that does not answer real screens (errors are fast too): one
    whole session of the walk, from a phone wrk does not use."""
    import urllib.parse
    import urllib.request

    inputs = hops.split("|") if hops else []
    for n in range(len(inputs) + 1):
        form = urllib.parse.urlencode({"sessionId": "bench-check", "serviceCode": "*384*1#",
                                       "phoneNumber": "+22370000000", "networkCode": "61002",
                                       "text": "*".join(inputs[:n])}).encode()
        # A long timeout: a busy machine's workers take a while to answer their first hop.
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ussd", data=form, timeout=60) as resp:
            body = resp.read().decode("utf-8")
        if not body.startswith("CON "):
            raise RuntimeError(f"the app under test answered {body!r} at hop {n}")


def run_wrk(wrk: str, port: int, connections: int, seconds: int, hops: str) -> dict:
    out = subprocess.run(
        [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(ROOT / "benchmarks" / "ussd_sessions.lua"), f"http://127.0.0.1:{port}"],
        env=dict(os.environ, USSD_HOPS=hops), capture_output=True, text=True, check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def measure(label: str, app_spec: str, env: dict, args, wrk: str, hops: str) -> dict:
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()
    port = free_port()
    server = run_gunicorn(app_spec, port, args.workers, env)
    try:
        wait_for_port(port)
        check_answers(port, hops)
        run_wrk(wrk, port, args.connections, 2, hops)  # warm-up: imports, pools, catalogs
        load = os.getloadavg()[0]
        result = run_wrk(wrk, port, args.connections, args.seconds, hops)
        result["load_before"] = round(load, 2)
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    result["label"] = label
    print(f"  {label:<34} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:6.2f} ms   "
          f"p99 {result['p99_ms']:6.2f} ms   non-200 {result['errors_status']}", flush=True)
    return result


def median_run(runs: list[dict]) -> dict:
    """The run with the median throughput, with every round's figure kept beside it."""
    chosen = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2])
    chosen["rounds_rps"] = [r["rps"] for r in runs]
    return chosen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--walks", default="menu,savings", help=f"of {', '.join(WALKS)}")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3,
                        help="run every app this many times, in turn; reported: the median run, "
                             "and the median of each round's ratio to that round's reference app "
                             "(a shared machine's speed drifts during a run)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent sessions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (all apps)")
    parser.add_argument("--existing", default="",
                        help="label=url,...: also run the app on these prepared PostgreSQL databases "
                             "as they are (e.g. empty and full national data sets, national_data.py)")
    parser.add_argument("--floors", default="",
                        help="also run the bare endpoint with this many Redis GETs per request "
                             "(comma-separated, e.g. 1,2; empty for none)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    print(f"USSD hop benchmark: {args.connections} concurrent sessions, {args.seconds} s, "
          f"{args.rounds} rounds, gunicorn --workers {args.workers}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")
    pin = time_pin_verification()
    print(f"PIN verification alone (argon2, in one process): {pin['wall_ms']} ms wall, {pin['cpu_ms']} ms CPU")
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    bare_spec = "benchmarks.bare_app:create_app()"
    reference = ("reference (tutorial app)", "benchmarks.tutorial_app:create_app()",
                 dict(base_env, TUTORIAL_REDIS_URL=BENCH_REDIS))
    rows = []
    for walk in [w.strip() for w in args.walks.split(",") if w.strip()]:
        hops = WALKS[walk]
        print(f"walk {walk}: {hops}")
        apps = [reference, ("bare Flask endpoint", bare_spec, base_env)]
        # What Redis round trips alone cost here.
        for trips in [int(n) for n in args.floors.split(",") if n.strip()]:
            env = dict(base_env, BARE_REDIS_ROUND_TRIPS=str(trips), BARE_REDIS_URL=BENCH_REDIS)
            apps.append((f"bare + {trips} Redis GET{'s' if trips > 1 else ''}", bare_spec, env))
        with tempfile.TemporaryDirectory() as tmp:
            for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
                url = prepare_database(kind, Path(tmp))
                if walk == "savings":
                    seed_members(url, bench_phones(args.connections))
                env = dict(base_env, DATABASE_URL=url, REDIS_URL=BENCH_REDIS, SECRET_KEY="bench",
                           USSD_ENV="development", USSD_INSTANCE_PATH=tmp)
                apps.append((f"ussd_app ({kind})", "ussd_app:create_app()", env))
            for label, url in (item.split("=", 1) for item in args.existing.split(",") if item):
                env = dict(base_env, DATABASE_URL=url, REDIS_URL=BENCH_REDIS, SECRET_KEY="bench",
                           USSD_ENV="development", USSD_INSTANCE_PATH=tmp)
                apps.append((f"ussd_app ({label})", "ussd_app:create_app()", env))
            runs: dict[str, list[dict]] = {label: [] for label, _, _ in apps}
            for round_number in range(1, args.rounds + 1):
                print(f"round {round_number}/{args.rounds}", flush=True)
                for label, spec, env in apps:
                    runs[label].append(measure(label, spec, env, args, wrk, hops))
        walk_rows = [median_run(runs[label]) for label, _, _ in apps]
        reference_runs = runs[reference[0]]
        for row, (label, _, _) in zip(walk_rows, apps):
            # Against the reference of the same round: both saw the machine at the same speed.
            ratios = [app["rps"] / ref["rps"] for app, ref in zip(runs[label], reference_runs)]
            row["rounds_ratio_to_reference"] = [round(r, 3) for r in ratios]
            row["ratio_to_reference"] = round(statistics.median(ratios), 3)
            row["walk"] = walk
        print()
        print(f"walk {walk}")
        print(f"{'app':<34} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs ref':>8}   rounds: req/s (vs ref)")
        for row in walk_rows:
            rounds = "  ".join(f"{r:.0f} ({q * 100:.0f} %)"
                               for r, q in zip(row["rounds_rps"], row["rounds_ratio_to_reference"]))
            print(f"{row['label']:<34} {row['rps']:>9.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
                  f"{row['ratio_to_reference'] * 100:>6.0f} %   {rounds}")
        rows.extend(walk_rows)
    rows.append({"label": "PIN verification alone", **pin})
    write_results("ussd_hop", args, rows)


if __name__ == "__main__":
    main()

"""USSD hop throughput and latency: the real app against a bare Flask endpoint.

Both run under the same gunicorn configuration and the same load generator (wrk, one thread per
connection, each playing whole sessions in order). The real app uses production settings: real
Redis and PostgreSQL or SQLite. Prints a table and writes JSON to benchmarks/results/.

    .venv/bin/python benchmarks/ussd_hop.py --databases sqlite,postgresql --seconds 15

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
# New input of each hop after the first (empty) one: French, then through the menus and back.
DEFAULT_HOPS = os.environ.get("BENCH_USSD_HOPS", "2|1|2|1|2|00")


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


def run_gunicorn(app_spec: str, port: int, workers: int, env: dict) -> subprocess.Popen:
    # The app logs a line per hop, as in production: to a file, never to a pipe nobody reads
    # (a full pipe blocks every worker on its next log line).
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)
    return subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "--chdir", str(ROOT), app_spec],
        env=env, stdout=subprocess.DEVNULL, stderr=log,
    )


def check_answers(port: int) -> None:
    """Refuse to measure an app that does not answer a real screen (errors are fast too)."""
    import urllib.parse
    import urllib.request

    form = urllib.parse.urlencode({"sessionId": "bench-check", "serviceCode": "*384*1#",
                                   "phoneNumber": "+22370000999", "networkCode": "61002",
                                   "text": ""}).encode()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/ussd", data=form, timeout=10) as resp:
        body = resp.read().decode("utf-8")
    if not body.startswith("CON "):
        raise RuntimeError(f"the app under test answered {body!r}")


def run_wrk(wrk: str, port: int, connections: int, seconds: int, hops: str) -> dict:
    out = subprocess.run(
        [wrk, "-t", str(connections), "-c", str(connections), "-d", f"{seconds}s", "--latency",
         "-s", str(ROOT / "benchmarks" / "ussd_sessions.lua"), f"http://127.0.0.1:{port}"],
        env=dict(os.environ, USSD_HOPS=hops), capture_output=True, text=True, check=True,
    ).stdout
    line = next(l for l in out.splitlines() if l.startswith("WRK_JSON "))
    return json.loads(line[len("WRK_JSON "):])


def measure(label: str, app_spec: str, env: dict, args, wrk: str) -> dict:
    import redis

    redis.Redis.from_url(BENCH_REDIS).flushdb()
    port = free_port()
    server = run_gunicorn(app_spec, port, args.workers, env)
    try:
        wait_for_port(port)
        check_answers(port)
        run_wrk(wrk, port, args.connections, 2, args.hops)  # warm-up: imports, pools, catalogs
        result = run_wrk(wrk, port, args.connections, args.seconds, args.hops)
    finally:
        server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    result["label"] = label
    print(f"  {label:<28} {result['rps']:>9.0f} req/s   p50 {result['p50_ms']:6.2f} ms   "
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
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5,
                        help="run every app this many times, in turn; reported: the median run, "
                             "and the median of each round's ratio to that round's bare endpoint "
                             "(a shared machine's speed drifts during a run)")
    parser.add_argument("--connections", type=int, default=16, help="concurrent sessions")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (both apps)")
    parser.add_argument("--hops", default=DEFAULT_HOPS, help="inputs after the first hop, '|'-separated")
    parser.add_argument("--floors", default="1,2",
                        help="also run the bare endpoint with this many Redis GETs per request "
                             "(comma-separated; empty for none)")
    args = parser.parse_args()
    wrk = ensure_wrk()
    print(f"USSD hop benchmark: {args.connections} concurrent sessions, {args.seconds} s, "
          f"{args.rounds} rounds, gunicorn --workers {args.workers}, {os.cpu_count()} cores")
    base_env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    bare_spec = "benchmarks.bare_app:create_app()"
    apps = [("bare Flask endpoint", bare_spec, base_env)]
    # What Redis round trips alone cost here: no USSD service keeps its state in fewer than two
    # (read before the step, write after it).
    for trips in [int(n) for n in args.floors.split(",") if n.strip()]:
        env = dict(base_env, BARE_REDIS_ROUND_TRIPS=str(trips), BARE_REDIS_URL=BENCH_REDIS)
        apps.append((f"bare + {trips} Redis GET{'s' if trips > 1 else ''}", bare_spec, env))
    with tempfile.TemporaryDirectory() as tmp:
        for kind in [d.strip() for d in args.databases.split(",") if d.strip()]:
            url = prepare_database(kind, Path(tmp))
            env = dict(base_env, DATABASE_URL=url, REDIS_URL=BENCH_REDIS, SECRET_KEY="bench",
                       USSD_ENV="development", USSD_INSTANCE_PATH=tmp)
            apps.append((f"ussd_app ({kind})", "ussd_app:create_app()", env))
        runs: dict[str, list[dict]] = {label: [] for label, _, _ in apps}
        for round_number in range(1, args.rounds + 1):
            print(f"round {round_number}/{args.rounds}", flush=True)
            for label, spec, env in apps:
                runs[label].append(measure(label, spec, env, args, wrk))
    rows = [median_run(runs[label]) for label, _, _ in apps]
    bare_runs = runs[apps[0][0]]
    for row, (label, _, _) in zip(rows, apps):
        # Against the bare endpoint of the same round: both saw the machine at the same speed.
        ratios = [app["rps"] / bare["rps"] for app, bare in zip(runs[label], bare_runs)]
        row["rounds_ratio_to_bare"] = [round(r, 3) for r in ratios]
        row["ratio_to_bare"] = round(statistics.median(ratios), 3)
    print()
    print(f"{'app':<28} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'vs bare':>8}   rounds: req/s (vs bare)")
    for row in rows:
        rounds = "  ".join(f"{r:.0f} ({q * 100:.0f} %)"
                           for r, q in zip(row["rounds_rps"], row["rounds_ratio_to_bare"]))
        print(f"{row['label']:<28} {row['rps']:>9.0f} {row['p50_ms']:>8.2f} {row['p99_ms']:>8.2f} "
              f"{row['ratio_to_bare'] * 100:>6.0f} %   {rounds}")
    write_results("ussd_hop", args, rows)


if __name__ == "__main__":
    main()

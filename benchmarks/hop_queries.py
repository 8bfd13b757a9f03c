"""Every SQL statement a USSD hop sends, with its PostgreSQL plan: what each hop reads.

Plays the walks of `ussd_hop.py` once, in this process (Flask's test client, real Redis), against
a prepared database (the national data set, `national_data.py`), records each hop's statements,
then runs `EXPLAIN (ANALYZE, BUFFERS)` on every distinct SELECT with the values it was sent with.
A statement sent twice in one hop is flagged. Writes the report to benchmarks/results/.

    .venv/bin/python benchmarks/hop_queries.py --url postgresql://postgres@127.0.0.1:5432/national
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.report import RESULTS  # noqa: E402
from benchmarks.ussd_hop import BENCH_REDIS, WALKS  # noqa: E402

PHONE = "+22370000005"  # person 6 of the national data set: a mother of a child, a group member


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("BENCH_NATIONAL_URL",
                                                        "postgresql://postgres@127.0.0.1:5432/national"))
    parser.add_argument("--walks", default="first,registrations,reminders,savings")
    parser.add_argument("--phone", default=PHONE)
    args = parser.parse_args()
    import redis
    from sqlalchemy import event

    tmp = tempfile.mkdtemp()
    os.environ.update(DATABASE_URL=args.url, REDIS_URL=BENCH_REDIS, SECRET_KEY="bench",
                      USSD_ENV="development", USSD_INSTANCE_PATH=tmp)
    from ussd_app import create_app

    app = create_app()
    redis.Redis.from_url(BENCH_REDIS).flushdb()
    sent: list[tuple[str, object]] = []

    @event.listens_for(app.extensions["db_engine"], "before_cursor_execute")
    def record(conn, cursor, statement, parameters, context, executemany):
        sent.append((statement, parameters))

    client = app.test_client()
    report, distinct = [], {}
    for walk in [w for w in args.walks.split(",") if w]:
        inputs = WALKS[walk].split("|") if WALKS[walk] else []
        report.append(f"## walk {walk}: {WALKS[walk] or '(first dial)'}")
        for n in range(len(inputs) + 1):
            sent.clear()
            text = "*".join(inputs[:n])
            answer = client.post("/ussd", data={"sessionId": f"q-{walk}", "serviceCode": "*384#",
                                                "phoneNumber": args.phone, "text": text}).get_data(as_text=True)
            selects = [(s, p) for s, p in sent if s.lstrip().upper().startswith("SELECT")]
            repeated = [s for s, c in Counter(s for s, _ in selects).items() if c > 1]
            report.append(f"hop {n} text={text!r}: {len(sent)} statements, {len(selects)} SELECT"
                          + (f", {len(repeated)} sent twice or more" if repeated else "")
                          + f"; answer: {answer.splitlines()[0][:60]!r}")
            for statement, parameters in selects:
                distinct.setdefault(statement, parameters)
    engine = app.extensions["db_engine"]
    report.append("\n## plans")
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for statement, parameters in distinct.items():
            plan = raw.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).fetchall()
            raw.rollback()
            report.append("\n" + " ".join(statement.split()))
            report.extend("    " + row[0] for row in plan)
    text = "\n".join(report)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"hop_queries-{Path(args.url).name}.txt"
    out.write_text(text + "\n")
    print(f"\nwritten {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

"""GET /metrics: the Prometheus text exposition format (version 0.0.4), behind METRICS_TOKEN.

The token comes as `Authorization: Bearer <token>` or `?token=<token>` (for scrapers that cannot
set headers). Without METRICS_TOKEN the endpoint does not exist (404). A source that cannot be
read (Redis or the database down) is reported by `ussd_metrics_source_up` instead of failing
the whole scrape.
"""

from __future__ import annotations

import hmac
import logging

from flask import Blueprint, Response, current_app, request
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound

from ussd_app.clock import app_now
from ussd_app.ops import collect
from ussd_app.ops.collect import Family

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


def _escape(value) -> str:
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return repr(value)
    return str(int(value))


def render(families: list[Family]) -> str:
    lines = []
    for family in families:
        lines.append(f"# HELP {family.name} {family.help}")
        lines.append(f"# TYPE {family.name} {family.kind}")
        for suffix, labels, value in family.samples:
            text = ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items())
            lines.append(f"{family.name}{suffix}{{{text}}} {_number(value)}" if text
                         else f"{family.name}{suffix} {_number(value)}")
    return "\n".join(lines) + "\n"


def _token_ok(expected: str) -> bool:
    header = request.headers.get("Authorization", "")
    given = header[7:].strip() if header.lower().startswith("bearer ") else request.args.get("token", "")
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def gather(redis, session_factory, now) -> list[Family]:
    families, up = [], Family("ussd_metrics_source_up", "gauge", "1 when /metrics could read the source.")
    try:
        families += collect.hop_families(redis) + collect.rq_families(redis)
        up.add(1, source="redis")
    except RedisError as exc:
        log.warning("metrics: redis unreadable (%s)", type(exc).__name__)
        up.add(0, source="redis")
    try:
        with session_factory() as db:
            families += (collect.outbox_families(db, now) + collect.pin_families(db, now)
                         + collect.dhis2_families(db))
        up.add(1, source="database")
    except SQLAlchemyError as exc:
        log.warning("metrics: database unreadable (%s)", type(exc).__name__)
        up.add(0, source="database")
    return families + [up]


@bp.get("/metrics")
def metrics() -> Response:
    expected = current_app.extensions["ussd_settings"].metrics_token
    if not expected:
        raise NotFound()
    if not _token_ok(expected):
        return Response("401 Unauthorized", status=401, content_type="text/plain; charset=utf-8",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    families = gather(current_app.extensions["redis"], current_app.extensions["db_sessions"], app_now())
    return Response(render(families), content_type=CONTENT_TYPE, headers={"Cache-Control": "no-store"})

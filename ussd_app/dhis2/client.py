"""The DHIS2 Web API client: POST /api/dataValueSets with basic auth, read the import summary.

The payload and the summary follow the DHIS2 developer manual, "Data values / Sending data
values" (dhis2/dhis2-docs src/developer/web-api/data.md, docs.dhis2.org):

    POST {base}/api/dataValueSets   Content-Type: application/json
    {"dataSet": uid?, "period": "202611", "orgUnit": uid,
     "dataValues": [{"dataElement": uid, "categoryOptionCombo": uid?, "value": "12"}, ...]}

Values are posted by value: DHIS2 stores one value per data element, period, org unit and
combination, so posting the same month again overwrites (the summary counts it as updated),
never adds. The answer is an import summary, `{"status": "SUCCESS"|"WARNING"|"ERROR",
"importCount": {"imported", "updated", "ignored", "deleted"}, "conflicts": [{"object",
"value"}, ...]}`; from DHIS2 2.38 it comes wrapped in a web message, `{"httpStatus",
"httpStatusCode", "status", "message", "response": <import summary>}` (dhis2-core pull request
8417, announced in dhis2/dhis2-releases pull request 49; clients reading `importCount` at the
top level broke on 2.40, davidhuser/dhis2.py issue 38), and a summary with conflicts comes with
HTTP 409 (ignored values, e.g. an unknown data element or org unit). Both shapes are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

CONNECT_TIMEOUT_S = 5
READ_TIMEOUT_S = 60  # a big import summary takes DHIS2 a while
SUMMARY_STATUSES = ("SUCCESS", "WARNING", "ERROR")


class Dhis2Unavailable(Exception):
    """No answer worth keeping (timeout, no connection, 5xx): try again later, same payload."""


class Dhis2Refused(Exception):
    """DHIS2 answered but will not take it (credentials, a malformed request): retrying is useless."""


@dataclass(frozen=True)
class ImportSummary:
    status: str  # SUCCESS, WARNING or ERROR
    imported: int = 0
    updated: int = 0
    ignored: int = 0
    deleted: int = 0
    conflicts: list[dict] = field(default_factory=list)  # [{"object": ..., "value": ...}]
    description: str = ""


def _count(counts: dict, name: str) -> int:
    value = counts.get(name, 0)
    return value if isinstance(value, int) and value >= 0 else 0


def parse_summary(body) -> ImportSummary:
    """The import summary in an answer body, wrapped in a web message or not."""
    if not isinstance(body, dict):
        raise ValueError("the answer is not a JSON object")
    inner = body.get("response")
    summary = inner if isinstance(inner, dict) and ("importCount" in inner or "conflicts" in inner) else body
    status = str(summary.get("status") or "").upper()
    if status not in SUMMARY_STATUSES:
        raise ValueError(f"no import summary status in the answer ({status or 'none'})")
    counts = summary.get("importCount") if isinstance(summary.get("importCount"), dict) else {}
    conflicts = []
    for conflict in summary.get("conflicts") or []:
        if isinstance(conflict, dict):
            conflicts.append({"object": str(conflict.get("object", ""))[:200],
                              "value": str(conflict.get("value", ""))[:500]})
    return ImportSummary(status, _count(counts, "imported"), _count(counts, "updated"),
                         _count(counts, "ignored"), _count(counts, "deleted"), conflicts,
                         str(summary.get("description") or body.get("message") or "")[:300])


class Dhis2Client:
    def __init__(self, base_url: str, username: str, password: str, *,
                 timeout: tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                 session: requests.Session | None = None):
        self.url = base_url.rstrip("/") + "/api/dataValueSets"
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.auth = (username, password)

    def post_data_value_set(self, payload: dict) -> ImportSummary:
        try:
            response = self.session.post(self.url, json=payload, timeout=self.timeout,
                                         headers={"Accept": "application/json"})
        except requests.Timeout:
            raise Dhis2Unavailable("DHIS2 did not answer in time") from None
        except requests.ConnectionError:
            raise Dhis2Unavailable("could not connect to DHIS2") from None
        except requests.RequestException as exc:  # a bad DHIS2_URL and the like: not worth retrying
            raise Dhis2Refused(f"cannot post to DHIS2 ({type(exc).__name__})") from None
        if response.status_code >= 500:
            raise Dhis2Unavailable(f"DHIS2 answered HTTP {response.status_code}")
        if response.status_code in (401, 403):
            raise Dhis2Refused(f"DHIS2 refused the credentials (HTTP {response.status_code})")
        try:
            return parse_summary(response.json())
        except ValueError as exc:  # not JSON, or JSON without a summary
            raise Dhis2Refused(f"DHIS2 answered HTTP {response.status_code} without an import "
                               f"summary: {exc}") from None

    @classmethod
    def from_settings(cls, settings) -> "Dhis2Client":
        if not settings.dhis2_url:
            raise Dhis2Refused("DHIS2_URL is not set")
        return cls(settings.dhis2_url, settings.dhis2_username, settings.dhis2_password)

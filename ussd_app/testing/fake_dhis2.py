"""A local fake of the DHIS2 Web API's `POST /api/dataValueSets`, for tests and trial runs.

It keeps values the way DHIS2 does, one per (data element, period, org unit, category option
combo): a value posted again is "updated", never added. It answers with an import summary
wrapped in a web message (DHIS2 2.38 and later; `wrapped=False` answers the bare summary of
older versions), HTTP 200 when every value was taken and 409 with conflicts when some were
ignored: an unknown data element or combination ignores that value, an unknown org unit the
whole set. Basic auth is checked; scripted faults, latency and the loopback server are the
shared ones of `fake_http.FakeApi` (a fault is served before the import).

Run it: `python -m ussd_app.testing.fake_dhis2 --port 8766`, then
`DHIS2_URL=http://127.0.0.1:8766 DHIS2_USERNAME=admin DHIS2_PASSWORD=district`.
"""

from __future__ import annotations

import argparse
import base64
import json

from ussd_app.testing.fake_http import FakeApi


def _message(status: int, text: str) -> dict:
    """DHIS2's web message for an error."""
    return {"httpStatus": text, "httpStatusCode": status, "status": "ERROR", "message": text}


class FakeDhis2(FakeApi):
    name = "dhis2"

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, username: str = "admin",
                 password: str = "district", data_elements=None, org_units=None,
                 category_option_combos=None, wrapped: bool = True):
        super().__init__(host, port)
        self.username, self.password = username, password
        # None: any uid exists. A set: only these do (others are conflicts).
        self.data_elements = set(data_elements) if data_elements is not None else None
        self.org_units = set(org_units) if org_units is not None else None
        self.category_option_combos = set(category_option_combos) if category_option_combos is not None else None
        self.wrapped = wrapped
        self.values: dict[tuple, str] = {}  # (dataElement, period, orgUnit, coc) -> value
        self.posts: list[dict] = []  # payloads that reached the import (faults excluded)

    def fail_next(self, count: int = 1, status: int = 503, body: object = None) -> None:
        """The next `count` imports get this HTTP status, with DHIS2's web message by default."""
        super().fail_next(count, status, body if body is not None else _message(status, "Service Unavailable"))

    def value(self, data_element: str, period: str, org_unit: str, coc: str | None = None) -> str | None:
        with self._lock:
            return self.values.get((data_element, period, org_unit, coc or "default"))

    def _authorised(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            given = base64.b64decode(header[6:]).decode("utf-8")
        except ValueError:
            return False
        return given == f"{self.username}:{self.password}"

    def _conflict(self, value: dict, payload: dict) -> dict | None:
        org_unit = value.get("orgUnit") or payload.get("orgUnit")
        element, combo = value.get("dataElement"), value.get("categoryOptionCombo")
        if self.org_units is not None and org_unit not in self.org_units:
            return {"object": str(org_unit), "value": f"Org unit not found or not accessible: `{org_unit}`"}
        if self.data_elements is not None and element not in self.data_elements:
            return {"object": str(element), "value": f"Data element not found or not accessible: `{element}`"}
        if combo and self.category_option_combos is not None and combo not in self.category_option_combos:
            return {"object": str(combo), "value": f"Category option combo not found or not accessible: `{combo}`"}
        return None

    def import_values(self, payload: dict) -> tuple[int, dict]:
        imported = updated = 0
        conflicts, ignored = [], 0
        with self._lock:
            self.posts.append(payload)
            for value in payload.get("dataValues") or []:
                conflict = self._conflict(value, payload)
                if conflict is not None:
                    ignored += 1
                    if conflict not in conflicts:
                        conflicts.append(conflict)
                    continue
                key = (value.get("dataElement"), value.get("period") or payload.get("period"),
                       value.get("orgUnit") or payload.get("orgUnit"), value.get("categoryOptionCombo") or "default")
                if key in self.values:
                    updated += 1
                else:
                    imported += 1
                self.values[key] = str(value.get("value"))
        status = "SUCCESS" if not conflicts else ("ERROR" if imported + updated == 0 else "WARNING")
        summary = {"responseType": "ImportSummary", "status": status,
                   "importOptions": {"idSchemes": {}, "dryRun": False, "importStrategy": "CREATE_AND_UPDATE"},
                   "description": "Import process completed successfully" if not conflicts else
                   "Import process completed with conflicts",
                   "importCount": {"imported": imported, "updated": updated, "ignored": ignored, "deleted": 0},
                   "conflicts": conflicts, "dataSetComplete": "false"}
        http = 200 if not conflicts else 409
        if not self.wrapped:
            return http, summary
        message = "Import was successful." if not conflicts else "One more conflicts encountered, please check import summary."
        return http, {"httpStatus": "OK" if http == 200 else "Conflict", "httpStatusCode": http,
                      "status": "OK" if http == 200 else status, "message": message, "response": summary}

    def handle(self, method: str, path: str, headers, body: bytes) -> tuple[int, object]:
        if method != "POST" or path.split("?")[0].rstrip("/") != "/api/dataValueSets":
            return 404, _message(404, "Not Found")
        if not self._authorised(headers.get("Authorization")):
            return 401, _message(401, "Unauthorized")
        fault = self.faulted()  # counts the request in `received`
        if fault is not None:
            return fault
        try:
            payload = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return 400, _message(400, "Bad Request")
        if not isinstance(payload, dict) or not isinstance(payload.get("dataValues"), list):
            return 400, _message(400, "Bad Request")
        return self.import_values(payload)


def main() -> None:
    parser = argparse.ArgumentParser(description="Local fake of DHIS2's POST /api/dataValueSets")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--username", default="admin")
    parser.add_argument("--password", default="district")
    args = parser.parse_args()
    fake = FakeDhis2(args.host, args.port, username=args.username, password=args.password)
    print(f"fake DHIS2 on {fake.url} (DHIS2_URL={fake.url})")
    fake.serve_forever()


if __name__ == "__main__":
    main()

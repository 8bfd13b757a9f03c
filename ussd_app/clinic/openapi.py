"""The OpenAPI 3 description of /api/v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from ussd_app.clinic.campaigns import MAX_PARTS, form_field
from ussd_app.clinic import openapi_care, openapi_outcomes
from ussd_app.health.enrollment import DECLINE_REASONS
from ussd_app.text import languages


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


MAX_ID = 2**31 - 1  # the database's INTEGER
ERRORS = {"400": {"$ref": "#/components/responses/BadRequest"},
          "401": {"$ref": "#/components/responses/Unauthorized"},
          "404": {"$ref": "#/components/responses/NotFound"}}
REFUSED = {"422": {"$ref": "#/components/responses/Refused"}}
IDEMPOTENCY_KEY = r"^[!-~]{1,60}$"  # 1-60 visible ASCII characters
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": True,
               "schema": {"type": "string", "minLength": 1, "maxLength": 60, "pattern": IDEMPOTENCY_KEY},
               "description": "The same key sent again returns the first result instead of acting twice."}
REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": {"type": "string"}}
CAMPAIGN_ID = {"name": "campaign_id", "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}
NOT_BLANK = r"[^ \t\n\r\f\v]"  # explicit: Python's \S and JSON Schema's differ on rare spaces
# Bamako wall-clock time (UTC+0), seconds and offset optional: 2026-11-25T10:00 or 2026-11-25T10:00:00Z.
SEND_AT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$"

def message_fields() -> list[str]:
    """A campaign's message in every language the service speaks (ussd_app.text.languages)."""
    return [form_field(code) for code in languages.CODES]


EXPORT_KINDS = {"registrations": "Registrations", "people": "People and their reminders",
                "campaigns": "Campaign results, one row per SMS", "outbox": "The outbox",
                "ledger": "A savings group's ledger",
                "late": "The late list: who, which doses or contacts, how late, phone"}
EXPORT_PARAMETERS = {
    "ledger": [{"name": "group_id", "in": "query", "required": True,
                "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}],
    "campaigns": [{"name": "campaign_id", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                   "description": "One campaign (default: all of the centre's)"}]}


def export(kind: str) -> dict:
    return {"summary": f"{EXPORT_KINDS[kind]}: CSV of the token's centre, streamed (UTF-8 with BOM, "
                       "comma-separated, header row). Tokens of every centre get masked phones and a person_key.",
            "parameters": EXPORT_PARAMETERS.get(kind, []),
            "responses": {"200": {"description": "The CSV file", "content": {"text/csv": {"schema": {"type": "string"}}}},
                          "400": _json(_ref("Error"), "Missing or malformed parameter"), **ERRORS}}


AUDIT_EXPORT = {
    "summary": "The audit log as CSV (who did what, when, at which centre; persons by key only), streamed. "
               "Tokens of every centre only; a centre's token gets 404.",
    "parameters": [
        {"name": "staff_id", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
         "description": "Only this staff account's actions"},
        {"name": "facility", "in": "query", "schema": {"type": "string", "maxLength": 32},
         "description": "Only this centre's entries (facility code)"},
        {"name": "from", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "First day"},
        {"name": "to", "in": "query", "schema": {"type": "string", "format": "date"}, "description": "Last day"}],
    "responses": {"200": {"description": "The CSV file", "content": {"text/csv": {"schema": {"type": "string"}}}},
                  "400": _json(_ref("Error"), "Malformed parameter"), **ERRORS}}


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "ussd_app clinic API", "version": "1",
                 "description": "For community health centres (CSCom): registrations, appointments and "
                                "reminder campaigns. A token belongs to one centre and reaches only its "
                                "people; anything else answers 404."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/enrollments": {"get": {
                "summary": "Registrations of the token's centre, oldest first",
                "parameters": [
                    {"name": "status", "in": "query", "schema": {"type": "string",
                                                                 "enum": ["pending", "approved", "declined", "ended"]}},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
                    {"name": "after_id", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
                     "description": "next_after_id of the previous page"}],
                "responses": {"200": _json({"type": "object", "properties": {
                    "items": {"type": "array", "items": _ref("Enrollment")},
                    "next_after_id": {"type": "integer", "nullable": True}}}), **ERRORS}}},
            "/enrollments/{reference}": {"get": {
                "summary": "One registration", "parameters": [REFERENCE],
                "responses": {"200": _json(_ref("Enrollment")), **ERRORS}}},
            "/enrollments/{reference}/approve": {"post": {
                "summary": "Approve a pending registration (the mother is told by SMS; reminders start)",
                "parameters": [REFERENCE],
                "responses": {"200": _json(_ref("Enrollment")), "409": _json(_ref("Error"), "Already decided"),
                              **ERRORS}}},
            "/enrollments/{reference}/decline": {"post": {
                "summary": "Decline a registration with a preset reason (the mother is told it by SMS, "
                           "in her language)",
                "description": "A note is kept for the centre's staff and never sent: it is written in "
                               "one language, and her SMS must be in hers.",
                "parameters": [REFERENCE],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("Decline")}}},
                "responses": {"200": _json(_ref("Enrollment")), "409": _json(_ref("Error"), "Already decided"),
                              **ERRORS}}},
            "/appointments": {"post": {
                "summary": "Set an appointment for a registration; its SMS reminders are planned",
                "parameters": [IDEMPOTENCY],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewAppointment")}}},
                "responses": {"201": _json(_ref("Appointment"), "Created (or the earlier one for this key)"),
                              **REFUSED, **ERRORS}}},
            "/campaigns": {"post": {
                "summary": "Create a campaign; its audience is planned into SMS in the background",
                "parameters": [IDEMPOTENCY],
                "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("NewCampaign")}}},
                "responses": {"201": _json(_ref("Campaign"), "Created"),
                              "200": _json(_ref("Campaign"), "Already created with this key"),
                              **REFUSED, **ERRORS}}},
            "/campaigns/{campaign_id}": {"get": {
                "summary": "A campaign's state and counts", "parameters": [CAMPAIGN_ID],
                "responses": {"200": _json(_ref("Campaign")), **ERRORS}}},
            "/campaigns/{campaign_id}/cancel": {"post": {
                "summary": "Cancel: messages not yet handed to the gateway are never sent",
                "parameters": [CAMPAIGN_ID],
                "responses": {"200": _json(_ref("Campaign")), **ERRORS}}},
            **{f"/exports/{kind}.csv": {"get": export(kind)} for kind in EXPORT_KINDS},
            "/audit.csv": {"get": AUDIT_EXPORT},
            **openapi_care.paths(_ref, _json, REFERENCE, IDEMPOTENCY, REFUSED, ERRORS),
            **openapi_outcomes.paths(_ref, _json, REFERENCE, IDEMPOTENCY, REFUSED, ERRORS),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Created with `ussd-app staff token --facility CODE`"}},
            "responses": {
                "BadRequest": _json(_ref("Error"), "The request breaks this document (a parameter, header or body)"),
                "Refused": _json(_ref("Error"), "Valid here, refused by a rule of the service (a date in the past, "
                                                "a message over 3 SMS, nobody matching the audience)"),
                "Unauthorized": _json(_ref("Error"), "Missing or unknown token"),
                "NotFound": _json(_ref("Error"), "Not found, or not of this token's centre")},
            "schemas": {
                "Error": {"type": "object", "properties": {"error": {"type": "string"}, "message": {"type": "string"}}},
                "Enrollment": {"type": "object", "properties": {
                    "reference": {"type": "string"}, "kind": {"type": "string", "enum": ["pregnancy", "child"]},
                    "phone": {"type": "string"}, "status": {"type": "string"}, "facility_code": {"type": "string"},
                    "child_name": {"type": "string", "nullable": True},
                    "birth_date": {"type": "string", "format": "date", "nullable": True},
                    "due_date": {"type": "string", "format": "date", "nullable": True},
                    "reason_code": {"type": "string", "nullable": True, "description": "Why it was declined"},
                    "reason": {"type": "string", "nullable": True,
                               "description": "the staff's note on a decline (never sent), or why it was closed"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "decided_at": {"type": "string", "format": "date-time", "nullable": True}}},
                "Appointment": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "reference": {"type": "string"}, "phone": {"type": "string"},
                    "date": {"type": "string", "format": "date"}, "facility_code": {"type": "string"}}},
                "Decline": {"type": "object", "required": ["reason_code"], "properties": {
                    "reason_code": {"type": "string", "enum": list(DECLINE_REASONS),
                                    "description": "Told to the mother by SMS, in her language"},
                    "note": {"type": "string", "maxLength": 200, "description": "Kept for the staff, never sent"}}},
                "NewAppointment": {"type": "object", "required": ["reference", "date"], "properties": {
                    "reference": {"type": "string"},
                    "date": {"type": "string", "format": "date", "description": "Today or later"},
                    "note": {"type": "string", "maxLength": 200}}},
                "Audience": {"type": "object", "required": ["kind"], "properties": {
                    "kind": {"type": "string", "enum": ["centre", "pregnant", "children_due", "savings"]},
                    "month_from": {"type": "integer", "minimum": 1, "maximum": 9},
                    "month_to": {"type": "integer", "minimum": 1, "maximum": 9},
                    "visit": {"type": "string", "enum": ["birth", "6w", "10w", "14w", "9m", "15m"]},
                    "due_from": {"type": "string", "format": "date"}, "due_to": {"type": "string", "format": "date"},
                    "group_id": {"type": "integer", "minimum": 1, "maximum": MAX_ID}}},
                "NewCampaign": {"type": "object", "required": ["title", "audience", *message_fields()],
                                "properties": {
                    "title": {"type": "string", "minLength": 1, "maxLength": 120, "pattern": NOT_BLANK},
                    "audience": _ref("Audience"),
                    **{form_field(language.code): {
                        "type": "string", "minLength": 1, "pattern": NOT_BLANK,
                        "description": f"The message in {language.name} ({language.code}); "
                                       f"at most {MAX_PARTS} SMS once folded to GSM-7"}
                       for language in languages.ALL},
                    "send_at": {"type": "string", "pattern": SEND_AT,
                                "description": "Bamako time (UTC+0); omitted: now. Quiet hours move it to 08:00."},
                    "facility_code": {"type": "string", "pattern": r"^[A-Za-z0-9-]{0,32}$",
                                      "description": "Tokens of every centre only"}}},
                "Campaign": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "title": {"type": "string"},
                    "facility_code": {"type": "string", "nullable": True}, "audience": _ref("Audience"),
                    "send_at": {"type": "string", "format": "date-time"},
                    "state": {"type": "string", "enum": ["planning", "scheduled", "sending", "done", "cancelled"]},
                    "recipients": {"type": "integer"}, "planned": {"type": "integer"},
                    "waiting": {"type": "integer"}, "sent": {"type": "integer"}, "delivered": {"type": "integer"},
                    "failed": {"type": "integer"}, "cancelled": {"type": "integer"},
                    "messages": {"type": "object", "additionalProperties": {"type": "string"},
                                 "description": "The message in each language, by language code"}}},

                **openapi_care.schemas(),
                **openapi_outcomes.schemas(),
            },
        },
    }

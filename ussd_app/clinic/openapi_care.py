"""The care-journey part of the OpenAPI document (ussd_app.clinic.openapi merges it)."""

from __future__ import annotations

from ussd_app.health.calendar import CALENDAR


def paths(ref, json_response, reference, idempotency, refused, errors) -> dict:
    recorded = json_response(ref("Recorded"), "Recorded")
    return {
        "/enrollments/{reference}/doses": {"post": {
            "summary": "Record vaccine doses given to a registered child; her next visits are re-planned "
                       "from the date given",
            "parameters": [reference, idempotency],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewDoses")}}},
            "responses": {"201": recorded, "200": json_response(ref("Recorded"), "Already recorded"),
                          **refused, **errors}}},
        "/enrollments/{reference}/contacts": {"post": {
            "summary": "Record an antenatal contact attended; the contacts ahead are re-planned",
            "parameters": [reference, idempotency],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewContact")}}},
            "responses": {"201": recorded, "200": json_response(ref("Recorded"), "Already recorded"),
                          **refused, **errors}}},
        "/late": {"get": {
            "summary": "The late list: approved children with doses, and pregnancies with contacts, not "
                       "recorded a week after their date",
            "responses": {"200": json_response({"type": "object", "properties": {
                "children": {"type": "array", "items": ref("Late")},
                "pregnancies": {"type": "array", "items": ref("Late")}}}), **errors}}},
    }


def schemas() -> dict:
    day = {"type": "string", "format": "date"}
    return {
        "NewDoses": {"type": "object", "required": ["doses"], "properties": {
            "doses": {"type": "array", "minItems": 1, "maxItems": 30, "items": {
                "type": "object", "required": ["dose", "date"], "properties": {
                    "dose": {"type": "string", "enum": sorted({d.key for d in CALENDAR.doses})},
                    "date": {**day, "description": "The day given: from the birth to today"}}}}}},
        "NewContact": {"type": "object", "required": ["date"], "properties": {
            "date": {**day, "description": "Today or earlier"}}},
        "Recorded": {"type": "object", "properties": {
            "reference": {"type": "string"}, "created": {"type": "integer"},
            "recorded": {"type": "array", "items": {"type": "object", "properties": {
                "dose": {"type": "string"}, "date": day}}}}},
        "Late": {"type": "object", "properties": {
            "reference": {"type": "string"}, "facility_code": {"type": "string"},
            "phone": {"type": "string", "description": "Masked for tokens of every centre"},
            "name": {"type": "string", "nullable": True},
            "missed": {"type": "array", "items": {"type": "string"},
                       "description": "Doses (Penta2) or antenatal contacts (anc20)"},
            "due": day, "days_late": {"type": "integer"}}},
    }

"""The birth-and-loss part of the OpenAPI document (ussd_app.clinic.openapi merges it)."""

from __future__ import annotations

from ussd_app.health.outcomes import BOY, GIRL, LOSS_REASONS


def paths(ref, json_response, reference, idempotency, refused, errors) -> dict:
    def operation(summary: str, description: str, schema: str) -> dict:
        return {"post": {
            "summary": summary, "description": description, "parameters": [reference, idempotency],
            "requestBody": {"required": True, "content": {"application/json": {"schema": ref(schema)}}},
            "responses": {"201": json_response(ref("Outcome"), "Recorded"),
                          "200": json_response(ref("Outcome"), "Already recorded with this key: the first result"),
                          "409": json_response(ref("Error"), "The registration already has its outcome, is not "
                                                             "active, or (a birth) is not a pregnancy"),
                          **refused, **errors}}}

    return {
        "/enrollments/{reference}/birth": operation(
            "Record the birth of a registered pregnancy: its antenatal reminders stop and the child is "
            "registered at the same centre",
            "The child is approved at once, and its postnatal and vaccination reminders start, when the "
            "pregnancy was approved; otherwise it waits for approval. The mother gets one SMS.", "NewBirth"),
        "/enrollments/{reference}/loss": operation(
            "Record the loss of a pregnancy or a child: every reminder of it stops at once",
            "Messages still waiting about it are cancelled and one message of sympathy is sent. With "
            "keep_information false, the centres' campaigns stop for her phone.", "NewLoss"),
    }


def schemas() -> dict:
    day = {"type": "string", "format": "date"}
    return {
        "NewBirth": {"type": "object", "required": ["date"], "properties": {
            "date": {**day, "description": "The date of birth: within the last 6 weeks (42 days), not in the "
                                           "future"},
            "sex": {"type": "string", "enum": [GIRL, BOY], "nullable": True, "description": "f or m, if known"}}},
        "NewLoss": {"type": "object", "required": ["reason_code", "keep_information"], "properties": {
            "reason_code": {"type": "string", "enum": sorted(LOSS_REASONS),
                            "description": "Kept for the centre, never sent"},
            "keep_information": {"type": "boolean",
                                 "description": "Does she still want the centres' general health information?"},
            "date": {**day, "nullable": True, "description": "Within the past year (default: today)"}}},
        "Outcome": {"type": "object", "properties": {
            "reference": {"type": "string"}, "outcome": {"type": "string", "enum": ["born", "lost"]},
            "date": day, "sex": {"type": "string", "nullable": True},
            "child_reference": {"type": "string", "nullable": True,
                                "description": "The child registered at the birth"},
            "reason_code": {"type": "string", "nullable": True},
            "keep_information": {"type": "boolean", "nullable": True},
            "recorded_at": {"type": "string", "format": "date-time"}}},
    }

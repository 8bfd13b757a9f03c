"""Input at the edges of the dashboard and the API is a 4xx, never a 500 (ussd_app/web_input.py)."""

from __future__ import annotations

from ussd_app.web_input import MAX_ID

HUGE = "99999999999999999999"

DASHBOARD_GETS = [
    f"/clinic/registrations?before={HUGE}", f"/clinic/registrations?before={MAX_ID + 1}",
    "/clinic/registrations?before=-5", "/clinic/registrations?before=%C2%B2", f"/clinic/messages?before={HUGE}",
    f"/clinic/campaigns/{HUGE}", f"/clinic/campaigns/{MAX_ID + 1}", f"/clinic/campaigns/{HUGE}/progress",
    "/clinic/campaigns/%D9%A3", "/clinic/people?after=%00", "/clinic/people?q=%00",
    "/clinic/people/%00", "/clinic/registrations/%00",
]
API_GETS = [
    "/api/v1/enrollments?after_id=-12830230074530", f"/api/v1/enrollments?after_id={HUGE}",
    "/api/v1/enrollments?after_id=%D9%A3", "/api/v1/enrollments?limit=100000000000000000000",
    "/api/v1/enrollments?limit=0", "/api/v1/enrollments/%00", "/api/v1/enrollments?status=%00",
    f"/api/v1/campaigns/{HUGE}", f"/api/v1/campaigns/{MAX_ID + 1}",
]


def test_dashboard_urls_out_of_range_or_with_nul_are_4xx(signed_in, world):
    b = signed_in("awa")
    statuses = {url: b.get(url).status_code for url in DASHBOARD_GETS}
    assert all(400 <= status < 500 for status in statuses.values()), statuses


def test_api_urls_out_of_range_or_with_nul_are_json_4xx(client, tokens):
    for url in API_GETS:
        response = client.get(url, headers=tokens["a"])
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert response.is_json and response.get_json()["error"], url


def test_message_retry_refuses_ids_that_are_not_ascii_digits_in_range(signed_in, world):
    b = signed_in("awa")
    for value in ["²", "٣", "３", "-1", HUGE, str(MAX_ID + 1), "1e3", "1\x00"]:
        assert b.post("/clinic/messages/retry", {"id": value}).status_code == 400, value


def test_dashboard_forms_with_a_nul_character_are_refused(signed_in, world, db):
    reference = world.a_pending[0].reference
    response = signed_in("awa").post(f"/clinic/registrations/{reference}/decline", {"reason": "trop\x00loin"})
    assert response.status_code == 400
    db.expire_all()
    assert db.get(type(world.a_pending[0]), world.a_pending[0].id).status == "pending"


BODIES = [[], [1], "reason", 3, None, {"reason": "a\x00b"}, {"re\x00ason": "x"}, {"reason": ["x\x00"]}]


def test_api_bodies_of_the_wrong_type_or_with_nul_are_400(client, tokens, world):
    reference = world.a_pending[0].reference
    for path in (f"/api/v1/enrollments/{reference}/decline", "/api/v1/appointments", "/api/v1/campaigns"):
        for body in BODIES:
            response = client.post(path, json=body, headers={**tokens["a"], "Idempotency-Key": "edge-1"})
            assert response.status_code == 400, (path, body, response.get_data(as_text=True))
            assert response.get_json()["error"] == "bad_request"


def test_ids_in_range_still_work(signed_in, client, tokens, world):
    assert signed_in("awa").get(f"/clinic/registrations?before={MAX_ID}").status_code == 200
    assert client.get("/api/v1/enrollments?after_id=0&limit=200", headers=tokens["a"]).status_code == 200
    assert client.get(f"/api/v1/campaigns/{MAX_ID}", headers=tokens["a"]).status_code == 404


def test_api_errors_are_json_everywhere_under_the_prefix_and_405_says_what_is_allowed(client, tokens):
    unknown = client.get("/api/v1/nowhere", headers=tokens["a"])
    assert unknown.status_code == 404 and unknown.get_json()["error"] == "not_found"
    wrong_method = client.delete("/api/v1/enrollments", headers=tokens["a"])
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert set(wrong_method.headers["Allow"].split(", ")) >= {"GET"}
    typo = client.get("/api/v1/enrollments?afterid=3", headers=tokens["a"])
    assert typo.status_code == 400 and "afterid" in typo.get_json()["message"]
    dashboard = client.put("/clinic/login")
    assert dashboard.status_code == 405 and "POST" in dashboard.headers["Allow"]

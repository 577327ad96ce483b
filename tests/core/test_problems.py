"""Errors are RFC 9457 problem+json with a stable code, in Vietnamese unless asked otherwise."""

import pytest

from backend.core.db import SessionDep
from backend.core.messages import TITLES
from tests.factories import auth, make_user

PROBLEM = "application/problem+json"


def assert_problem(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"].endswith(f"/{code}")
    assert body["request_id"] == r.headers["x-request-id"]
    return body


async def test_unauthenticated_is_a_vietnamese_problem_by_default(client):
    body = assert_problem(await client.get("/api/v1/users"), 401, "unauthorized")
    assert body["title"] == TITLES["unauthorized"][0]
    assert body["instance"] == "/api/v1/users"


@pytest.mark.parametrize(
    "accept, lang",
    [
        ("en", 1),
        ("en-US,en;q=0.9", 1),
        ("vi-VN,vi;q=0.9,en;q=0.8", 0),
        ("fr", 0),
        ("vi;q=0.1, en", 1),
    ],
)
async def test_title_language_follows_accept_language(client, accept, lang):
    r = await client.get("/api/v1/users", headers={"Accept-Language": accept})
    assert_problem(r, 401, "unauthorized")
    assert r.json()["title"] == TITLES["unauthorized"][lang]


async def test_unknown_route_and_method_are_problems(client):
    assert_problem(await client.get("/api/v1/khong-co"), 404, "not_found")
    assert_problem(await client.put("/healthz"), 405, "method_not_allowed")


async def test_validation_errors_name_each_field(app, client, session):
    admin = await make_user(session)
    await session.commit()
    bad = {"code": "", "level": "Phường", "parent_id": "not-a-uuid"}
    r = await client.post("/api/v1/admin-units", json=bad, headers=auth(app, admin))
    body = assert_problem(r, 422, "validation_error")
    assert body["title"] == TITLES["validation_error"][0]
    by_field = {e["field"]: e for e in body["errors"]}
    assert set(by_field) == {"body.code", "body.name", "body.parent_id"}
    assert by_field["body.name"] == {
        "field": "body.name",
        "code": "missing",
        "message": "Thiếu trường bắt buộc",
    }
    assert by_field["body.code"]["code"] == "string_too_short"
    assert by_field["body.parent_id"]["code"] == "uuid_parsing"


async def test_validation_errors_in_english(app, client, session):
    admin = await make_user(session)
    await session.commit()
    headers = auth(app, admin) | {"Accept-Language": "en"}
    r = await client.post("/api/v1/admin-units", json={"code": "X"}, headers=headers)
    body = assert_problem(r, 422, "validation_error")
    assert body["title"] == "Invalid input"
    assert {e["message"] for e in body["errors"]} == {"Field required"}


async def test_malformed_json_is_a_422_problem(app, client, session):
    admin = await make_user(session)
    await session.commit()
    headers = auth(app, admin) | {"Content-Type": "application/json"}
    r = await client.post("/api/v1/admin-units", content=b"{not json", headers=headers)
    body = assert_problem(r, 422, "validation_error")
    assert body["errors"][0]["code"] == "json_invalid"


async def test_domain_error_carries_its_extras(app, client, session):
    admin = await make_user(session)
    await session.commit()
    body = {"code": "X", "name": "X", "level": "Phường", "parent_id": str(admin.id)}
    r = await client.post("/api/v1/admin-units", json=body, headers=auth(app, admin))
    problem = assert_problem(r, 422, "unknown_unit")
    assert problem["unit_ids"] == [str(admin.id)]


@pytest.fixture
def crashing_app(app):
    async def boom(session: SessionDep) -> dict:
        raise RuntimeError("secret internals: password=hunter2")

    app.add_api_route("/test-only/boom", boom, methods=["GET"])
    return app


async def test_unhandled_exception_is_a_generic_500_without_traceback(crashing_app, client, caplog):
    r = await client.get("/test-only/boom", headers={"X-Request-ID": "req-500-check"})
    body = assert_problem(r, 500, "internal_error")
    assert body["request_id"] == "req-500-check"
    assert body["title"] == TITLES["internal_error"][0]
    assert "hunter2" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    # The traceback goes to the log, tagged with the same request id.
    crash = [rec for rec in caplog.records if rec.name == "ttq.http" and rec.exc_info]
    assert crash and "hunter2" in str(crash[0].exc_info[1])


async def test_request_id_is_honoured_and_echoed(client):
    r = await client.get("/healthz", headers={"X-Request-ID": "abc-123.XYZ:9"})
    assert r.headers["x-request-id"] == "abc-123.XYZ:9"


@pytest.mark.parametrize("unsafe", ["has space", "x" * 129, "evil\u00e9"])
async def test_unsafe_request_id_is_replaced(client, unsafe):
    r = await client.get("/healthz", headers={"X-Request-ID": unsafe.encode("utf-8")})
    rid = r.headers["x-request-id"]
    assert rid != unsafe and len(rid) == 32


async def test_request_id_minted_when_absent_and_unique(client):
    first = (await client.get("/healthz")).headers["x-request-id"]
    second = (await client.get("/healthz")).headers["x-request-id"]
    assert first and second and first != second


def test_every_title_has_both_languages():
    for code, (vi, en) in TITLES.items():
        assert vi and en and vi != en, code


async def test_method_not_allowed_lists_every_method_of_the_resource(app, client, session):
    admin = await make_user(session)
    await session.commit()
    h = auth(app, admin)
    r = await client.put("/api/v1/webhooks", headers=h)  # GET and POST live on two routes
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "GET, POST"
    # /incidents/changes is a resource of its own, not an incident id: PUT is not allowed.
    r = await client.put("/api/v1/incidents/changes", headers=h, json={})
    assert_problem(r, 405, "method_not_allowed")
    assert r.headers["allow"] == "GET"
    # A real id that is not a UUID is still a 422 naming the field.
    r = await client.put("/api/v1/incidents/not-a-uuid", headers=h, json={})
    body = assert_problem(r, 422, "validation_error")
    assert "path.incident_id" in {e["field"] for e in body["errors"]}


async def test_dates_in_queries_are_rfc3339_text_not_numbers(app, client, session):
    admin = await make_user(session)
    await session.commit()
    h = auth(app, admin)
    for url in ("/api/v1/incidents?occurred_to=0.5", "/api/v1/commendations?decided_to=0"):
        body = assert_problem(await client.get(url, headers=h), 422, "validation_error")
        assert body["errors"][0]["message"]
    ok = await client.get("/api/v1/incidents?occurred_to=2026-11-20T21:00:00%2B07:00", headers=h)
    assert ok.status_code == 200, ok.text


async def test_every_field_error_has_a_message(app):
    from starlette.requests import Request

    from backend.core.errors import problem

    request = Request({"type": "http", "method": "GET", "path": "/x", "headers": [], "app": app})
    body = problem(
        request, status=404, code="not_found", errors=[{"field": "site_id", "code": "not_found"}]
    ).body
    import json

    [error] = json.loads(body)["errors"]
    assert error["message"] == TITLES["not_found"][0]


async def test_a_nul_character_is_bad_input_never_a_500(app, client, session):
    # PostgreSQL refuses NUL in text; SQLite would store it: refused on both, in one place.
    admin = await make_user(session)
    await session.commit()
    r = await client.get("/api/v1/audit-events?action=a%00b", headers=auth(app, admin))
    assert_problem(r, 422, "nul_character")

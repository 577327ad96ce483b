"""GuardedRouter skips routers a path cannot reach, and never changes what a request reaches."""

import re
import uuid

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from starlette.routing import Match

from backend.console.router import router as console_router
from backend.core.routing import GuardedRouter

SAMPLE = str(uuid.UUID(int=7))


def _scope(method: str, path: str, root_path: str = "") -> dict:
    return {
        "type": "http",
        "method": method,
        "path": root_path + path,
        "root_path": root_path,
        "headers": [],
        "query_string": b"",
    }


def _top_level_matches(app: FastAPI, scope: dict) -> list[Match]:
    # What each route of the app's own list says about the request, in order: the first FULL
    # (or else the first PARTIAL) is what the request reaches.
    return [route.matches(dict(scope))[0] for route in app.router.routes]


def _concrete(path: str) -> str:
    path = re.sub(r"\{[^}]*:path\}", "a/b.txt", path)
    return re.sub(r"\{[^}]*\}", SAMPLE, path)


def _requests(app: FastAPI) -> list[tuple[str, str]]:
    out = [("GET", "/healthz"), ("GET", "/nowhere"), ("GET", "/api/v1/nowhere")]
    for context in iter_route_contexts(app.router.routes):
        path = context.path
        if not isinstance(path, str):
            continue
        concrete = _concrete(path)
        for method in sorted(context.methods or {"GET"}):
            out.append((method, concrete))
        out.append(("DELETE", concrete))  # often a 405: a PARTIAL match must still be seen
        out.append(("GET", concrete.rstrip("/") if concrete.endswith("/") else concrete + "/"))
    return out


def test_every_route_of_the_app_is_reached_as_without_the_guard(app, monkeypatch):
    requests = _requests(app)
    assert len(requests) > 300
    scopes = [_scope(m, p, root) for m, p in requests for root in ("", "/behind/a/proxy")]
    guarded = [_top_level_matches(app, scope) for scope in scopes]
    monkeypatch.setattr(GuardedRouter, "matches", APIRouter.matches)
    plain = [_top_level_matches(app, scope) for scope in scopes]
    differ = [s for s, g, p in zip(scopes, guarded, plain, strict=True) if g != p]
    assert differ == []
    # and the guard did something: API paths skip the console's pages at once
    assert any(isinstance(getattr(r, "original_router", None), GuardedRouter) for r in app.routes)


def test_console_is_skipped_by_api_paths_and_reached_by_its_own(app):
    console = next(
        r for r in app.router.routes if getattr(r, "original_router", None) is console_router
    )
    assert console.matches(_scope("GET", "/api/v1/me"))[0] == Match.NONE
    assert console.matches(_scope("GET", "/healthz"))[0] == Match.NONE
    assert console.matches(_scope("GET", "/"))[0] == Match.FULL
    assert console.matches(_scope("GET", "/login"))[0] == Match.FULL


def _small_app() -> FastAPI:
    inner = APIRouter(prefix="/things")

    @inner.get("/{thing_id}")
    async def get_thing(thing_id: str):
        return {"id": thing_id}

    @inner.get("/")
    async def list_things():
        return []

    guarded = GuardedRouter(prefix="/v1")

    @guarded.get("/exact")
    async def exact():
        return "exact"

    guarded.include_router(inner)
    other = APIRouter()

    @other.get("/v1/other")
    async def other_route():
        return "other"

    app = FastAPI()
    app.include_router(guarded, prefix="/api")
    app.include_router(other)
    return app


@pytest.mark.parametrize(
    ("method", "path", "status", "body"),
    [
        ("GET", "/api/v1/exact", 200, "exact"),
        ("GET", "/api/v1/things/x", 200, {"id": "x"}),
        ("GET", "/api/v1/things/", 200, []),
        ("POST", "/api/v1/exact", 405, None),  # a PARTIAL match is still seen
        ("GET", "/api/v1/things", 307, None),  # and the trailing-slash redirect
        ("GET", "/v1/other", 200, "other"),  # the next router is reached
        ("GET", "/v1/exact", 404, None),  # the routes only live under the include prefix
        ("GET", "/api/v1/exactly", 404, None),  # an exact path is not a prefix
    ],
)
async def test_guarded_router_under_an_include_prefix(method, path, status, body):
    app = _small_app()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.request(method, path, follow_redirects=False)
    assert response.status_code == status
    if body is not None:
        assert response.json() == body


async def test_routes_added_after_a_first_request_are_reached():
    app = _small_app()
    guarded = next(r.original_router for r in app.router.routes if hasattr(r, "original_router"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/api/v1/late")).status_code == 404

        @guarded.get("/late")
        async def late():
            return "late"

        assert (await client.get("/api/v1/late")).json() == "late"

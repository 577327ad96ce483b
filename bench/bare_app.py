"""The raw baselines of the HTTP benches: bare Starlette + asyncpg, no framework, no ORM.

``PUT /bare/incidents/{id}`` parses the phone's JSON and inserts the same ``incident`` row TTQ
stores (INSERT … ON CONFLICT DO NOTHING, one statement, autocommit) and answers the row as JSON.
``GET /bare/me`` does one indexed SELECT of the caller's account by primary key.
``GET /bare/ping`` answers a constant (the framework's floor, beside TTQ's ``/healthz``).

Served by uvicorn exactly like TTQ (``--workers N``); configuration from the environment:
``BARE_DSN`` (postgresql://…), ``BARE_ADMIN_UNIT``, ``BARE_UNION_UNIT``, ``BARE_USER`` (uuids).

    BARE_DSN=postgresql://postgres@127.0.0.1:5432/ttq_perf_bench ... \\
        uvicorn bench.bare_app:app --workers 2 --port 18402
"""

import hashlib
import json
import os
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

INSERT = """
INSERT INTO incident (id, team_id, category, subtype, severity, status, occurred_at, summary,
    place_text, search_text, house_id, admin_unit_id, union_unit_id, reporter_id,
    protect_reporter, persons_count, request_hash, created_at, updated_at, version)
VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $7, $8, $9, $10, $11, $12, $13, false, 0, $14,
    $15, $15, 1)
ON CONFLICT (id) DO NOTHING
"""
# The sealed phone as stored: opening it is TTQ's work, not the baseline's.
ME = "SELECT id, phone_sealed AS phone, full_name, role, is_active FROM user_account WHERE id = $1"


async def _keep_session(_connection) -> None:
    """Give a connection back as it is (only an open transaction is rolled back, by asyncpg)."""


@asynccontextmanager
async def lifespan(app):
    size = int(os.environ.get("BARE_POOL", "8"))
    # Without ``reset`` asyncpg sends a reset query (advisory unlock, CLOSE ALL, UNLISTEN,
    # RESET ALL) at every release: a second round trip per request that TTQ's pool does not
    # make. Until 4 December 2026 (late night) the baselines paid it, which flattered every ratio.
    app.state.pool = await asyncpg.create_pool(
        os.environ["BARE_DSN"], min_size=2, max_size=size, reset=_keep_session
    )
    yield
    await app.state.pool.close()


async def put_incident(request: Request) -> JSONResponse:
    incident_id = uuid.UUID(request.path_params["incident_id"])
    raw = await request.body()
    body = json.loads(raw)
    now = datetime.now(UTC)
    occurred = datetime.fromisoformat(body["occurred_at"])
    house = uuid.UUID(body["house_id"]) if body.get("house_id") else None
    async with request.app.state.pool.acquire() as conn:
        await conn.execute(
            INSERT,
            incident_id,
            uuid.UUID(body["team_id"]),
            body["category"],
            body.get("subtype"),
            body["severity"],
            occurred,
            body["summary"],
            body.get("place_text"),
            body["summary"].lower(),
            house,
            uuid.UUID(os.environ["BARE_ADMIN_UNIT"]),
            uuid.UUID(os.environ["BARE_UNION_UNIT"]),
            uuid.UUID(os.environ["BARE_USER"]),
            hashlib.sha256(raw).hexdigest(),
            now,
        )
    answer = {**body, "id": str(incident_id), "status": "submitted", "created_at": now.isoformat()}
    return JSONResponse(answer, status_code=201)


async def me(request: Request) -> JSONResponse:
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(ME, uuid.UUID(os.environ["BARE_USER"]))
    return JSONResponse({**dict(row), "id": str(row["id"])})


async def ping(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(
    routes=[
        Route("/bare/incidents/{incident_id}", put_incident, methods=["PUT"]),
        Route("/bare/me", me),
        Route("/bare/ping", ping),
    ],
    lifespan=lifespan,
)

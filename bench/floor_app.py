"""The least a FastAPI endpoint can do: the framework's ceiling for the incident and `me` figures.

``PUT /floor/incidents/{id}`` is FastAPI with pydantic's validation of TTQ's own body model
(``IncidentPut``), the bearer token checked as TTQ checks it (``token_identity``), the caller read
with TTQ's own one statement (``backend.policy.caller._CALLER_SQL``, raw asyncpg, as TTQ runs it
on PostgreSQL), then the bare app's one INSERT and a JSON answer. No middleware, no scope check,
no lookup of what the report names, no routing, escalation, timeline, audit or outbox.
``GET /floor/me`` is the same token check and caller read as a FastAPI dependency, answered as
TTQ's ``GET /me`` answers (``UserRead``, the phone opened): no middleware, no request log.

It is not a candidate implementation (it skips what the issue requires); it is a measurement:
whatever TTQ does on top of this, TTQ cannot be faster than it, so its ratio to the bare
endpoint bounds what any FastAPI implementation of the route that authenticates per request
can reach on this machine. Served by bench/bench_http.py with ``--floor`` (port +3), from the
same environment as the bare app (``BARE_DSN``, ``BARE_ADMIN_UNIT``, ``BARE_UNION_UNIT``) and
``TTQ_SECRET_KEY``.
"""

import hashlib
import os
import uuid
from datetime import UTC, date, datetime
from typing import Annotated

import asyncpg
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse

from backend.accounts.schemas import UserRead
from backend.core import pii
from backend.core.auth import token_identity
from backend.core.errors import Unauthorized
from backend.incidents.schemas import IncidentPut
from backend.policy.caller import _CALLER_SQL, PHONE_CONTEXT
from bench.bare_app import INSERT, lifespan  # the same pool as the bare app's

app = FastAPI(lifespan=lifespan, openapi_url=None)


async def caller(request: Request) -> asyncpg.Record:
    """The bearer token checked and the caller read, as TTQ's policy layer does on PostgreSQL."""
    scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
    try:
        user_id, device_id = token_identity(
            token if scheme.lower() == "bearer" else None, secret=os.environ["TTQ_SECRET_KEY"]
        )
    except Unauthorized:
        raise HTTPException(401) from None
    async with request.app.state.pool.acquire() as conn:
        row = await conn.fetchrow(_CALLER_SQL, user_id, device_id, date.today())
    if row is None or not row["is_active"] or row["device_revoked"]:
        raise HTTPException(401)
    return row


@app.get("/floor/ping")
async def ping() -> dict:
    """Ready probe."""
    return {"status": "ok"}


@app.get("/floor/me", response_model=UserRead)
async def me(who: Annotated[asyncpg.Record, Depends(caller)]) -> UserRead:
    """The caller's account and scope units, as TTQ's ``GET /me`` answers them."""
    return UserRead(
        id=who["id"],
        phone=pii.open_phone(who["phone_sealed"], context=PHONE_CONTEXT),
        full_name=who["full_name"],
        role=who["role"],
        is_active=who["is_active"],
        created_at=who["created_at"],
        version=who["version"],
        scope_unit_ids=who["unit_ids"],
    )


@app.put("/floor/incidents/{incident_id}", status_code=201)
async def put_incident(
    incident_id: uuid.UUID,
    body: IncidentPut,
    request: Request,
    who: Annotated[asyncpg.Record, Depends(caller)],
) -> JSONResponse:
    """Validate, authenticate, insert the row, answer it."""
    now = datetime.now(UTC)
    async with request.app.state.pool.acquire() as conn:
        await conn.execute(
            INSERT,
            incident_id,
            body.team_id,
            body.category,
            body.subtype,
            body.severity,
            body.occurred_at,
            body.summary,
            body.place_text,
            body.summary.lower(),
            body.house_id,
            uuid.UUID(os.environ["BARE_ADMIN_UNIT"]),
            uuid.UUID(os.environ["BARE_UNION_UNIT"]),
            who["id"],
            hashlib.sha256(body.model_dump_json().encode()).hexdigest(),
            now,
        )
    answer = {**body.model_dump(mode="json"), "id": str(incident_id), "status": "submitted"}
    return JSONResponse({**answer, "created_at": now.isoformat()}, status_code=201)

"""Idempotency-Key for POST routes (IETF httpapi idempotency-key draft semantics).

- same key, same request  -> the stored answer again (``Idempotent-Replayed: true``);
- same key, other request -> 422 ``idempotency_key_reused``;
- same key while the first is still running -> 409 ``idempotency_in_flight`` (Retry-After);
- keys are scoped to the signed-in user and expire after ``idempotency_key_ttl_hours``.

State lives in the database, so any API process answers a retry the same way. The key is
claimed in its own short transaction (visible to other processes at once); the answer is saved
in the route's own transaction, so it commits (or rolls back) together with the work it
describes. A failed request releases its claim so that the retry runs again.

Use in any POST route::

    Idem = Annotated[Idempotency, idempotent()]

    @router.post("/things", name="things-create", status_code=201)
    async def create(session: SessionDep, idem: Idem, body: ThingIn):
        if idem.replay:
            return idem.replay
        thing = await service.create(session, ...)
        return await idem.respond(session, ThingRead.model_validate(thing), status_code=201)

``idem.respond`` works without a key too (it then only renders the answer).
"""

import asyncio
import hashlib
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import pydantic_core
from fastapi import Depends, Header, Request, Response
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel
from sqlalchemy import delete, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from backend.core import pii
from backend.core.auth import CurrentUser
from backend.core.errors import Conflict, DomainError, Invalid
from backend.models.base import utcnow
from backend.models.idempotency import IdempotencyKey

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
# Answer headers worth replaying; the rest (dates, request ids) belong to each answer.
KEPT_HEADERS = ("location", "etag", "content-type")
# A replayed answer can carry people's phone numbers (a member added, a landlord's house), so
# it is kept sealed like the columns it came from, for as long as the key lives (TTL below).
BODY_CONTEXT = "idempotency_key.response_body"


class KeyInvalid(DomainError):
    status, code = 400, "idempotency_key_invalid"


def parse_key(raw: str | None) -> str | None:
    """The key from the header: a (quoted, per RFC 8941) string of printable ASCII."""
    if raw is None:
        return None
    key = raw.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':
        key = key[1:-1]
    if not key or len(key) > MAX_KEY_LENGTH or not all(32 <= ord(c) < 127 for c in key):
        raise KeyInvalid(max_length=MAX_KEY_LENGTH)
    return key


def fingerprint(method: str, path: str, body: bytes, exclude_fields: Iterable[str] = ()) -> str:
    """SHA-256 of the request. A JSON body is re-serialised without the excluded top-level
    fields (spacing does not matter; key order does: a retry re-sends the same request)."""
    canonical = body
    excluded = tuple(exclude_fields)
    if body:
        try:
            data = pydantic_core.from_json(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            for name in excluded:
                data.pop(name, None)
            canonical = pydantic_core.to_json(data)
    digest = hashlib.sha256()
    for part in (method.upper().encode(), b"\0", path.encode(), b"\0", canonical):
        digest.update(part)
    return digest.hexdigest()


def _insert(session: AsyncSession):
    dialect = session.get_bind().dialect.name
    return (postgresql if dialect == "postgresql" else sqlite).insert(IdempotencyKey)


@dataclass
class Idempotency:
    """What a route gets: a stored answer to replay, or a claim to complete with the answer."""

    user_id: uuid.UUID
    key: str | None = None
    fingerprint: str | None = None
    claim_until: datetime | None = None
    replay: Response | None = None
    saved: bool = False
    released: bool = False

    async def respond(
        self,
        session: AsyncSession,
        content: Any,
        *,
        status_code: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Render the answer and, under a key, save it in the route's transaction.

        ``content``: JSON bytes already rendered, a pydantic model, or anything FastAPI's
        ``jsonable_encoder`` takes.
        """
        if isinstance(content, bytes):
            body = content
        elif isinstance(content, BaseModel):
            body = content.model_dump_json().encode()
        else:
            body = json.dumps(
                jsonable_encoder(content), ensure_ascii=False, separators=(",", ":")
            ).encode()
        response = Response(
            body, status_code=status_code, headers=headers, media_type="application/json"
        )
        if self.key is None:
            return response
        kept = {k: v for k, v in response.headers.items() if k.lower() in KEPT_HEADERS}
        result = await session.execute(
            update(IdempotencyKey)
            .where(
                IdempotencyKey.user_id == self.user_id,
                IdempotencyKey.key == self.key,
                IdempotencyKey.status == "in_flight",
                IdempotencyKey.locked_until == self.claim_until,
            )
            .values(
                status="completed",
                response_status=status_code,
                response_headers=kept,
                response_body=pii.seal_bytes(body, context=BODY_CONTEXT),
            )
        )
        # 0 rows: our claim outlived its lease and another process took the key over. The work
        # is still done; the other process's answer is the one that will be replayed.
        self.saved = result.rowcount == 1
        if not self.saved:
            log.warning("idempotency claim lost before completion", extra={"key": self.key})
        return response


async def claim(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    key: str,
    fingerprint: str,
    ttl: timedelta,
    lease: timedelta,
    now: datetime | None = None,
) -> Idempotency:
    """Claim a key for this request, or return the stored answer; commits its own session."""
    now = now or utcnow()
    claim_until = now + lease
    if session.get_bind().dialect.name == "postgresql":
        # Losing a claim in a crash loses nothing (the request dies with it and is retried),
        # so it need not wait for its own WAL flush; the answer is saved durably, with the work.
        await session.execute(text("SET LOCAL synchronous_commit = off"))
    fresh = {
        "fingerprint": fingerprint,
        "status": "in_flight",
        "locked_until": claim_until,
        "response_status": None,
        "response_headers": None,
        "response_body": None,
        "created_at": now,
        "expires_at": now + ttl,
    }
    inserted = await session.execute(
        _insert(session)
        .values(user_id=user_id, key=key, **fresh)
        .on_conflict_do_nothing(index_elements=["user_id", "key"])
        .returning(IdempotencyKey.key)
    )
    if inserted.first() is not None:
        await session.commit()
        return Idempotency(user_id, key, fingerprint, claim_until)
    row = (
        await session.execute(
            select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key
            )
        )
    ).scalar_one()
    expired = row.expires_at <= now
    if not expired and row.fingerprint != fingerprint:
        raise Invalid(code="idempotency_key_reused")
    if not expired and row.status == "completed":
        replay = Response(
            pii.open_bytes(row.response_body or b"", context=BODY_CONTEXT),
            status_code=row.response_status or 200,
            headers={**(row.response_headers or {}), REPLAYED_HEADER: "true"},
        )
        return Idempotency(user_id, key, fingerprint, replay=replay)
    if not expired and row.locked_until > now:
        wait = max(1, int((row.locked_until - now).total_seconds()) + 1)
        raise Conflict(code="idempotency_in_flight", headers={"Retry-After": str(min(wait, 30))})
    # Expired, or in flight past its lease (its process died): take it over, exactly once.
    taken = await session.execute(
        update(IdempotencyKey)
        .where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.key == key,
            IdempotencyKey.locked_until == row.locked_until,
            IdempotencyKey.status == row.status,
        )
        .values(**fresh)
    )
    if taken.rowcount != 1:  # another process took it over first
        raise Conflict(code="idempotency_in_flight", headers={"Retry-After": "1"})
    await session.commit()
    return Idempotency(user_id, key, fingerprint, claim_until)


async def release(session: AsyncSession, idem: Idempotency) -> None:
    """Forget a claim whose request failed, so that a retry runs again; commits."""
    await session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == idem.user_id,
            IdempotencyKey.key == idem.key,
            IdempotencyKey.status == "in_flight",
            IdempotencyKey.locked_until == idem.claim_until,
        )
    )
    await session.commit()


# Retry delays for a release that failed (the database was away): the claim must be freed
# as soon as the database is back, not when the lease runs out (the phone retries meanwhile).
RELEASE_RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 2.0, 5.0, 5.0, 10.0, 10.0, 30.0, 60.0)
_pending_releases: set[asyncio.Task] = set()


async def release_soon(factory: async_sessionmaker[AsyncSession], idem: Idempotency) -> None:
    """Release a failed request's claim now, or keep trying in the background if the
    database is away; never raises (the request's own error is what the client must see)."""
    if idem.key is None or idem.released:
        return
    idem.released = True
    try:
        async with factory() as own:
            await release(own, idem)
        return
    except Exception as exc:  # the database is away: this is why the request failed
        log.warning("idempotency release deferred: %s", type(exc).__name__)
    task = asyncio.get_running_loop().create_task(_release_later(factory, idem))
    _pending_releases.add(task)
    task.add_done_callback(_pending_releases.discard)


async def _release_later(factory: async_sessionmaker[AsyncSession], idem: Idempotency) -> None:
    for delay in RELEASE_RETRY_DELAYS:
        await asyncio.sleep(delay)
        try:
            async with factory() as own:
                await release(own, idem)
            return
        except Exception:  # still away; the lease is the last resort
            continue
    log.warning("idempotency claim left to its lease", extra={"key": idem.key})


async def purge_expired(session: AsyncSession, *, now: datetime | None = None) -> int:
    """Delete expired keys (housekeeping: an expired key is already treated as unused)."""
    result = await session.execute(
        delete(IdempotencyKey).where(IdempotencyKey.expires_at <= (now or utcnow()))
    )
    return result.rowcount or 0


def idempotent(*, exclude_fields: Iterable[str] = ()):
    """A dependency honouring ``Idempotency-Key`` on the route it is added to.

    ``exclude_fields``: top-level body fields that are transport facts rather than the request
    (e.g. the device clock at sending time), left out of the fingerprint so a retry may update
    them without being taken for another request.
    """
    excluded = tuple(exclude_fields)

    async def dependency(
        request: Request,
        user: CurrentUser,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias=HEADER,
                description="Unique per logical request; send the same key when retrying it. "
                "Same key + same body replays the first answer; another body answers 422; "
                "while the first is still running, 409.",
                # What parse_key accepts, for the spec (validation stays parse_key's: a 400).
                json_schema_extra={
                    "minLength": 1,
                    "maxLength": MAX_KEY_LENGTH,
                    "pattern": "^[ -~]*[!-~][ -~]*$",
                },
            ),
        ] = None,
    ) -> AsyncIterator[Idempotency]:
        key = parse_key(idempotency_key)
        if key is None:
            yield Idempotency(user.id)
            return
        settings = request.app.state.settings
        fp = fingerprint(request.method, request.url.path, await request.body(), excluded)
        async with request.app.state.session_factory() as own:
            idem = await claim(
                own,
                user_id=user.id,
                key=key,
                fingerprint=fp,
                ttl=timedelta(hours=settings.idempotency_key_ttl_hours),
                lease=timedelta(seconds=settings.idempotency_lease_seconds),
            )
        if idem.replay is not None:
            yield idem
            return
        # The route's own session may still fail at its commit, after this dependency has
        # returned: get_session calls these hooks then (see backend/core/db.py).
        on_failure = request.state.__dict__.setdefault("on_failure", [])
        on_failure.append(lambda: release_soon(request.app.state.session_factory, idem))
        try:
            yield idem
        except BaseException:
            await release_soon(request.app.state.session_factory, idem)
            raise

    return Depends(dependency, scope="function")

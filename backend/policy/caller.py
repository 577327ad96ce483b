"""Who is asking, read once per request: the account, its device's state and its whole scope.

``current_caller`` is the policy layer's authentication dependency: the bearer token is checked
(signature, expiry, type), then one statement reads the account, whether the token's device was
revoked and every scope assignment. On PostgreSQL that statement is plain SQL sent straight to
asyncpg (prepared once per connection): it is paid by every authenticated request, so it skips
SQLAlchemy's compilation and ORM loading, and a route that needs no session (``GET /me``) runs
it on a connection borrowed from the pool for that statement alone, with no session opened.
SQLite (and PostgreSQL behind PgBouncer) runs the generic statement of
``backend.policy.subject`` in the request's session. Nothing is cached across requests: a
deactivated account or a revoked device is refused on its very next request.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.core import clock, pii
from backend.core.auth import TOKEN_URL, token_identity
from backend.core.db import (
    get_session,
    plan_for_parameters,
    pooled_driver_connection,
    route_session,
    session_driver_connection,
)
from backend.core.errors import Unauthorized
from backend.models import User
from backend.policy.roles import DESK_ROLES, Role
from backend.policy.subject import Subject, load_caller

PHONE_CONTEXT = User.__table__.c.phone_sealed.type.context  # bound into each seal


@dataclass(frozen=True, slots=True)
class Account:
    """The signed-in account's own fields (what ``GET /me`` answers)."""

    id: uuid.UUID
    phone_sealed: str  # as stored: opened by ``phone``, only where the number is shown
    full_name: str
    role: str
    is_active: bool
    created_at: datetime
    version: int

    @property
    def phone(self) -> str:
        """The account's phone number (503 ``key_unavailable`` if no configured key opens it).

        Opened on use, not at sign-in: every authenticated request reads the account and few
        show the number, so a deployment that lost its phone key still serves every route that
        shows none (a patrol, a report) instead of refusing all of them.
        """
        return pii.open_phone(self.phone_sealed, context=PHONE_CONTEXT)


@dataclass(frozen=True, slots=True)
class Caller:
    """A signed-in request's account, scope and device."""

    account: Account
    subject: Subject
    scope_unit_ids: list[uuid.UUID]
    device_id: uuid.UUID | None


# One round trip: the account, the device's revocation and the scope as arrays. The scope
# rules are those of backend.policy.subject._scope_rows (kept side by side: a test compares
# the two on the same users).
_CALLER_SQL = """
SELECT u.id, u.phone_sealed, u.full_name, u.role, u.is_active, u.created_at, u.version,
  (SELECT d.revoked_at IS NOT NULL FROM device d WHERE d.id = $2) AS device_revoked,
  ARRAY(SELECT n.path FROM user_scope s JOIN union_unit n ON n.id = s.union_unit_id
        WHERE s.user_id = u.id AND n.deleted_at IS NULL) AS union_paths,
  ARRAY(SELECT a.path FROM user_scope s JOIN admin_unit a ON a.id = s.admin_unit_id
        WHERE s.user_id = u.id AND a.deleted_at IS NULL) AS admin_paths,
  ARRAY(SELECT s.site_id FROM user_scope s
        WHERE s.user_id = u.id AND s.site_id IS NOT NULL) AS site_ids,
  ARRAY(SELECT m.team_id FROM team_member m JOIN team t ON t.id = m.team_id
        WHERE m.user_id = u.id AND m.deleted_at IS NULL AND t.deleted_at IS NULL
          AND (m.until IS NULL OR m.until > $3)) AS team_ids,
  ARRAY(SELECT coalesce(s.admin_unit_id, s.union_unit_id) FROM user_scope s
        WHERE s.user_id = u.id AND s.site_id IS NULL) AS unit_ids
FROM user_account u WHERE u.id = $1
"""


def _caller_of(row, device_id) -> Caller | None:
    if row is None or not row["is_active"] or row["device_revoked"]:
        return None
    subject = Subject(
        user_id=row["id"],
        role=Role(row["role"]),
        union_paths=tuple(row["union_paths"]),
        admin_paths=tuple(row["admin_paths"]),
        team_ids=frozenset(row["team_ids"]),
        site_ids=frozenset(row["site_ids"]),
    )
    account = Account(*(row[i] for i in range(7)))  # the statement's first seven columns
    return Caller(account, subject, list(row["unit_ids"]), device_id)


async def _read_pg(session: AsyncSession, user_id, device_id) -> Caller | None:
    async with session_driver_connection(session) as raw:
        row = await raw.fetchrow(_CALLER_SQL, user_id, device_id, clock.today())
    return _caller_of(row, device_id)


async def _read_pooled(engine: AsyncEngine, user_id, device_id) -> Caller | None:
    async with pooled_driver_connection(engine) as raw:
        row = await raw.fetchrow(_CALLER_SQL, user_id, device_id, clock.today())
    return _caller_of(row, device_id)


async def _read_generic(session: AsyncSession, user_id, device_id) -> Caller | None:
    found = await load_caller(session, user_id, device_id)
    if found is None or found.device_revoked:
        return None
    account = Account(*found.account)
    if not account.is_active:
        return None
    return Caller(account, found.subject, found.scope_unit_ids, device_id)


async def read_caller(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    device_id: uuid.UUID | None,
    prepared: bool = True,
) -> Caller | None:
    """The active caller (None when unknown, deactivated or signed in on a revoked device).

    ``prepared`` False (behind PgBouncer in transaction mode, statement cache 0): the generic
    statement, inside the session's transaction. The raw one runs before the transaction
    begins, and asyncpg's parse and execute of an unnamed statement could then reach two
    different server connections.
    """
    if prepared and session.get_bind().dialect.name == "postgresql":
        return await _read_pg(session, user_id, device_id)
    return await _read_generic(session, user_id, device_id)


class _BearerCaller(OAuth2PasswordBearer):
    """The policy layer's authentication dependency: the bearer token to the caller.

    A security scheme itself (the same OAuth2 password flow the OpenAPI declares), so that
    FastAPI resolves no sub-dependency for it: the session and token sub-dependencies cost
    ~0.08 ms of CPU per request in-process (bench/cpu_per_request.py, GET /me), paid by every
    authenticated request.
    """

    async def __call__(self, request: Request) -> Caller:  # type: ignore[override]
        """The signed-in caller with their scope (401 otherwise), one statement per request."""
        settings = request.app.state.settings
        token = await super().__call__(request)
        user_id, device_id = token_identity(token, secret=settings.secret_key)
        engine = request.app.state.engine
        prepared = settings.db_statement_cache_size > 0
        opener = route_session(request)
        if prepared and engine.dialect.name == "postgresql" and opener is None:
            # The route needs no session (GET /me): no session is opened for the read.
            caller = await _read_pooled(engine, user_id, device_id)
        else:
            # The route's own session (and connection) reads it: one connection per request.
            session = await (opener or get_session)(request)
            caller = await read_caller(
                session, user_id=user_id, device_id=device_id, prepared=prepared
            )
            if caller is not None and caller.subject.role in DESK_ROLES:
                await plan_for_parameters(session)
        if caller is None:
            raise Unauthorized()
        request.state.device_id = device_id
        return caller


current_caller = _BearerCaller(
    tokenUrl=TOKEN_URL, scheme_name="OAuth2PasswordBearer", auto_error=False
)


CurrentCaller = Annotated[Caller, Depends(current_caller)]

"""Writing and reading the audit trail."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from backend.core.logging import current_client_ip, current_request_id
from backend.models import AuditEvent
from backend.policy import Subject, scoped

# Never copied into an audit row, whatever the object.
SECRET_FIELDS = frozenset({"password_hash", "token_hash", "checkpoint_token", "secret"})


def snapshot(obj: SQLModel | None, *, exclude: set[str] | None = None) -> dict[str, Any] | None:
    """A JSON-safe copy of an object's columns for before/after, without secrets."""
    if obj is None:
        return None
    drop = SECRET_FIELDS | (exclude or set())
    return {k: v for k, v in obj.model_dump(mode="json").items() if k not in drop}


async def record(
    session: AsyncSession,
    *,
    actor: Subject | None,
    action: str,
    object_type: str,
    object_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
    actor_id: uuid.UUID | None = None,
) -> AuditEvent:
    """Add an audit event to the caller's transaction (committed or rolled back with it)."""
    event = AuditEvent(
        actor_id=actor.user_id if actor else actor_id,
        actor_role=str(actor.role) if actor else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id) if object_id is not None else None,
        request_id=current_request_id(),
        client_ip=current_client_ip(),
        before=before,
        after=after,
        detail=detail,
    )
    session.add(event)
    return event


async def list_events(
    session: AsyncSession,
    *,
    subject: Subject,
    object_type: str | None = None,
    object_id: str | None = None,
    actor_id: uuid.UUID | None = None,
    action: str | None = None,
    after_id: int | None = None,
    limit: int,
) -> list[AuditEvent]:
    """Audit events the subject may read, newest first, keyset by id."""
    stmt = scoped(select(AuditEvent), subject, AuditEvent)
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if actor_id:
        stmt = stmt.where(AuditEvent.actor_id == actor_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    if after_id is not None:
        stmt = stmt.where(AuditEvent.id < after_id)
    stmt = stmt.order_by(AuditEvent.id.desc()).limit(limit)
    return list((await session.scalars(stmt)).all())

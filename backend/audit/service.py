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
# Blind indexes of sealed phones: a stable pseudonym of the number, useless in an audit row.
INDEX_FIELDS = frozenset({"phone_index", "landlord_phone_index"})


def mask_phone(value: str) -> str:
    """A phone number as the audit keeps it: enough to tell two apart, not to call one.

    "+84912345678" -> "+8491*****78". The audit trail is kept for years and read by admins;
    the number itself stays in its own (access-logged) table.
    """
    digits = sum(c.isdigit() for c in value)
    if digits < 6:
        return "*" * len(value)
    head, tail = 5 if value.startswith("+") else 4, 2
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def _masked(data: Any) -> Any:
    # Any field named like a phone number, at any depth (snapshots, extras, details).
    if isinstance(data, dict):
        return {
            k: mask_phone(v) if "phone" in str(k).lower() and isinstance(v, str) else _masked(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_masked(v) for v in data]
    return data


def snapshot(obj: SQLModel | None, *, exclude: set[str] | None = None) -> dict[str, Any] | None:
    """A JSON-safe copy of an object's columns for before/after, without secrets."""
    if obj is None:
        return None
    drop = SECRET_FIELDS | INDEX_FIELDS | (exclude or set())
    return obj.model_dump(mode="json", exclude=drop)  # sealed blobs are not even serialized


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
        before=_masked(before),
        after=_masked(after),
        detail=_masked(detail),
    )
    session.add(event)
    return event


# Ids listed in one access record; a longer page is recorded by count (and its first ids).
READ_IDS_MAX = 200


async def record_personal_read(
    session: AsyncSession,
    *,
    actor: Subject,
    object_type: str,
    ids: list[Any],
    fields: list[str],
) -> None:
    """Log one read that returned other people's phone numbers or locations (Decree 356/2025
    asks for access logging): who, when, which records, which fields. No-op for no rows."""
    if not ids:
        return
    await record(
        session,
        actor=actor,
        action="personal_data.read",
        object_type=object_type,
        object_id=ids[0] if len(ids) == 1 else None,
        detail={
            "fields": fields,
            "count": len(ids),
            "ids": [str(i) for i in ids[:READ_IDS_MAX]],
        },
    )


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

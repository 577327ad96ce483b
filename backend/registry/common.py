"""Small pieces every registry service uses: reference checks, scope checks, versioning."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.errors import Conflict
from backend.models import utcnow
from backend.policy import Subject, visible
from backend.registry.validation import Problems, fail


async def check_refs(
    session: AsyncSession,
    problems: Problems,
    *,
    actor: Subject | None,
    model: type,
    ids: Iterable[uuid.UUID | None],
    field: str,
    code: str,
) -> None:
    """Add a problem unless every id names a live row the actor may see.

    An id the actor may not see is reported exactly like one that does not exist, so the
    answer never reveals what lies outside their scope. ``actor=None`` (system jobs, seeding)
    checks existence only.
    """
    wanted = list(dict.fromkeys(i for i in ids if i is not None))
    if not wanted:
        return
    stmt = select(model.id).where(model.id.in_(wanted))  # type: ignore[attr-defined]
    if hasattr(model, "deleted_at"):
        stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
    if actor is not None:
        stmt = stmt.where(visible(actor, model))
    found = set((await session.scalars(stmt)).all())
    missing = [str(i) for i in wanted if i not in found]
    if missing:
        problems.add(field, code, ", ".join(missing), ids=missing)


async def ensure_in_scope(
    session: AsyncSession, *, actor: Subject | None, model: type, obj_id: uuid.UUID, field: str
) -> None:
    """Refuse a write that would leave the row outside the actor's own scope (422).

    Without this a union officer could create or move a house where they can no longer see
    it, orphaning it from everyone who should manage it.
    """
    if actor is None:
        return
    await session.flush()
    pk = model.id  # type: ignore[attr-defined]
    found = await session.scalar(select(pk).where(pk == obj_id, visible(actor, model)))
    if found is None:
        raise fail(field, "out_of_scope")


def touch(obj: Any) -> None:
    """A new version (the next ETag) and update time for a changed row."""
    obj.version += 1
    obj.updated_at = utcnow()


async def flush_unique(session: AsyncSession, *, field: str, value: Any) -> None:
    """Flush, turning a unique-key race (two writers, one code) into a 409 naming the field."""
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(
            code="duplicate",
            errors=[{"field": field, "code": "duplicate", "value": str(value)}],
        ) from None


def id_str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None

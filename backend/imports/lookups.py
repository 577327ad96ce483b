"""Set-based look-ups the importers run once per file instead of once per row."""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.policy import Subject, visible

CHUNK = 500  # values per IN list: far below every driver's bound-parameter limit


def chunks(values: Iterable[Any]) -> list[list[Any]]:
    items = list(dict.fromkeys(v for v in values if v is not None))
    return [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)]


async def ids_by_code(session: AsyncSession, model: type, codes: Iterable[str]) -> dict[str, Any]:
    """``code -> id`` of the live rows of a coded table (admin or union units, teams…)."""
    out: dict[str, Any] = {}
    for chunk in chunks(codes):
        stmt = select(model.code, model.id).where(model.code.in_(chunk))  # type: ignore[attr-defined]
        if hasattr(model, "deleted_at"):
            stmt = stmt.where(model.deleted_at.is_(None))  # type: ignore[attr-defined]
        out.update((await session.execute(stmt)).all())
    return out


async def rows_by_code(session: AsyncSession, model: type, codes: Iterable[str]) -> dict[str, Any]:
    """``code -> row`` for every row holding one of the codes, deleted ones too (a deleted
    row keeps its code: it cannot be reused, so the import must not try)."""
    out: dict[str, Any] = {}
    for chunk in chunks(codes):
        stmt = select(model).where(model.code.in_(chunk))  # type: ignore[attr-defined]
        out.update((row.code, row) for row in (await session.scalars(stmt)).all())
    return out


async def visible_ids(
    session: AsyncSession, actor: Subject | None, model: type, ids: Iterable[uuid.UUID], *extra
) -> set[uuid.UUID]:
    """The ids the actor may see (all of them for the system), with optional extra clauses."""
    ids = list(ids)
    if actor is None and not extra:
        return set(ids)
    out: set[uuid.UUID] = set()
    for chunk in chunks(ids):
        stmt = select(model.id).where(model.id.in_(chunk), *extra)  # type: ignore[attr-defined]
        if actor is not None:
            stmt = stmt.where(visible(actor, model))
        out.update((await session.scalars(stmt)).all())
    return out


async def fresh(session: AsyncSession, obj: Any) -> Any:
    """The object with its attributes loaded: a row that failed before may have rolled back a
    savepoint, which expires what it touched (and async code cannot lazy-load)."""
    state = inspect(obj)
    if state.expired or state.expired_attributes:
        await session.refresh(obj)
    return obj

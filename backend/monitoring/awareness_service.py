"""Awareness sessions: idempotent creation from phones, desk corrections, scoped lists."""

import hashlib
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import Conflict, Invalid, NotFound
from backend.core.etag import etag_for
from backend.core.text import fold
from backend.models import AdminUnit, Site, Team, UnionUnit, utcnow
from backend.models.monitoring import AwarenessSession, AwarenessSessionTopic, AwarenessTopic
from backend.monitoring.awareness_schemas import AwarenessSessionPut
from backend.monitoring.exports import LOCAL_TZ
from backend.monitoring.filters import in_union_subtree, newest_first_after
from backend.policy import Subject, get_visible, visible
from backend.sync.upload_service import insert_ignore

OBJECT_TYPE = "awareness_session"


def body_hash(body: AwarenessSessionPut) -> str:
    """SHA-256 of the body in canonical form (UTC times, sorted unique topics, sorted keys)."""
    data = body.model_dump(mode="json")
    data["held_at"] = body.held_at.astimezone(UTC).isoformat()
    if body.recorded_at is not None:
        data["recorded_at"] = body.recorded_at.astimezone(UTC).isoformat()
    data["topics"] = sorted(set(body.topics))
    raw = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(raw.encode()).hexdigest()


async def list_topics(
    session: AsyncSession, *, include_inactive: bool = False
) -> list[AwarenessTopic]:
    """The topic list, in display order."""
    stmt = select(AwarenessTopic).order_by(AwarenessTopic.sort_order, AwarenessTopic.code)
    if not include_inactive:
        stmt = stmt.where(AwarenessTopic.active.is_(True))
    return list((await session.scalars(stmt)).all())


async def topic_labels(session: AsyncSession) -> dict[str, tuple[str, str]]:
    """code -> (Vietnamese, English) for every topic, active or not."""
    rows = await session.execute(
        select(AwarenessTopic.code, AwarenessTopic.name_vi, AwarenessTopic.name_en)
    )
    return {code: (vi, en) for code, vi, en in rows.all()}


async def _check_topics(session: AsyncSession, codes: list[str]) -> list[str]:
    wanted = sorted(set(codes))
    known = set(
        (
            await session.scalars(
                select(AwarenessTopic.code).where(
                    AwarenessTopic.code.in_(wanted), AwarenessTopic.active.is_(True)
                )
            )
        ).all()
    )
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise Invalid(code="unknown_topic", topics=unknown)
    return wanted


async def _check_place(
    session: AsyncSession, subject: Subject, admin_unit_id: uuid.UUID | None, site_id
) -> None:
    if admin_unit_id is not None:
        unit = await session.get(AdminUnit, admin_unit_id)
        if unit is None or unit.deleted_at is not None:
            raise Invalid(code="unknown_unit", unit_ids=[str(admin_unit_id)])
    if site_id is not None:
        try:
            await get_visible(session, subject, Site, site_id)
        except NotFound:
            raise Invalid(code="unknown_site", site_id=str(site_id)) from None


async def _holder_ward(
    session: AsyncSession, subject: Subject, team_id, union_unit_id
) -> uuid.UUID | None:
    """Check the caller may act for the holder (404 otherwise); return the holder's ward."""
    if team_id is not None:
        team = await get_visible(session, subject, Team, team_id)
        return team.admin_unit_id
    unit = await get_visible(session, subject, UnionUnit, union_unit_id)
    return unit.admin_unit_id


async def _set_topics(session: AsyncSession, obj: AwarenessSession, codes: list[str]) -> None:
    await session.execute(
        delete(AwarenessSessionTopic).where(AwarenessSessionTopic.session_id == obj.id)
    )
    session.add_all(AwarenessSessionTopic(session_id=obj.id, topic_code=c) for c in codes)
    obj.topics = codes


def _search_text(title: str | None, place: str) -> str:
    return fold(f"{title or ''} {place}")[:800]


async def stored_hashes(session: AsyncSession, ids) -> dict[uuid.UUID, str]:
    """Ids already stored (deleted ones included) -> the hash of the body that created them."""
    ids = list(ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(AwarenessSession.id, AwarenessSession.body_hash).where(AwarenessSession.id.in_(ids))
    )
    return {k: v for k, v in rows.all()}


async def visible_ids(session: AsyncSession, subject: Subject, ids) -> set[uuid.UUID]:
    """Which of these stored sessions the subject may see (deleted ones included)."""
    ids = list(ids)
    if not ids:
        return set()
    stmt = select(AwarenessSession.id).where(
        AwarenessSession.id.in_(ids), visible(subject, AwarenessSession)
    )
    return set((await session.scalars(stmt)).all())


async def new_row(
    session: AsyncSession,
    *,
    actor: Subject,
    session_id: uuid.UUID,
    body: AwarenessSessionPut,
    digest: str,
) -> dict[str, Any]:
    """Check a new session against scope and reference data; the row to insert."""
    ward = await _holder_ward(session, actor, body.team_id, body.union_unit_id)
    await _check_place(session, actor, body.admin_unit_id, body.site_id)
    topics = await _check_topics(session, body.topics)
    now = utcnow()
    return {
        **body.model_dump(exclude={"topics", "materials", "photo_refs"}),
        "id": session_id,
        "admin_unit_id": body.admin_unit_id or ward,
        "topics": topics,
        "materials": [m.model_dump() for m in body.materials],
        "photo_refs": list(body.photo_refs),
        "text_search": _search_text(body.title, body.place),
        "recorded_by": actor.user_id,
        "body_hash": digest,
        "created_at": now,
        "updated_at": now,
        "deleted_at": None,
        "delete_reason": None,
        "version": 1,
    }


async def store_new(
    session: AsyncSession, *, actor: Subject, rows: list[dict[str, Any]]
) -> set[uuid.UUID]:
    """Insert checked rows, skipping ids another request stored first; the ids inserted."""
    # ON CONFLICT DO NOTHING: a concurrent duplicate never aborts the caller's transaction.
    inserted = await insert_ignore(session, AwarenessSession, rows)
    fresh = [r for r in rows if r["id"] in inserted]
    session.add_all(
        AwarenessSessionTopic(session_id=r["id"], topic_code=c) for r in fresh for c in r["topics"]
    )
    await session.flush()
    for obj in (
        await session.scalars(select(AwarenessSession).where(AwarenessSession.id.in_(inserted)))
    ).all():
        await record(
            session,
            actor=actor,
            action=f"{OBJECT_TYPE}.create",
            object_type=OBJECT_TYPE,
            object_id=obj.id,
            after=snapshot(obj, exclude={"body_hash", "text_search"}),
        )
    return inserted


async def put_session(
    session: AsyncSession, *, actor: Subject, session_id: uuid.UUID, body: AwarenessSessionPut
) -> tuple[AwarenessSession, bool]:
    """Create a session under the client's id; an identical re-send returns it unchanged."""
    digest = body_hash(body)
    stored = await stored_hashes(session, [session_id])
    if not stored:
        row = await new_row(session, actor=actor, session_id=session_id, body=body, digest=digest)
        if session_id in await store_new(session, actor=actor, rows=[row]):
            return await session.get_one(AwarenessSession, session_id), True
        stored = await stored_hashes(session, [session_id])  # stored meanwhile by another request
    if not await visible_ids(session, actor, [session_id]):
        raise NotFound()
    existing = await session.get_one(AwarenessSession, session_id)
    if stored[session_id] != digest:
        raise Conflict(code="awareness_session_conflict", current_etag=etag_for(existing.version))
    return existing, False


async def update_session(
    session: AsyncSession, *, actor: Subject, obj: AwarenessSession, changes: dict[str, Any]
) -> AwarenessSession:
    """Correct a session's details (holder and id never change)."""
    before = snapshot(obj, exclude={"body_hash", "text_search"})
    for key in ("held_at", "place", "topics", "workers_count", "landlords_count", "others_count"):
        if key in changes and changes[key] is None:
            raise Invalid(code="validation_error", field=key)
    await _check_place(session, actor, changes.get("admin_unit_id"), changes.get("site_id"))
    if "topics" in changes:
        await _set_topics(session, obj, await _check_topics(session, changes.pop("topics")))
    if "materials" in changes:
        changes["materials"] = [dict(m) for m in changes["materials"] or []]
    if "photo_refs" in changes:
        changes["photo_refs"] = list(changes["photo_refs"] or [])
    for key, value in changes.items():
        setattr(obj, key, value)
    obj.text_search = _search_text(obj.title, obj.place)
    obj.version += 1
    obj.updated_at = utcnow()
    session.add(obj)
    await session.flush()
    await record(
        session,
        actor=actor,
        action=f"{OBJECT_TYPE}.update",
        object_type=OBJECT_TYPE,
        object_id=obj.id,
        before=before,
        after=snapshot(obj, exclude={"body_hash", "text_search"}),
    )
    return obj


async def delete_session(
    session: AsyncSession, *, actor: Subject, obj: AwarenessSession, reason: str
) -> None:
    """Soft-delete a session, keeping it for the record."""
    before = snapshot(obj, exclude={"body_hash", "text_search"})
    obj.deleted_at = utcnow()
    obj.delete_reason = reason
    obj.version += 1
    session.add(obj)
    await record(
        session,
        actor=actor,
        action=f"{OBJECT_TYPE}.delete",
        object_type=OBJECT_TYPE,
        object_id=obj.id,
        before=before,
        detail={"reason": reason},
    )


def local_day_start(day: date) -> datetime:
    """Midnight of a day in Vietnam, as a UTC instant."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


async def filters(
    session: AsyncSession,
    *,
    team_id: uuid.UUID | None = None,
    union_unit_id: uuid.UUID | None = None,
    held_from: date | None = None,
    held_to: date | None = None,
    topic: str | None = None,
    q: str | None = None,
) -> list[ColumnElement[bool]]:
    """WHERE clauses shared by the list and the export (scope is added apart)."""
    where: list[ColumnElement[bool]] = [AwarenessSession.deleted_at.is_(None)]
    if team_id:
        where.append(AwarenessSession.team_id == team_id)
    if union_unit_id:
        where.append(await in_union_subtree(session, AwarenessSession, union_unit_id))
    if held_from:
        where.append(AwarenessSession.held_at >= local_day_start(held_from))
    if held_to:
        where.append(AwarenessSession.held_at < local_day_start(held_to + timedelta(days=1)))
    if topic:
        where.append(
            AwarenessSession.id.in_(
                select(AwarenessSessionTopic.session_id).where(
                    AwarenessSessionTopic.topic_code == topic
                )
            )
        )
    if q:
        where.append(AwarenessSession.text_search.contains(fold(q), autoescape=True))
    return where


def after_clause(held_at: datetime, session_id: uuid.UUID) -> ColumnElement[bool]:
    """Keyset condition for newest-first order (held_at desc, id desc)."""
    return newest_first_after(AwarenessSession.held_at, AwarenessSession.id, held_at, session_id)

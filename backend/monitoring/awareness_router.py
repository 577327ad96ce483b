"""Routes for awareness sessions (tuyên truyền) and their topics."""

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import Select, case, func, select

from backend.core.db import SessionDep
from backend.core.etag import IfMatch, check_if_match, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor, page_of
from backend.core.params import QueryDate
from backend.models import AdminUnit, Team, UnionUnit
from backend.models.monitoring import AwarenessSession
from backend.monitoring import awareness_service as service
from backend.monitoring import export_pg
from backend.monitoring.awareness_schemas import (
    AwarenessSessionPut,
    AwarenessSessionRead,
    AwarenessSessionUpdate,
    AwarenessTopicRead,
)
from backend.monitoring.export_routes import add_export_route
from backend.monitoring.exports import Column, labels
from backend.policy import Subject, get_visible, scoped
from backend.policy.deps import CurrentSubject, allowed

router = APIRouter(prefix="/api/v1", tags=["monitoring"])
Writer = Annotated[Subject, allowed("awareness.write")]
Deleter = Annotated[Subject, allowed("awareness.delete")]


async def valid_awareness_session_id(
    session: SessionDep, subject: CurrentSubject, session_id: uuid.UUID
) -> AwarenessSession:
    """The session named in the path, if the caller may see it."""
    return await get_visible(session, subject, AwarenessSession, session_id)


VisibleSession = Annotated[AwarenessSession, Depends(valid_awareness_session_id)]


async def awareness_filters(
    session: SessionDep,
    team_id: uuid.UUID | None = None,
    union_unit_id: Annotated[
        uuid.UUID | None, Query(description="a union unit: its whole subtree")
    ] = None,
    held_from: Annotated[QueryDate | None, Query(description="first day, Vietnam time")] = None,
    held_to: Annotated[QueryDate | None, Query(description="last day, Vietnam time")] = None,
    topic: Annotated[str | None, Query(max_length=64)] = None,
    q: Annotated[str | None, Query(max_length=100, description="title or place")] = None,
) -> list:
    """The list's filters as WHERE clauses (the export reuses them)."""
    return await service.filters(
        session,
        team_id=team_id,
        union_unit_id=union_unit_id,
        held_from=held_from,
        held_to=held_to,
        topic=topic,
        q=q,
    )


Filters = Annotated[list, Depends(awareness_filters)]


@router.get(
    "/awareness-topics", name="awareness-topics-list", response_model=Page[AwarenessTopicRead]
)
async def list_topics(session: SessionDep, subject: CurrentSubject, page: PageDep):
    """Topics an awareness session (buổi tuyên truyền) can cover, in display order."""
    topics = await service.list_topics(session)
    return page_of(
        topics, cursor=page.cursor, limit=page.limit, key=lambda t: (t.sort_order, t.code)
    )


@router.get(
    "/awareness-sessions",
    name="awareness-sessions-list",
    response_model=Page[AwarenessSessionRead],
)
async def list_sessions(
    session: SessionDep, subject: CurrentSubject, page: PageDep, where: Filters
) -> Page[AwarenessSessionRead]:
    """Awareness sessions (buổi tuyên truyền) the caller may see, newest first."""
    stmt = scoped(select(AwarenessSession), subject, AwarenessSession).where(*where)
    after = decode_keys(page.cursor, datetime.fromisoformat, uuid.UUID)
    if after:
        stmt = stmt.where(service.after_clause(*after))
    stmt = stmt.order_by(AwarenessSession.held_at.desc(), AwarenessSession.id.desc())
    rows = list((await session.scalars(stmt.limit(page.limit + 1))).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[AwarenessSessionRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor([rows[-1].held_at.isoformat(), str(rows[-1].id)])
        if more
        else None,
    )


async def _export_columns(session, _subject=None) -> list[Column]:  # same for every caller
    topic = labels(await service.topic_labels(session))
    return [
        Column("held_at", "Thời gian (giờ Việt Nam)", "Time (Vietnam)", width=17),
        Column("title", "Tiêu đề", "Title", width=30),
        Column("place", "Địa điểm", "Place", width=30),
        Column("holder", "Đơn vị tổ chức", "Held by", width=28),
        Column("ward", "Phường/xã", "Ward", width=20),
        Column("topics", "Chủ đề", "Topics", format=topic, width=40),
        Column("workers_count", "Số công nhân", "Workers", width=10),
        Column("landlords_count", "Số chủ nhà trọ", "Landlords", width=10),
        Column("others_count", "Người khác", "Others", width=10),
        Column("duration_minutes", "Thời lượng (phút)", "Duration (min)", width=10),
        Column(
            "materials", "Tài liệu", "Materials", format=_materials, width=30, sql=_materials_sql
        ),
        Column(
            "photo_refs",
            "Số ảnh",
            "Photos",
            format=lambda v, _: len(v or []),
            width=8,
            sql=lambda v, _: export_pg.json_count(v),
        ),
        Column("summary", "Nội dung tóm tắt", "Summary", width=40),
        Column("created_at", "Ghi nhận lúc", "Recorded at", width=17),
        Column("id", "Mã bản ghi", "Record id", width=36),
    ]


def _materials(value, lang: str) -> list[str]:
    return [
        f"{m.get('name')} ({m['quantity']})" if m.get("quantity") is not None else m.get("name")
        for m in value or []
    ]


def _materials_sql(value, lang: str):
    """``_materials`` in PostgreSQL (export_pg.py), for the COPY path of CSV exports."""

    def item(m):
        name, quantity = m.op("->>")("name"), m.op("->>")("quantity")
        named = func.concat(func.coalesce(name, "None"), " (", quantity, ")")
        return case((quantity.is_not(None), named), else_=name)

    return export_pg.json_list(value, item)


async def export_query(where: Filters) -> Select:
    """Labelled columns of the sessions, with the names of holder and ward."""
    return (
        select(
            AwarenessSession.held_at,
            AwarenessSession.title,
            AwarenessSession.place,
            func.coalesce(Team.name, UnionUnit.name).label("holder"),
            AdminUnit.name.label("ward"),
            AwarenessSession.topics,
            AwarenessSession.workers_count,
            AwarenessSession.landlords_count,
            AwarenessSession.others_count,
            AwarenessSession.duration_minutes,
            AwarenessSession.materials,
            AwarenessSession.photo_refs,
            AwarenessSession.summary,
            AwarenessSession.created_at,
            AwarenessSession.id,
        )
        .outerjoin(Team, Team.id == AwarenessSession.team_id)
        .outerjoin(UnionUnit, UnionUnit.id == AwarenessSession.union_unit_id)
        .outerjoin(AdminUnit, AdminUnit.id == AwarenessSession.admin_unit_id)
        .where(*where)
        .order_by(AwarenessSession.held_at.desc(), AwarenessSession.id.desc())
    )


# Declared before /{session_id} so "export" is never read as an id.
add_export_route(
    router,
    path="/awareness-sessions/export",
    name="awareness-sessions-export",
    model=AwarenessSession,
    object_type=service.OBJECT_TYPE,
    filename="tuyen-truyen",
    columns=_export_columns,
    query=export_query,
    sheet_name="Tuyên truyền",
    summary="Export awareness sessions",
)


@router.get(
    "/awareness-sessions/{session_id}",
    name="awareness-sessions-get",
    response_model=AwarenessSessionRead,
)
async def get_session(obj: VisibleSession, response: Response):
    """One session, with its ETag."""
    set_etag(response, obj.version)
    return obj


@router.put(
    "/awareness-sessions/{session_id}",
    name="awareness-sessions-put",
    response_model=AwarenessSessionRead,
    status_code=201,
    responses={
        200: {
            "model": AwarenessSessionRead,
            "description": "Already stored with this same body: nothing changed",
        },
        409: {"description": "This id is stored with a different body"},
    },
)
async def put_session(
    session: SessionDep,
    subject: Writer,
    session_id: uuid.UUID,
    body: AwarenessSessionPut,
    response: Response,
):
    """Record an awareness session (buổi tuyên truyền) under the phone's own UUID: 201 created, 200
    identical re-send."""
    obj, created = await service.put_session(
        session, actor=subject, session_id=session_id, body=body
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    set_etag(response, obj.version)
    return obj


@router.patch(
    "/awareness-sessions/{session_id}",
    name="awareness-sessions-update",
    response_model=AwarenessSessionRead,
)
async def update_session(
    session: SessionDep,
    obj: VisibleSession,
    subject: Writer,
    body: AwarenessSessionUpdate,
    response: Response,
    if_match: IfMatch = None,
):
    """Correct a session (If-Match required)."""
    check_if_match(if_match, obj.version)
    obj = await service.update_session(
        session, actor=subject, obj=obj, changes=body.model_dump(exclude_unset=True)
    )
    set_etag(response, obj.version)
    return obj


@router.delete(
    "/awareness-sessions/{session_id}",
    name="awareness-sessions-delete",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_session(
    session: SessionDep,
    obj: VisibleSession,
    subject: Deleter,
    reason: Annotated[str, Query(min_length=3, max_length=500)],
    if_match: IfMatch = None,
):
    """Soft-delete a session (If-Match required)."""
    check_if_match(if_match, obj.version)
    await service.delete_session(session, actor=subject, obj=obj, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

"""Routes for commendations and commendation candidates."""

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased

from backend.core.db import SessionDep
from backend.core.etag import IfMatch, check_if_match, set_etag
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor
from backend.core.params import QueryDate
from backend.models import Team, UnionUnit
from backend.models.monitoring import Commendation
from backend.monitoring import candidates
from backend.monitoring import commendation_service as service
from backend.monitoring.commendation_schemas import (
    LEVELS,
    RECIPIENT_KINDS,
    CandidateList,
    CommendationCreate,
    CommendationRead,
    CommendationUpdate,
    Level,
    RecipientKind,
)
from backend.monitoring.export_routes import add_export_route
from backend.monitoring.exports import Column, labels
from backend.policy import Subject, get_visible, scoped
from backend.policy.deps import CurrentSubject, allowed

router = APIRouter(prefix="/api/v1", tags=["monitoring"])
Writer = Annotated[Subject, allowed("commendation.write")]


async def valid_commendation_id(
    session: SessionDep, subject: CurrentSubject, commendation_id: uuid.UUID
) -> Commendation:
    """The commendation named in the path, if the caller may see it."""
    return await get_visible(session, subject, Commendation, commendation_id)


VisibleCommendation = Annotated[Commendation, Depends(valid_commendation_id)]


async def commendation_filters(
    session: SessionDep,
    team_id: uuid.UUID | None = None,
    union_unit_id: Annotated[
        uuid.UUID | None, Query(description="a union unit: its whole subtree")
    ] = None,
    recipient_kind: RecipientKind | None = None,
    level: Level | None = None,
    decided_from: QueryDate | None = None,
    decided_to: QueryDate | None = None,
    q: Annotated[
        str | None, Query(max_length=100, description="recipient name or decision number")
    ] = None,
) -> list:
    """The list's filters as WHERE clauses (the export reuses them)."""
    return await service.filters(
        session,
        team_id=team_id,
        union_unit_id=union_unit_id,
        recipient_kind=recipient_kind,
        level=level,
        decided_from=decided_from,
        decided_to=decided_to,
        q=q,
    )


Filters = Annotated[list, Depends(commendation_filters)]


@router.get("/commendations", name="commendations-list", response_model=Page[CommendationRead])
async def list_commendations(
    session: SessionDep, subject: CurrentSubject, page: PageDep, where: Filters
) -> Page[CommendationRead]:
    """Commendations (khen thưởng) the caller may see, newest decision first."""
    stmt = scoped(select(Commendation), subject, Commendation).where(*where)
    after = decode_keys(page.cursor, date.fromisoformat, uuid.UUID)
    if after:
        stmt = stmt.where(service.after_clause(*after))
    stmt = stmt.order_by(Commendation.decided_on.desc(), Commendation.id.desc())
    rows = list((await session.scalars(stmt.limit(page.limit + 1))).all())
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[CommendationRead.model_validate(r, from_attributes=True) for r in rows],
        next_cursor=encode_cursor([rows[-1].decided_on.isoformat(), str(rows[-1].id)])
        if more
        else None,
    )


@router.post(
    "/commendations", name="commendations-create", response_model=CommendationRead, status_code=201
)
async def create_commendation(
    session: SessionDep, subject: Writer, body: CommendationCreate, response: Response
):
    """Record a commendation (khen thưởng) for a team or a person (union officers: their
    subtree)."""
    obj = await service.create_commendation(session, actor=subject, body=body)
    set_etag(response, obj.version)
    return obj


EXPORT_COLUMNS = [
    Column("decided_on", "Ngày quyết định", "Decision date", width=12),
    Column("decision_number", "Số quyết định", "Decision number", width=16),
    Column("level", "Cấp khen thưởng", "Level", format=labels(LEVELS), width=22),
    Column("form", "Hình thức", "Form", width=16),
    Column("issuing_body", "Cơ quan ban hành", "Issued by", width=28),
    Column("recipient_kind", "Đối tượng", "Recipient", format=labels(RECIPIENT_KINDS), width=18),
    Column("recipient", "Tên tập thể/cá nhân", "Recipient name", width=28),
    Column("person_title", "Chức danh", "Position", width=18),
    Column("team", "Tổ tự quản", "Team", width=28),
    Column("union_unit", "Đơn vị công đoàn", "Union unit", width=28),
    Column("reason", "Thành tích", "Reason", width=50),
    Column("id", "Mã bản ghi", "Record id", width=36),
]


async def export_query(where: Filters) -> Select:
    """Labelled columns of the commendations with team and union-unit names."""
    team_union = aliased(UnionUnit)
    own_union = aliased(UnionUnit)
    return (
        select(
            Commendation.decided_on,
            Commendation.decision_number,
            Commendation.level,
            Commendation.form,
            Commendation.issuing_body,
            Commendation.recipient_kind,
            func.coalesce(Commendation.person_name, Team.name).label("recipient"),
            Commendation.person_title,
            Team.name.label("team"),
            func.coalesce(own_union.name, team_union.name).label("union_unit"),
            Commendation.reason,
            Commendation.id,
        )
        .outerjoin(Team, Team.id == Commendation.team_id)
        .outerjoin(team_union, team_union.id == Team.union_unit_id)
        .outerjoin(own_union, own_union.id == Commendation.union_unit_id)
        .where(*where)
        .order_by(Commendation.decided_on.desc(), Commendation.id.desc())
    )


add_export_route(
    router,
    path="/commendations/export",
    name="commendations-export",
    model=Commendation,
    object_type=service.OBJECT_TYPE,
    filename="khen-thuong",
    columns=EXPORT_COLUMNS,
    query=export_query,
    sheet_name="Khen thưởng",
    summary="Export commendations",
)


@router.get(
    "/commendations/{commendation_id}",
    name="commendations-get",
    response_model=CommendationRead,
)
async def get_commendation(obj: VisibleCommendation, response: Response):
    """One commendation, with its ETag."""
    set_etag(response, obj.version)
    return obj


@router.patch(
    "/commendations/{commendation_id}",
    name="commendations-update",
    response_model=CommendationRead,
)
async def update_commendation(
    session: SessionDep,
    obj: VisibleCommendation,
    subject: Writer,
    body: CommendationUpdate,
    response: Response,
    if_match: IfMatch = None,
):
    """Correct a commendation's decision details (If-Match required)."""
    check_if_match(if_match, obj.version)
    obj = await service.update_commendation(
        session, actor=subject, obj=obj, changes=body.model_dump(exclude_unset=True)
    )
    set_etag(response, obj.version)
    return obj


@router.delete(
    "/commendations/{commendation_id}",
    name="commendations-delete",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_commendation(
    session: SessionDep,
    obj: VisibleCommendation,
    subject: Writer,
    reason: Annotated[str, Query(min_length=3, max_length=500)],
    if_match: IfMatch = None,
):
    """Withdraw a commendation recorded in error (If-Match required)."""
    check_if_match(if_match, obj.version)
    await service.delete_commendation(session, actor=subject, obj=obj, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/commendation-candidates",
    name="commendation-candidates-list",
    response_model=CandidateList,
)
async def list_candidates(
    session: SessionDep,
    subject: Annotated[Subject, allowed("commendation.candidates")],
    period_from: QueryDate,
    period_to: QueryDate,
    union_unit_id: Annotated[
        uuid.UUID | None, Query(description="a union unit: its whole subtree")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CandidateList:
    """Teams to consider for commendation, ranked by activity (see README for the score)."""
    return await candidates.suggest(
        session,
        subject=subject,
        period_from=period_from,
        period_to=period_to,
        union_unit_id=union_unit_id,
        limit=limit,
    )

"""Police jurisdiction routes: which liaisons answer for which admin units and sites."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.core.db import SessionDep
from backend.core.pagination import Page, PageDep, decode_keys, encode_cursor, page_of
from backend.models import Site, User, UserScope
from backend.policy import Subject, get_visible
from backend.teams import jurisdictions as service
from backend.teams.dependencies import acting
from backend.teams.schemas import JurisdictionCreate, JurisdictionRead, LiaisonRead

router = APIRouter(prefix="/police-jurisdictions", tags=["police-jurisdictions"])
Reader = Annotated[Subject, acting("jurisdiction.read")]
Writer = Annotated[Subject, acting("jurisdiction.write")]


def _read(scope: UserScope, user: User) -> JurisdictionRead:
    return JurisdictionRead(
        id=scope.id,
        user_id=user.id,
        user_full_name=user.full_name,
        admin_unit_id=scope.admin_unit_id,
        site_id=scope.site_id,
        created_at=scope.created_at,
    )


@router.get("", name="police-jurisdictions-list", response_model=Page[JurisdictionRead])
async def list_jurisdictions(
    session: SessionDep,
    subject: Reader,
    page: PageDep,
    user_id: uuid.UUID | None = None,
    admin_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
) -> Page[JurisdictionRead]:
    """Jurisdictions the caller may see (a liaison sees their own), by id."""
    after = decode_keys(page.cursor, uuid.UUID)
    rows = await service.list_jurisdictions(
        session,
        subject=subject,
        user_id=user_id,
        admin_unit_id=admin_unit_id,
        site_id=site_id,
        after=after[0] if after else None,
        limit=page.limit + 1,
    )
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    return Page(
        items=[_read(s, u) for s, u in rows],
        next_cursor=encode_cursor([str(rows[-1][0].id)]) if more else None,
    )


@router.get("/liaisons", name="police-jurisdictions-liaisons", response_model=Page[LiaisonRead])
async def route_to_liaisons(
    session: SessionDep,
    subject: Reader,
    page: PageDep,
    admin_unit_id: uuid.UUID | None = None,
    site_id: uuid.UUID | None = None,
    up_the_tree: Annotated[
        bool, Query(description="when nobody is assigned, use the nearest ancestor unit's")
    ] = True,
) -> Page[LiaisonRead]:
    """Who would be told about an incident at this admin unit or site (give exactly one)."""
    if site_id is not None:  # a site the caller cannot see is not found, as everywhere
        await get_visible(session, subject, Site, site_id)
    find = service.liaisons_up_the_tree if up_the_tree else service.liaisons_for
    users = await find(session, admin_unit_id=admin_unit_id, site_id=site_id)
    reads = [LiaisonRead.model_validate(u, from_attributes=True) for u in users]
    return page_of(
        reads, cursor=page.cursor, limit=page.limit, key=lambda u: (u.full_name or "", str(u.id))
    )


@router.post(
    "", name="police-jurisdictions-create", response_model=JurisdictionRead, status_code=201
)
async def create_jurisdiction(
    session: SessionDep, subject: Writer, body: JurisdictionCreate
) -> JurisdictionRead:
    """Make a police liaison (cán bộ công an) answer for an admin unit (with its subtree) or a
    site."""
    scope = await service.create_jurisdiction(session, actor=subject, **body.model_dump())
    return _read(scope, await session.get(User, scope.user_id))


@router.get("/{jurisdiction_id}", name="police-jurisdictions-get", response_model=JurisdictionRead)
async def get_jurisdiction(
    session: SessionDep, subject: Reader, jurisdiction_id: uuid.UUID
) -> JurisdictionRead:
    """One jurisdiction."""
    scope, user = await service.get_jurisdiction(
        session, subject=subject, jurisdiction_id=jurisdiction_id
    )
    return _read(scope, user)


@router.delete(
    "/{jurisdiction_id}",
    name="police-jurisdictions-delete",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_jurisdiction(
    session: SessionDep, subject: Writer, jurisdiction_id: uuid.UUID
) -> Response:
    """Remove a jurisdiction (recorded in the audit trail)."""
    scope, _ = await service.get_jurisdiction(
        session, subject=subject, jurisdiction_id=jurisdiction_id
    )
    await service.delete_jurisdiction(session, actor=subject, scope=scope)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

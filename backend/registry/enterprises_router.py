"""Enterprise routes: list, create, read, update, soft-delete."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from backend.core.db import SessionDep
from backend.core.etag import IfMatch, set_etag
from backend.core.pagination import Page, PageDep
from backend.models import Enterprise
from backend.policy import Subject
from backend.policy.deps import CurrentSubject, allowed
from backend.registry import enterprises_service, queries
from backend.registry.deps import (
    Reason,
    SearchQ,
    VisibleEnterprise,
    WritableEnterprise,
    ensure_fresh,
)
from backend.registry.schemas import EnterpriseCreate, EnterpriseRead, EnterpriseUpdate

router = APIRouter(prefix="/enterprises", tags=["registry"])
Writer = Annotated[Subject, allowed("enterprise.write")]


def _read(enterprise: Enterprise) -> EnterpriseRead:
    return EnterpriseRead.model_validate(enterprise, from_attributes=True)


async def _current(enterprise: Enterprise) -> EnterpriseRead:
    return _read(enterprise)


@router.get("", name="enterprises-list", response_model=Page[EnterpriseRead])
async def list_enterprises(
    session: SessionDep,
    subject: CurrentSubject,
    page: PageDep,
    q: SearchQ = None,
    site_id: uuid.UUID | None = None,
    admin_unit_id: Annotated[
        uuid.UUID | None, Query(description="enterprises in sites of this admin subtree")
    ] = None,
    union_unit_id: Annotated[
        uuid.UUID | None, Query(description="enterprises in sites of this union subtree")
    ] = None,
) -> Page[EnterpriseRead]:
    """Enterprises (doanh nghiệp) the caller may see, by name; `q` also matches a tax-code
    prefix."""
    filters = queries.Filters(
        q=q, site_id=site_id, admin_unit_id=admin_unit_id, union_unit_id=union_unit_id
    )
    stmt = await queries.enterprise_query(session, subject=subject, filters=filters)
    rows, next_cursor = await queries.page(
        session, stmt, Enterprise, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[_read(e) for e in rows], next_cursor=next_cursor)


@router.post("", name="enterprises-create", response_model=EnterpriseRead, status_code=201)
async def create_enterprise(
    session: SessionDep, subject: Writer, body: EnterpriseCreate, response: Response
) -> EnterpriseRead:
    """Register an enterprise in a site the caller can see."""
    enterprise = await enterprises_service.create_enterprise(
        session, actor=subject, **body.model_dump()
    )
    set_etag(response, enterprise.version)
    return _read(enterprise)


@router.get("/{enterprise_id}", name="enterprises-get", response_model=EnterpriseRead)
async def get_enterprise(enterprise: VisibleEnterprise, response: Response) -> EnterpriseRead:
    """One enterprise with its ETag."""
    set_etag(response, enterprise.version)
    return _read(enterprise)


@router.patch("/{enterprise_id}", name="enterprises-update", response_model=EnterpriseRead)
async def update_enterprise(
    session: SessionDep,
    subject: CurrentSubject,
    enterprise: WritableEnterprise,
    body: EnterpriseUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> EnterpriseRead:
    """Change an enterprise (If-Match required)."""
    await ensure_fresh(if_match, enterprise.version, lambda: _current(enterprise))
    enterprise = await enterprises_service.update_enterprise(
        session, actor=subject, enterprise=enterprise, **body.model_dump(exclude_unset=True)
    )
    set_etag(response, enterprise.version)
    return _read(enterprise)


@router.delete(
    "/{enterprise_id}", name="enterprises-delete", status_code=status.HTTP_204_NO_CONTENT
)
async def delete_enterprise(
    session: SessionDep,
    subject: CurrentSubject,
    enterprise: WritableEnterprise,
    reason: Reason,
    if_match: IfMatch = None,
) -> Response:
    """Soft-delete an enterprise with a reason (If-Match required)."""
    await ensure_fresh(if_match, enterprise.version, lambda: _current(enterprise))
    await enterprises_service.delete_enterprise(
        session, actor=subject, enterprise=enterprise, reason=reason
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)

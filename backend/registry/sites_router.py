"""Site routes: list, GeoJSON, create, read, update, soft-delete."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.config import get_settings
from backend.core.db import SessionDep
from backend.core.etag import IfMatch, set_etag
from backend.core.pagination import Page, PageDep
from backend.models import Site
from backend.policy import Subject
from backend.policy.deps import CurrentSubject, allowed
from backend.registry import queries, sites_service
from backend.registry.deps import BBoxDep, Reason, SearchQ, VisibleSite, WritableSite, ensure_fresh
from backend.registry.geojson import (
    GeoJSONResponse,
    SiteFeature,
    SiteFeatureCollection,
    SiteProperties,
    collection_bbox,
)
from backend.registry.schemas import SiteCreate, SiteKind, SiteRead, SiteSummary, SiteUpdate

router = APIRouter(prefix="/sites", tags=["registry"])
Writer = Annotated[Subject, allowed("site.write")]


def _summary(site: Site, admin_unit_ids: list[uuid.UUID]) -> dict:
    return {
        **site.model_dump(exclude={"boundary"}),
        "bbox": [site.min_lon, site.min_lat, site.max_lon, site.max_lat],
        "admin_unit_ids": admin_unit_ids,
    }


async def site_read(session: AsyncSession, site: Site) -> SiteRead:
    units = await sites_service.admin_unit_ids_of(session, site_ids=[site.id])
    return SiteRead.model_validate({**_summary(site, units[site.id]), "boundary": site.boundary})


async def site_filters(
    session: SessionDep,
    subject: CurrentSubject,
    bbox: BBoxDep,
    q: SearchQ = None,
    admin_unit_id: Annotated[
        uuid.UUID | None, Query(description="sites in this admin unit's subtree")
    ] = None,
    union_unit_id: Annotated[
        uuid.UUID | None, Query(description="sites covered by this union unit's subtree")
    ] = None,
    team_id: Annotated[
        uuid.UUID | None, Query(description="sites of the houses this team covers now")
    ] = None,
    kind: SiteKind | None = None,
) -> Select:
    """The scoped, filtered site query shared by the list and the map."""
    filters = queries.Filters(
        q=q,
        admin_unit_id=admin_unit_id,
        union_unit_id=union_unit_id,
        team_id=team_id,
        kind=kind,
        bbox=bbox,
    )
    return await queries.site_query(session, subject=subject, filters=filters)


SiteQuery = Annotated[Select, Depends(site_filters)]


@router.get("", name="sites-list", response_model=Page[SiteSummary])
async def list_sites(session: SessionDep, page: PageDep, stmt: SiteQuery) -> Page[SiteSummary]:
    """Industrial sites (KCN, KCX, cụm công nghiệp) the caller may see, by name (boundaries are in
    `sites-geojson` and `sites-get`)."""
    rows, next_cursor = await queries.page(
        session, stmt, Site, cursor=page.cursor, limit=page.limit
    )
    units = await sites_service.admin_unit_ids_of(session, site_ids=[s.id for s in rows])
    return Page(
        items=[SiteSummary.model_validate(_summary(s, units[s.id])) for s in rows],
        next_cursor=next_cursor,
    )


@router.get(
    "/geojson",
    name="sites-geojson",
    response_model=SiteFeatureCollection,
    response_class=GeoJSONResponse,
)
async def sites_geojson(
    session: SessionDep,
    stmt: SiteQuery,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, description="features per page; capped")] = 500,
) -> SiteFeatureCollection:
    """Site boundaries as a GeoJSON FeatureCollection (positions are [lon, lat])."""
    limit = min(limit, get_settings().geojson_limit_max)
    rows, next_cursor = await queries.page(session, stmt, Site, cursor=cursor, limit=limit)
    features = [
        SiteFeature(
            id=s.id,
            geometry=s.boundary,
            properties=SiteProperties.model_validate(s, from_attributes=True),
        )
        for s in rows
    ]
    boxes = [(s.min_lon, s.min_lat, s.max_lon, s.max_lat) for s in rows]
    return SiteFeatureCollection(
        features=features, bbox=collection_bbox(boxes), next_cursor=next_cursor
    )


@router.post("", name="sites-create", response_model=SiteRead, status_code=201)
async def create_site(
    session: SessionDep, subject: Writer, body: SiteCreate, response: Response
) -> SiteRead:
    """Register an industrial site (khu công nghiệp); houses inside or near its boundary are
    assigned to it."""
    site = await sites_service.create_site(session, actor=subject, **body.model_dump())
    set_etag(response, site.version)
    return await site_read(session, site)


@router.get("/{site_id}", name="sites-get", response_model=SiteRead)
async def get_site(session: SessionDep, site: VisibleSite, response: Response) -> SiteRead:
    """One site with its boundary and ETag."""
    set_etag(response, site.version)
    return await site_read(session, site)


@router.patch("/{site_id}", name="sites-update", response_model=SiteRead)
async def update_site(
    session: SessionDep,
    subject: CurrentSubject,
    site: WritableSite,
    body: SiteUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> SiteRead:
    """Change a site (If-Match required); a new boundary re-assigns the houses it affects."""
    await ensure_fresh(if_match, site.version, lambda: site_read(session, site))
    site = await sites_service.update_site(
        session, actor=subject, site=site, **body.model_dump(exclude_unset=True)
    )
    set_etag(response, site.version)
    return await site_read(session, site)


@router.delete("/{site_id}", name="sites-delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_site(
    session: SessionDep,
    subject: CurrentSubject,
    site: WritableSite,
    reason: Reason,
    if_match: IfMatch = None,
) -> Response:
    """Soft-delete a site with a reason (If-Match required); its houses are re-assigned."""
    await ensure_fresh(if_match, site.version, lambda: site_read(session, site))
    await sites_service.delete_site(session, actor=subject, site=site, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

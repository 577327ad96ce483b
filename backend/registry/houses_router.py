"""Boarding-house routes: list, GeoJSON, create, read, update, soft-delete."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status
from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record_personal_read
from backend.core.config import get_settings
from backend.core.db import SessionDep
from backend.core.etag import IfMatch, set_etag
from backend.core.pagination import Page, PageDep
from backend.models import BoardingHouse, Site, Team, TeamHouse
from backend.policy import Subject, visible
from backend.policy.deps import CurrentSubject, allowed
from backend.policy.registry import current_period, sees_landlord_contact_in_bulk
from backend.registry import houses_service, queries
from backend.registry.deps import (
    BBoxDep,
    Reason,
    SearchQ,
    VisibleHouse,
    WritableHouse,
    ensure_fresh,
)
from backend.registry.geojson import (
    GeoJSONResponse,
    HouseFeature,
    HouseFeatureCollection,
    HouseProperties,
    PointGeometry,
    collection_bbox,
)
from backend.registry.schemas import HouseCreate, HouseRead, HouseStatus, HouseUpdate

router = APIRouter(prefix="/houses", tags=["registry"])
Writer = Annotated[Subject, allowed("house.write")]


async def house_reads(session: AsyncSession, houses: list[BoardingHouse]) -> list[HouseRead]:
    employers = await houses_service.employer_ids_of(session, house_ids=[h.id for h in houses])
    return [
        HouseRead.model_validate({**h.model_dump(), "employer_ids": employers[h.id]})
        for h in houses
    ]


async def house_read(session: AsyncSession, house: BoardingHouse) -> HouseRead:
    return (await house_reads(session, [house]))[0]


async def house_filters(
    session: SessionDep,
    subject: CurrentSubject,
    bbox: BBoxDep,
    q: SearchQ = None,
    admin_unit_id: Annotated[
        uuid.UUID | None, Query(description="houses in this admin unit's subtree")
    ] = None,
    union_unit_id: Annotated[
        uuid.UUID | None,
        Query(description="houses under this union unit: in its sites or covered by its teams"),
    ] = None,
    site_id: Annotated[uuid.UUID | None, Query(description="houses assigned to this site")] = None,
    team_id: Annotated[uuid.UUID | None, Query(description="houses this team covers now")] = None,
    status_: Annotated[HouseStatus | None, Query(alias="status")] = None,
):
    """The scoped, filtered house query shared by the list, the map and the printout."""
    filters = queries.Filters(
        q=q,
        admin_unit_id=admin_unit_id,
        union_unit_id=union_unit_id,
        site_id=site_id,
        team_id=team_id,
        status=status_,
        bbox=bbox,
    )
    return await queries.house_query(session, subject=subject, filters=filters)


HouseQuery = Annotated[Select, Depends(house_filters)]


@router.get("", name="houses-list", response_model=Page[HouseRead])
async def list_houses(
    session: SessionDep, subject: CurrentSubject, page: PageDep, stmt: HouseQuery
) -> Page[HouseRead]:
    """Boarding houses (nhà trọ) the caller may see, by name. Tokens are never listed, only
    `checkpoint_id`."""
    rows, next_cursor = await queries.page(
        session, stmt, BoardingHouse, cursor=page.cursor, limit=page.limit
    )
    await _log_landlords(session, subject, rows)
    return Page(items=await house_reads(session, rows), next_cursor=next_cursor)


async def _log_landlords(session, subject: Subject, rows: list[BoardingHouse]) -> None:
    # Landlords' phone numbers are personal data of third parties: each read is logged.
    await record_personal_read(
        session,
        actor=subject,
        object_type="boarding_house",
        ids=[h.id for h in rows if h.landlord_phone],
        fields=["landlord_name", "landlord_phone"],
    )


async def _popup_extras(session: AsyncSession, subject: Subject, houses: list[BoardingHouse]):
    site_ids = {h.site_id for h in houses if h.site_id}
    site_names: dict[uuid.UUID, str] = {}
    if site_ids:
        rows = await session.execute(select(Site.id, Site.name).where(Site.id.in_(site_ids)))
        site_names = {site_id: name for site_id, name in rows.all()}
    teams: dict[uuid.UUID, list[str]] = {h.id: [] for h in houses}
    if houses:
        rows = await session.execute(
            select(TeamHouse.house_id, Team.name)
            .join(Team, Team.id == TeamHouse.team_id)
            .where(
                TeamHouse.house_id.in_(list(teams)),
                current_period(TeamHouse),
                Team.deleted_at.is_(None),
                visible(subject, Team),
            )
            .order_by(Team.name)
        )
        for house_id, name in rows.all():
            teams[house_id].append(name)
    return site_names, teams


@router.get(
    "/geojson",
    name="houses-geojson",
    response_model=HouseFeatureCollection,
    response_class=GeoJSONResponse,
)
async def houses_geojson(
    session: SessionDep,
    subject: CurrentSubject,
    stmt: HouseQuery,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
    limit: Annotated[int, Query(ge=1, description="features per page; capped")] = 1000,
) -> HouseFeatureCollection:
    """Houses as GeoJSON points ([lon, lat]) with the fields a map popup needs."""
    limit = min(limit, get_settings().geojson_limit_max)
    rows, next_cursor = await queries.page(session, stmt, BoardingHouse, cursor=cursor, limit=limit)
    site_names, teams = await _popup_extras(session, subject, rows)
    contact = sees_landlord_contact_in_bulk(subject)
    hidden = {} if contact else {"landlord_name": None, "landlord_phone": None}
    features = [
        HouseFeature(
            id=h.id,
            geometry=PointGeometry(coordinates=[h.lon, h.lat]),
            properties=HouseProperties.model_validate(
                {
                    **h.model_dump(),
                    **hidden,
                    "site_name": site_names.get(h.site_id) if h.site_id else None,
                    "team_names": teams[h.id],
                }
            ),
        )
        for h in rows
    ]
    if contact:
        await _log_landlords(session, subject, rows)
    boxes = [(h.lon, h.lat, h.lon, h.lat) for h in rows]
    return HouseFeatureCollection(
        features=features, bbox=collection_bbox(boxes), next_cursor=next_cursor
    )


@router.post("", name="houses-create", response_model=HouseRead, status_code=201)
async def create_house(
    session: SessionDep, subject: Writer, body: HouseCreate, response: Response
) -> HouseRead:
    """Register a boarding house (nhà trọ) with a new checkpoint token; its site is computed from
    its location."""
    house = await houses_service.create_house(session, actor=subject, **body.model_dump())
    set_etag(response, house.version)
    return await house_read(session, house)


@router.get("/{house_id}", name="houses-get", response_model=HouseRead)
async def get_house(
    session: SessionDep, subject: CurrentSubject, house: VisibleHouse, response: Response
) -> HouseRead:
    """One house with its ETag (the checkpoint token itself is only in its QR code)."""
    await _log_landlords(session, subject, [house])
    set_etag(response, house.version)
    return await house_read(session, house)


@router.patch("/{house_id}", name="houses-update", response_model=HouseRead)
async def update_house(
    session: SessionDep,
    subject: CurrentSubject,
    house: WritableHouse,
    body: HouseUpdate,
    response: Response,
    if_match: IfMatch = None,
) -> HouseRead:
    """Change a house (If-Match required); a new location re-computes its site."""
    await ensure_fresh(if_match, house.version, lambda: house_read(session, house))
    house = await houses_service.update_house(
        session, actor=subject, house=house, **body.model_dump(exclude_unset=True)
    )
    set_etag(response, house.version)
    return await house_read(session, house)


@router.delete("/{house_id}", name="houses-delete", status_code=status.HTTP_204_NO_CONTENT)
async def delete_house(
    session: SessionDep,
    subject: CurrentSubject,
    house: WritableHouse,
    reason: Reason,
    if_match: IfMatch = None,
) -> Response:
    """Soft-delete a house with a reason (If-Match required)."""
    await ensure_fresh(if_match, house.version, lambda: house_read(session, house))
    await houses_service.delete_house(session, actor=subject, house=house, reason=reason)
    return Response(status_code=status.HTTP_204_NO_CONTENT)

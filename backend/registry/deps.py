"""Route dependencies: load the object named in the path (404 outside scope), then check the
role (403), in that order, so nothing outside the caller's scope is ever confirmed to exist."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel

from backend.core.db import SessionDep
from backend.core.errors import Forbidden, PreconditionFailed, PreconditionRequired
from backend.core.etag import check_if_match
from backend.models import BoardingHouse, Enterprise, Site
from backend.policy import authorize, get_visible
from backend.policy.deps import CurrentSubject
from backend.policy.registry import may_handle_checkpoint
from backend.registry.validation import BBox, parse_bbox


async def valid_site_id(session: SessionDep, subject: CurrentSubject, site_id: uuid.UUID) -> Site:
    """The site in the path, if the caller may see it."""
    return await get_visible(session, subject, Site, site_id)


async def valid_house_id(
    session: SessionDep, subject: CurrentSubject, house_id: uuid.UUID
) -> BoardingHouse:
    """The house in the path, if the caller may see it."""
    return await get_visible(session, subject, BoardingHouse, house_id)


async def valid_enterprise_id(
    session: SessionDep, subject: CurrentSubject, enterprise_id: uuid.UUID
) -> Enterprise:
    """The enterprise in the path, if the caller may see it."""
    return await get_visible(session, subject, Enterprise, enterprise_id)


VisibleSite = Annotated[Site, Depends(valid_site_id)]
VisibleHouse = Annotated[BoardingHouse, Depends(valid_house_id)]
VisibleEnterprise = Annotated[Enterprise, Depends(valid_enterprise_id)]


async def writable_site(site: VisibleSite, subject: CurrentSubject) -> Site:
    authorize(subject, "site.write")
    return site


async def writable_house(house: VisibleHouse, subject: CurrentSubject) -> BoardingHouse:
    authorize(subject, "house.write")
    return house


async def writable_enterprise(enterprise: VisibleEnterprise, subject: CurrentSubject) -> Enterprise:
    authorize(subject, "enterprise.write")
    return enterprise


def _checkpoint_house(action: str):
    async def dependency(
        session: SessionDep, subject: CurrentSubject, house: VisibleHouse
    ) -> BoardingHouse:
        authorize(subject, action)
        if not await may_handle_checkpoint(session, subject, house.id):
            raise Forbidden()
        return house

    return Depends(dependency)


WritableSite = Annotated[Site, Depends(writable_site)]
WritableHouse = Annotated[BoardingHouse, Depends(writable_house)]
WritableEnterprise = Annotated[Enterprise, Depends(writable_enterprise)]
# A house whose checkpoint secret the caller may handle: a writer of the house, or the
# leader (or deputy) of a team covering it now; anyone else who sees it gets 403.
CheckpointHouse = Annotated[BoardingHouse, _checkpoint_house("house.checkpoint.read")]
RotatableHouse = Annotated[BoardingHouse, _checkpoint_house("house.rotate_checkpoint")]


async def ensure_fresh(
    if_match: str | None, version: int, current: Callable[[], Awaitable[BaseModel]]
) -> None:
    """Refuse a stale or unconditional write; the 412/428 body carries the current version
    and the current representation, so a phone can merge without another round trip."""
    try:
        check_if_match(if_match, version)
    except (PreconditionFailed, PreconditionRequired) as exc:
        exc.extra["current_version"] = version
        exc.extra["current"] = (await current()).model_dump(mode="json")
        raise


def bbox_param(
    bbox: Annotated[
        str | None,
        Query(
            description="minLon,minLat,maxLon,maxLat (WGS84)",
            examples=["106.6,10.7,106.9,11.0"],
            max_length=200,
        ),
    ] = None,
) -> BBox | None:
    return parse_bbox(bbox)


BBoxDep = Annotated[BBox | None, Depends(bbox_param)]
Reason = Annotated[str, Query(min_length=3, max_length=500, description="why it is deleted")]
SearchQ = Annotated[
    str | None,
    Query(max_length=100, description="search; diacritics, case and đ/d are ignored"),
]

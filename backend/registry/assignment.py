"""House → site assignment: the containing site, else the nearest within a set distance.

Computed when a house is written, and recomputed set-wise for the houses a site change can
affect: candidates are found by bounding box in SQL (indexed), then decided exactly by shapely.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record
from backend.core.config import get_settings
from backend.models import BoardingHouse, Site, utcnow
from backend.policy import Subject
from backend.registry.geo import SiteShape, best_site, expand_bbox
from backend.registry.validation import BBox
from backend.sync.changes import record_changes


def max_distance_m() -> float:
    """How far from its boundary a site still claims a house (``TTQ_SITE_NEAREST_MAX_M``)."""
    return get_settings().site_nearest_max_m


def _overlaps(box: BBox):
    return and_(
        Site.max_lon >= box.min_lon,
        Site.min_lon <= box.max_lon,
        Site.max_lat >= box.min_lat,
        Site.min_lat <= box.max_lat,
    )


async def sites_near(session: AsyncSession, *, box: BBox, max_m: float) -> list[SiteShape]:
    """Live sites whose bounding box comes within ``max_m`` metres of ``box``."""
    reach = expand_bbox(box, max_m)
    rows = await session.execute(
        select(
            Site.id,
            Site.code,
            Site.boundary,
            Site.min_lon,
            Site.min_lat,
            Site.max_lon,
            Site.max_lat,
        ).where(Site.deleted_at.is_(None), _overlaps(reach))
    )
    return [SiteShape.from_row(*row) for row in rows.all()]


async def locate(
    session: AsyncSession, *, lon: float, lat: float
) -> tuple[uuid.UUID | None, float | None]:
    """The site a house at (lon, lat) belongs to and its distance in metres (0 inside)."""
    max_m = max_distance_m()
    sites = await sites_near(session, box=BBox(lon, lat, lon, lat), max_m=max_m)
    return best_site(sites, lon, lat, max_m)


def _in_box(box: BBox):
    return and_(
        BoardingHouse.lon.between(box.min_lon, box.max_lon),
        BoardingHouse.lat.between(box.min_lat, box.max_lat),
    )


async def reassign_houses(
    session: AsyncSession,
    *,
    actor: Subject | None,
    site_id: uuid.UUID,
    boxes: Iterable[BBox],
) -> list[uuid.UUID]:
    """Recompute the site of every house a change of ``site_id`` can affect.

    Those are the houses assigned to it now, and the houses within reach of ``boxes`` (its new
    bounding box; none when it was deleted). Call after the site row is flushed. Each house
    whose site changes gets a new version, an audit event and change-log rows before and after
    (its scope moves with its site), and so do the other sites they leave or join. Returns the
    ids of the houses that changed.
    """
    max_m = max_distance_m()
    reach = [expand_bbox(b, max_m) for b in boxes]
    stmt = select(BoardingHouse).where(
        BoardingHouse.deleted_at.is_(None),
        or_(BoardingHouse.site_id == site_id, *[_in_box(b) for b in reach]),
    )
    houses = list((await session.scalars(stmt.order_by(BoardingHouse.id))).all())
    if not houses:
        return []
    span = BBox(
        min(h.lon for h in houses),
        min(h.lat for h in houses),
        max(h.lon for h in houses),
        max(h.lat for h in houses),
    )
    sites = await sites_near(session, box=span, max_m=max_m)
    decisions = []
    for house in houses:
        new_site, metres = best_site(sites, house.lon, house.lat, max_m)
        if new_site != house.site_id or metres != house.site_distance_m:
            decisions.append((house, new_site, metres))
    if not decisions:
        return []
    # Houses that change site, and the other sites they leave or join, change who may see them
    # (a team sees the sites of its houses): change-log rows before and after for all of them.
    moving = [h for h, new_site, _ in decisions if new_site != h.site_id]
    other_ids = {h.site_id for h in moving} | {n for h, n, _ in decisions if n != h.site_id}
    other_ids -= {None, site_id}
    others = list(
        (await session.scalars(select(Site).where(Site.id.in_(other_ids)).order_by(Site.id))).all()
    )
    await record_changes(session, objs=[*moving, *others])
    now = utcnow()
    for house, new_site, metres in decisions:
        before = {"site_id": _str(house.site_id), "site_distance_m": house.site_distance_m}
        house.site_id, house.site_distance_m = new_site, metres
        house.version += 1
        house.updated_at = now
        session.add(house)
        await record(
            session,
            actor=actor,
            action="boarding_house.site_reassigned",
            object_type="boarding_house",
            object_id=house.id,
            before=before,
            after={"site_id": _str(new_site), "site_distance_m": metres},
            detail={"because_of_site": str(site_id)},
        )
    await record_changes(session, objs=[h for h, _, _ in decisions])
    await record_changes(session, objs=others)
    return [h.id for h, _, _ in decisions]


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None

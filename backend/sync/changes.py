"""The registry change log: every change to a cached object is stamped with the scope it had.

Services call ``record_change`` *before* a change that can move an object out of someone's
scope (re-assigning a house's ward, ending a team's coverage, deleting) and *after* every
change. The sync endpoint then sends a caller the current row when they may see it, or a
tombstone when they may not, but only for stamps that were in their scope: nobody learns of an
object they never had.
"""

from datetime import date
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import (
    AdminUnit,
    BoardingHouse,
    RegistryChange,
    Site,
    SiteAdminUnit,
    Team,
    TeamHouse,
    TeamMember,
    UnionUnit,
)

OBJECT_TYPES = {
    Site: "site",
    BoardingHouse: "boarding_house",
    Team: "team",
    TeamMember: "team_member",
}


async def _path(session: AsyncSession, model, unit_id) -> str | None:
    if unit_id is None:
        return None
    return await session.scalar(select(model.path).where(model.id == unit_id))


async def _team_stamps(session: AsyncSession, team_ids) -> list[dict[str, Any]]:
    stamps = []
    for team_id, union_id, admin_id in (
        await session.execute(
            select(Team.id, Team.union_unit_id, Team.admin_unit_id).where(Team.id.in_(team_ids))
        )
    ).all():
        stamps.append(
            {
                "team_id": team_id,
                "union_path": await _path(session, UnionUnit, union_id),
                "admin_path": await _path(session, AdminUnit, admin_id),
            }
        )
    return stamps


def _covering(house_ids):
    return select(TeamHouse.team_id).where(
        TeamHouse.house_id.in_(house_ids),
        or_(TeamHouse.until.is_(None), TeamHouse.until >= date.today()),
    )


async def scope_stamps(session: AsyncSession, obj) -> list[dict[str, Any]]:
    """The scope keys an object has right now (who may be caching it)."""
    if isinstance(obj, Team):
        return await _team_stamps(session, [obj.id])
    if isinstance(obj, TeamMember):
        return await _team_stamps(session, [obj.team_id])
    if isinstance(obj, BoardingHouse):
        site_union = None
        if obj.site_id:
            union_id = await session.scalar(
                select(Site.union_unit_id).where(Site.id == obj.site_id)
            )
            site_union = await _path(session, UnionUnit, union_id)
        own = {
            "admin_path": await _path(session, AdminUnit, obj.admin_unit_id),
            "site_id": obj.site_id,
            "union_path": site_union,
        }
        teams = (await session.scalars(_covering([obj.id]))).all()
        return [own, *await _team_stamps(session, set(teams))]
    if isinstance(obj, Site):
        stamps: list[dict[str, Any]] = [
            {"site_id": obj.id, "union_path": await _path(session, UnionUnit, obj.union_unit_id)}
        ]
        for admin_id in (
            await session.scalars(
                select(SiteAdminUnit.admin_unit_id).where(SiteAdminUnit.site_id == obj.id)
            )
        ).all():
            stamps.append({"admin_path": await _path(session, AdminUnit, admin_id)})
        houses = select(BoardingHouse.id).where(BoardingHouse.site_id == obj.id)
        teams = (await session.scalars(_covering(houses).distinct())).all()
        return stamps + await _team_stamps(session, set(teams))
    raise TypeError(f"not a cached registry object: {type(obj).__name__}")


async def record_change(session: AsyncSession, *, obj) -> None:
    """Append change-log rows for an object, one per scope stamp it has now."""
    await session.flush()
    object_type = OBJECT_TYPES[type(obj)]
    for stamp in await scope_stamps(session, obj) or [{}]:
        session.add(RegistryChange(object_type=object_type, object_id=obj.id, **stamp))

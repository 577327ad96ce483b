"""Boarding houses: create, change, soft-delete; their site follows their location."""

import uuid
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.errors import Conflict
from backend.core.text import fold
from backend.models import (
    AdminUnit,
    BoardingHouse,
    Enterprise,
    HouseEmployer,
    Site,
    Team,
    utcnow,
)
from backend.policy import Subject
from backend.policy.registry import require_team_manager
from backend.registry.assignment import locate
from backend.registry.checkpoints.tokens import new_token
from backend.registry.common import check_refs, ensure_in_scope, flush_unique, touch
from backend.registry.geo import check_location
from backend.registry.validation import (
    HOUSE_STATUSES,
    Problems,
    clean_choice,
    clean_coordinate,
    clean_count,
    clean_phone,
    clean_text,
)
from backend.sync.changes import record_change, record_changes
from backend.teams import coverage

HOUSE_FIELDS = frozenset(
    {
        "code",
        "name",
        "address",
        "admin_unit_id",
        "lat",
        "lon",
        "landlord_name",
        "landlord_phone",
        "rooms",
        "capacity",
        "tenant_count",
        "status",
        "notes",
        "employer_ids",
    }
)
_TEXT = {"code": 64, "name": 255, "address": 500, "landlord_name": 255, "notes": 2000}
_REQUIRED = {"code", "name", "address"}


async def _clean(
    session: AsyncSession,
    *,
    actor: Subject | None,
    values: dict[str, Any],
    house: BoardingHouse | None = None,
) -> dict[str, Any]:
    """Validate the given fields together; raise one 422 listing every problem."""
    unknown = set(values) - HOUSE_FIELDS
    if unknown:
        raise TypeError(f"unknown house fields: {sorted(unknown)}")
    p = Problems()
    out: dict[str, Any] = {}
    for field, max_length in _TEXT.items():
        if field in values:
            out[field] = clean_text(
                p, field, values[field], max_length=max_length, required=field in _REQUIRED
            )
    if "name" in out:
        out["name_search"] = fold(out["name"])[:255]
    if "address" in out:
        out["address_search"] = fold(out["address"])[:500]
    if "landlord_phone" in values:
        out["landlord_phone"] = clean_phone(p, "landlord_phone", values["landlord_phone"])
    for field in ("rooms", "capacity", "tenant_count"):
        if field in values:
            out[field] = clean_count(p, field, values[field])
    if "status" in values:
        out["status"] = clean_choice(p, "status", values["status"], HOUSE_STATUSES)
    if "admin_unit_id" in values:
        if values["admin_unit_id"] is None:
            p.add("admin_unit_id", "required")
        await check_refs(
            session,
            p,
            actor=None,
            model=AdminUnit,
            ids=[values["admin_unit_id"]],
            field="admin_unit_id",
            code="unknown_unit",
        )
        out["admin_unit_id"] = values["admin_unit_id"]
    if "lat" in values or "lon" in values:
        lat = values.get("lat", house.lat if house else None)
        lon = values.get("lon", house.lon if house else None)
        # Both within ±180 here: a latitude past 90 is reported by check_location as outside
        # Vietnam, with the swapped-coordinates hint when that is what happened.
        out["lat"] = clean_coordinate(p, "lat", lat, 180)
        out["lon"] = clean_coordinate(p, "lon", lon, 180)
        check_location(p, out["lon"], out["lat"])
    if "employer_ids" in values:
        ids = list(dict.fromkeys(values["employer_ids"] or []))
        await check_refs(
            session,
            p,
            actor=actor,
            model=Enterprise,
            ids=ids,
            field="employer_ids",
            code="unknown_enterprise",
        )
        out["employer_ids"] = ids
    p.raise_if_any()
    return out


async def _check_code_free(
    session: AsyncSession, code: str, house_id: uuid.UUID | None = None
) -> None:
    stmt = select(BoardingHouse.id).where(BoardingHouse.code == code)
    if house_id is not None:
        stmt = stmt.where(BoardingHouse.id != house_id)
    if await session.scalar(stmt):
        raise Conflict(
            code="code_taken", value=code, errors=[{"field": "code", "code": "code_taken"}]
        )


async def employer_ids_of(
    session: AsyncSession, *, house_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    """The live employers of each house, in one query."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in house_ids}
    if house_ids:
        rows = await session.execute(
            select(HouseEmployer.house_id, HouseEmployer.enterprise_id)
            .join(Enterprise, Enterprise.id == HouseEmployer.enterprise_id)
            .where(HouseEmployer.house_id.in_(house_ids), Enterprise.deleted_at.is_(None))
            .order_by(HouseEmployer.enterprise_id)
        )
        for house_id, enterprise_id in rows.all():
            out[house_id].append(enterprise_id)
    return out


async def _snapshot(session: AsyncSession, house: BoardingHouse) -> dict[str, Any]:
    employers = (await employer_ids_of(session, house_ids=[house.id]))[house.id]
    return snapshot(house, exclude={"name_search", "address_search"}) | {
        "employer_ids": [str(e) for e in employers]
    }


async def _set_employers(
    session: AsyncSession, house: BoardingHouse, enterprise_ids: list[uuid.UUID]
) -> None:
    await session.execute(delete(HouseEmployer).where(HouseEmployer.house_id == house.id))
    for enterprise_id in enterprise_ids:
        session.add(HouseEmployer(house_id=house.id, enterprise_id=enterprise_id))


async def _team_to_join(
    session: AsyncSession, *, actor: Subject | None, team_id: uuid.UUID
) -> Team:
    p = Problems()
    await check_refs(
        session, p, actor=actor, model=Team, ids=[team_id], field="team_id", code="unknown_team"
    )
    p.raise_if_any()
    team = await session.get(Team, team_id)
    if actor is not None:
        await require_team_manager(session, actor, team)
    return team


async def _sites(session: AsyncSession, *site_ids: uuid.UUID | None) -> list[Site]:
    ids = {i for i in site_ids if i}
    if not ids:
        return []
    return list((await session.scalars(select(Site).where(Site.id.in_(ids)))).all())


async def create_house(
    session: AsyncSession,
    *,
    actor: Subject | None,
    code: str,
    name: str,
    address: str,
    admin_unit_id: uuid.UUID,
    lat: float,
    lon: float,
    landlord_name: str | None = None,
    landlord_phone: str | None = None,
    rooms: int | None = None,
    capacity: int | None = None,
    tenant_count: int | None = None,
    status: str = "active",
    notes: str | None = None,
    employer_ids: list[uuid.UUID] | None = None,
    team_id: uuid.UUID | None = None,
) -> BoardingHouse:
    """Register a house with a fresh checkpoint token; its site is found from its location.

    ``team_id`` puts the house on that team's list at once (from today, through the teams'
    coverage service), which is how a union officer onboards a house that lies in none of
    their sites; the actor must manage that team.
    """
    values = {k: v for k, v in locals().items() if k in HOUSE_FIELDS}
    fields = await _clean(session, actor=actor, values=values)
    team = await _team_to_join(session, actor=actor, team_id=team_id) if team_id else None
    await _check_code_free(session, fields["code"])
    employers = fields.pop("employer_ids")
    house = BoardingHouse(**fields, checkpoint_token=await new_token(session))
    house.site_id, house.site_distance_m = await locate(session, lon=house.lon, lat=house.lat)
    session.add(house)
    await flush_unique(session, field="code", value=house.code)
    await _set_employers(session, house, employers)
    await record_change(session, obj=house)
    if team is not None:
        # The teams' own service: it checks the house may join, and logs the coverage.
        await coverage.add_house(session, actor=actor, team=team, house_id=house.id)
    await ensure_in_scope(
        session, actor=actor, model=BoardingHouse, obj_id=house.id, field="team_id"
    )
    await record(
        session,
        actor=actor,
        action="boarding_house.create",
        object_type="boarding_house",
        object_id=house.id,
        after=await _snapshot(session, house),
        detail={"team_id": str(team_id)} if team_id else None,
    )
    return house


async def update_house(
    session: AsyncSession, *, actor: Subject | None, house: BoardingHouse, **changes: Any
) -> BoardingHouse:
    """Change a house; a new location re-decides its site."""
    fields = await _clean(session, actor=actor, values=changes, house=house)
    if not fields:
        return house
    if "code" in fields and fields["code"] != house.code:
        await _check_code_free(session, fields["code"], house.id)
    before = await _snapshot(session, house)
    new_site = house.site_id, house.site_distance_m
    if "lat" in fields:
        new_site = await locate(session, lon=fields["lon"], lat=fields["lat"])
    moves = new_site[0] != house.site_id or fields.get("admin_unit_id", house.admin_unit_id) != (
        house.admin_unit_id
    )
    # A team sees the sites of its houses: a house changing site changes both sites' reach.
    sites = (
        await _sites(session, house.site_id, new_site[0]) if new_site[0] != house.site_id else []
    )
    if moves:
        await record_changes(session, objs=[house, *sites])
    employers = fields.pop("employer_ids", None)
    for key, value in fields.items():
        setattr(house, key, value)
    house.site_id, house.site_distance_m = new_site
    if employers is not None:
        await _set_employers(session, house, employers)
    touch(house)
    session.add(house)
    await flush_unique(session, field="code", value=house.code)
    if moves:
        await ensure_in_scope(
            session, actor=actor, model=BoardingHouse, obj_id=house.id, field="admin_unit_id"
        )
    await record_changes(session, objs=[house, *sites])
    await record(
        session,
        actor=actor,
        action="boarding_house.update",
        object_type="boarding_house",
        object_id=house.id,
        before=before,
        after=await _snapshot(session, house),
    )
    return house


async def delete_house(
    session: AsyncSession, *, actor: Subject | None, house: BoardingHouse, reason: str
) -> None:
    """Soft-delete a house, keeping its history and its scans' meaning."""
    p = Problems()
    reason_text = clean_text(p, "reason", reason, max_length=500, required=True)
    p.raise_if_any()
    before = await _snapshot(session, house)
    touched = [house, *await _sites(session, house.site_id)]
    await record_changes(session, objs=touched)
    house.deleted_at = utcnow()
    house.delete_reason = reason_text
    touch(house)
    session.add(house)
    await record_changes(session, objs=touched)
    await record(
        session,
        actor=actor,
        action="boarding_house.delete",
        object_type="boarding_house",
        object_id=house.id,
        before=before,
        detail={"reason": reason_text},
    )


async def get_house_by_code(session: AsyncSession, *, code: str) -> BoardingHouse | None:
    """The live house with this code (re-imports update by it), or None."""
    stmt = select(BoardingHouse).where(
        BoardingHouse.code == code, BoardingHouse.deleted_at.is_(None)
    )
    return (await session.scalars(stmt)).first()

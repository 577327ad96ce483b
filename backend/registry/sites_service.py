"""Sites (KCN, KCX, …): create, change, soft-delete; houses follow their boundary."""

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.audit.service import record, snapshot
from backend.core.config import get_settings
from backend.core.errors import Conflict
from backend.core.text import fold
from backend.models import (
    AdminUnit,
    BoardingHouse,
    Enterprise,
    Site,
    SiteAdminUnit,
    UnionUnit,
    utcnow,
)
from backend.policy import Subject
from backend.registry.assignment import reassign_houses
from backend.registry.common import check_refs, flush_unique, touch
from backend.registry.geo import parse_boundary
from backend.registry.validation import (
    SITE_KINDS,
    Problems,
    clean_choice,
    clean_email,
    clean_phone,
    clean_text,
)
from backend.sync.changes import record_change, record_changes

SITE_FIELDS = frozenset(
    {
        "code",
        "name",
        "kind",
        "boundary",
        "admin_unit_ids",
        "union_unit_id",
        "board_name",
        "board_phone",
        "board_email",
    }
)
# Changing these can move the site (and its houses) in or out of someone's scope.
_SCOPE_FIELDS = frozenset({"boundary", "admin_unit_ids", "union_unit_id"})


async def _clean(
    session: AsyncSession, *, actor: Subject | None, values: dict[str, Any]
) -> dict[str, Any]:
    """Validate the given fields together; raise one 422 listing every problem."""
    unknown = set(values) - SITE_FIELDS
    if unknown:
        raise TypeError(f"unknown site fields: {sorted(unknown)}")
    p = Problems()
    out: dict[str, Any] = {}
    if "code" in values:
        out["code"] = clean_text(p, "code", values["code"], max_length=64, required=True)
    if "name" in values:
        out["name"] = clean_text(p, "name", values["name"], max_length=255, required=True)
        out["name_search"] = fold(out["name"])[:255]
    if "kind" in values:
        out["kind"] = clean_choice(p, "kind", values["kind"], SITE_KINDS)
    if "boundary" in values:
        if values["boundary"] is None:
            p.add("boundary", "required")
        else:
            max_points = get_settings().site_boundary_max_points
            out["boundary"] = parse_boundary(p, values["boundary"], max_points=max_points)
    if "admin_unit_ids" in values:
        ids = list(dict.fromkeys(values["admin_unit_ids"] or []))
        await check_refs(
            session,
            p,
            actor=None,
            model=AdminUnit,
            ids=ids,
            field="admin_unit_ids",
            code="unknown_unit",
        )
        out["admin_unit_ids"] = ids
    if "union_unit_id" in values:
        await check_refs(
            session,
            p,
            actor=actor,
            model=UnionUnit,
            ids=[values["union_unit_id"]],
            field="union_unit_id",
            code="unknown_unit",
        )
        out["union_unit_id"] = values["union_unit_id"]
    if "board_name" in values:
        out["board_name"] = clean_text(p, "board_name", values["board_name"], max_length=255)
    if "board_phone" in values:
        out["board_phone"] = clean_phone(p, "board_phone", values["board_phone"])
    if "board_email" in values:
        out["board_email"] = clean_email(p, "board_email", values["board_email"])
    p.raise_if_any()
    return out


async def _check_code_free(session: AsyncSession, code: str, site_id: uuid.UUID | None) -> None:
    stmt = select(Site.id).where(Site.code == code)
    if site_id is not None:
        stmt = stmt.where(Site.id != site_id)
    if await session.scalar(stmt):
        raise Conflict(
            code="code_taken", value=code, errors=[{"field": "code", "code": "code_taken"}]
        )


async def admin_unit_ids_of(session: AsyncSession, *, site_ids: list[uuid.UUID]):
    """The admin units of each site, in one query."""
    out: dict[uuid.UUID, list[uuid.UUID]] = {i: [] for i in site_ids}
    if site_ids:
        rows = await session.execute(
            select(SiteAdminUnit.site_id, SiteAdminUnit.admin_unit_id)
            .where(SiteAdminUnit.site_id.in_(site_ids))
            .order_by(SiteAdminUnit.admin_unit_id)
        )
        for site_id, unit_id in rows.all():
            out[site_id].append(unit_id)
    return out


async def _snapshot(session: AsyncSession, site: Site) -> dict[str, Any]:
    units = (await admin_unit_ids_of(session, site_ids=[site.id]))[site.id]
    return snapshot(site, exclude={"name_search"}) | {"admin_unit_ids": [str(u) for u in units]}


async def _set_admin_units(session: AsyncSession, site: Site, unit_ids: list[uuid.UUID]) -> None:
    await session.execute(delete(SiteAdminUnit).where(SiteAdminUnit.site_id == site.id))
    for unit_id in unit_ids:
        session.add(SiteAdminUnit(site_id=site.id, admin_unit_id=unit_id))


def _apply(site: Site, fields: dict[str, Any]) -> None:
    for key, value in fields.items():
        if key == "boundary":
            site.boundary = value.geojson
            b = value.bbox
            site.min_lon, site.min_lat, site.max_lon, site.max_lat = (
                b.min_lon,
                b.min_lat,
                b.max_lon,
                b.max_lat,
            )
        elif key != "admin_unit_ids":
            setattr(site, key, value)


async def create_site(
    session: AsyncSession,
    *,
    actor: Subject | None,
    code: str,
    name: str,
    kind: str,
    boundary: dict[str, Any],
    admin_unit_ids: list[uuid.UUID] | None = None,
    union_unit_id: uuid.UUID | None = None,
    board_name: str | None = None,
    board_phone: str | None = None,
    board_email: str | None = None,
) -> Site:
    """Register a site; houses in or near its boundary move to it."""
    fields = await _clean(
        session,
        actor=actor,
        values={
            "code": code,
            "name": name,
            "kind": kind,
            "boundary": boundary,
            "admin_unit_ids": admin_unit_ids,
            "union_unit_id": union_unit_id,
            "board_name": board_name,
            "board_phone": board_phone,
            "board_email": board_email,
        },
    )
    await _check_code_free(session, fields["code"], None)
    site = Site(
        code="",
        name="",
        name_search="",
        kind="",
        boundary={},
        min_lon=0,
        min_lat=0,
        max_lon=0,
        max_lat=0,
    )
    _apply(site, fields)
    session.add(site)
    await flush_unique(session, field="code", value=site.code)
    await _set_admin_units(session, site, fields["admin_unit_ids"])
    await session.flush()
    moved = await reassign_houses(
        session, actor=actor, site_id=site.id, boxes=[fields["boundary"].bbox]
    )
    await record_change(session, obj=site)
    await record(
        session,
        actor=actor,
        action="site.create",
        object_type="site",
        object_id=site.id,
        after=await _snapshot(session, site),
        detail={"houses_reassigned": len(moved)} if moved else None,
    )
    return site


async def update_site(
    session: AsyncSession, *, actor: Subject | None, site: Site, **changes: Any
) -> Site:
    """Change a site; a new boundary re-decides the site of every house it can affect."""
    fields = await _clean(session, actor=actor, values=changes)
    if not fields:
        return site
    if "code" in fields and fields["code"] != site.code:
        await _check_code_free(session, fields["code"], site.id)
    before = await _snapshot(session, site)
    # A house's scope stamp carries its site's union: officers who saw the houses through the
    # site must get tombstones, and the new union's officers the houses, in their sync.
    houses = (
        await _live_houses(session, site.id)
        if fields.get("union_unit_id", site.union_unit_id) != site.union_unit_id
        else []
    )
    if _SCOPE_FIELDS & fields.keys():
        await record_changes(session, objs=[site, *houses])
    _apply(site, fields)
    if "admin_unit_ids" in fields:
        await _set_admin_units(session, site, fields["admin_unit_ids"])
    touch(site)
    session.add(site)
    await flush_unique(session, field="code", value=site.code)
    moved: list[uuid.UUID] = []
    if "boundary" in fields:
        moved = await reassign_houses(
            session, actor=actor, site_id=site.id, boxes=[fields["boundary"].bbox]
        )
    await record_changes(session, objs=[site, *houses])
    await record(
        session,
        actor=actor,
        action="site.update",
        object_type="site",
        object_id=site.id,
        before=before,
        after=await _snapshot(session, site),
        detail={"houses_reassigned": [str(h) for h in moved]} if moved else None,
    )
    return site


async def delete_site(
    session: AsyncSession, *, actor: Subject | None, site: Site, reason: str
) -> None:
    """Soft-delete a site without live enterprises; its houses move to another site or none."""
    live = await session.scalar(
        select(func.count())
        .select_from(Enterprise)
        .where(Enterprise.site_id == site.id, Enterprise.deleted_at.is_(None))
    )
    if live:
        raise Conflict(code="has_enterprises", enterprises=live)
    p = Problems()
    reason_text = clean_text(p, "reason", reason, max_length=500, required=True)
    p.raise_if_any()
    before = await _snapshot(session, site)
    await record_change(session, obj=site)
    site.deleted_at = utcnow()
    site.delete_reason = reason_text
    touch(site)
    session.add(site)
    await session.flush()
    moved = await reassign_houses(session, actor=actor, site_id=site.id, boxes=[])
    await record_change(session, obj=site)
    await record(
        session,
        actor=actor,
        action="site.delete",
        object_type="site",
        object_id=site.id,
        before=before,
        detail={"reason": reason_text, "houses_reassigned": [str(h) for h in moved]},
    )


async def _live_houses(session: AsyncSession, site_id: uuid.UUID) -> list[BoardingHouse]:
    stmt = select(BoardingHouse).where(
        BoardingHouse.site_id == site_id, BoardingHouse.deleted_at.is_(None)
    )
    return list((await session.scalars(stmt.order_by(BoardingHouse.id))).all())


async def get_site_by_code(session: AsyncSession, *, code: str) -> Site | None:
    """The live site with this code (re-imports update by it), or None."""
    return (
        await session.scalars(select(Site).where(Site.code == code, Site.deleted_at.is_(None)))
    ).first()

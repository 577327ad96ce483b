"""The registry change log: every change to a cached object is stamped with the scope it had.

Services call ``record_change`` *before* a change that can move an object out of someone's
scope (re-assigning a house's ward, ending a team's coverage, deleting) and *after* every
change. The sync endpoint then sends a caller the current row when they may see it, or a
tombstone when they may not, but only for stamps that were in their scope: nobody learns of an
object they never had.

Cursor safety: a phone's cursor is the id of the last change it has seen, so ids must become
visible in id order. On PostgreSQL two transactions could otherwise commit their sequence
values out of order (id 100 committed after a reader already saw 101) and a phone would skip
100 for ever; writers of the change log therefore serialise on a transaction-level advisory
lock taken before they draw ids. SQLite has one writer at a time anyway.
"""

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
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
    utcnow,
)

OBJECT_TYPES = {
    Site: "site",
    BoardingHouse: "boarding_house",
    Team: "team",
    TeamMember: "team_member",
}
# Any constant works; it only has to be the same for every writer of the change log.
CHANGE_LOG_LOCK_KEY = 0x545451_0003
_LOCK_INFO_KEY = "registry_change_lock_tx"


async def _serialise_writers(session: AsyncSession) -> None:
    """Hold the change-log lock until this transaction ends (PostgreSQL; once per transaction)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.sync_session.get_transaction()
    if transaction is None or session.info.get(_LOCK_INFO_KEY) is transaction:
        return
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOG_LOCK_KEY})
    session.info[_LOCK_INFO_KEY] = transaction


async def high_water_mark(session: AsyncSession) -> int:
    """The id of the newest committed change (0 for an empty log): a safe cursor to hand out."""
    return int(await session.scalar(select(func.coalesce(func.max(RegistryChange.id), 0))) or 0)


def _current_cover() -> Any:
    """Coverage in effect today (``until`` is the first day not covered)."""
    return or_(TeamHouse.until.is_(None), TeamHouse.until > clock.today())


async def _team_stamps(session: AsyncSession, team_ids: Iterable[uuid.UUID]) -> list[dict]:
    ids = list(team_ids)
    if not ids:
        return []
    rows = await session.execute(
        select(Team.id, UnionUnit.path, AdminUnit.path)
        .outerjoin(UnionUnit, UnionUnit.id == Team.union_unit_id)
        .outerjoin(AdminUnit, AdminUnit.id == Team.admin_unit_id)
        .where(Team.id.in_(ids))
    )
    return [
        {"team_id": team_id, "union_path": union_path, "admin_path": admin_path}
        for team_id, union_path, admin_path in rows.all()
    ]


_CHUNK = 500  # ids per IN list: far below every driver's bound-parameter limit


def _chunks(ids: list) -> list[list]:
    return [ids[i : i + _CHUNK] for i in range(0, len(ids), _CHUNK)]


async def _paths(session: AsyncSession, model, unit_ids: Iterable[Any]) -> dict[Any, str]:
    """Materialized path of each unit, in one query per chunk."""
    out: dict[Any, str] = {}
    for chunk in _chunks(list({i for i in unit_ids if i is not None})):
        rows = await session.execute(select(model.id, model.path).where(model.id.in_(chunk)))
        out.update(tuple(row) for row in rows.all())
    return out


async def _team_stamps_by_id(session: AsyncSession, team_ids: Iterable[Any]) -> dict[Any, dict]:
    out: dict[Any, dict] = {}
    for chunk in _chunks(list(set(team_ids))):
        out.update((s["team_id"], s) for s in await _team_stamps(session, chunk))
    return out


async def _covering_teams(session: AsyncSession, key, house_filter) -> dict[Any, list]:
    """Teams covering houses today, grouped by ``key`` (the house id or the house's site)."""
    rows = await session.execute(
        select(key, TeamHouse.team_id)
        .join(BoardingHouse, BoardingHouse.id == TeamHouse.house_id)
        .where(house_filter, _current_cover())
        .distinct()
    )
    out: dict[Any, list] = {}
    for group, team_id in rows.all():
        out.setdefault(group, []).append(team_id)
    return out


async def _houses_stamps(session: AsyncSession, houses: list[BoardingHouse]) -> list[list[dict]]:
    admin = await _paths(session, AdminUnit, (h.admin_unit_id for h in houses))
    site_union: dict[Any, str] = {}
    for chunk in _chunks(list({h.site_id for h in houses if h.site_id})):
        rows = await session.execute(
            select(Site.id, UnionUnit.path)
            .join(UnionUnit, Site.union_unit_id == UnionUnit.id)
            .where(Site.id.in_(chunk))
        )
        site_union.update(tuple(row) for row in rows.all())
    teams: dict[Any, list] = {}
    for chunk in _chunks(list({h.id for h in houses})):
        teams |= await _covering_teams(session, BoardingHouse.id, BoardingHouse.id.in_(chunk))
    team_stamps = await _team_stamps_by_id(session, (t for ts in teams.values() for t in ts))
    return [
        [
            {
                "admin_path": admin.get(h.admin_unit_id),
                "site_id": h.site_id,
                "union_path": site_union.get(h.site_id),
            },
            *(team_stamps[t] for t in teams.get(h.id, []) if t in team_stamps),
        ]
        for h in houses
    ]


async def _sites_stamps(session: AsyncSession, sites: list[Site]) -> list[list[dict]]:
    union = await _paths(session, UnionUnit, (s.union_unit_id for s in sites))
    admin: dict[Any, list[str]] = {}
    teams: dict[Any, list] = {}
    for chunk in _chunks(list({s.id for s in sites})):
        rows = await session.execute(
            select(SiteAdminUnit.site_id, AdminUnit.path)
            .join(AdminUnit, SiteAdminUnit.admin_unit_id == AdminUnit.id)
            .where(SiteAdminUnit.site_id.in_(chunk))
        )
        for site_id, path in rows.all():
            admin.setdefault(site_id, []).append(path)
        teams |= await _covering_teams(
            session, BoardingHouse.site_id, BoardingHouse.site_id.in_(chunk)
        )
    team_stamps = await _team_stamps_by_id(session, (t for ts in teams.values() for t in ts))
    return [
        [
            {"site_id": s.id, "union_path": union.get(s.union_unit_id)},
            *({"admin_path": path} for path in admin.get(s.id, [])),
            *(team_stamps[t] for t in teams.get(s.id, []) if t in team_stamps),
        ]
        for s in sites
    ]


async def _stamps_of(session: AsyncSession, objs: list[Any]) -> list[list[dict[str, Any]]]:
    """The scope stamps of each object, a few queries per object type whatever their number."""
    by_type: dict[type, list[int]] = {}
    for index, obj in enumerate(objs):
        if type(obj) not in OBJECT_TYPES:
            raise TypeError(f"not a cached registry object: {type(obj).__name__}")
        by_type.setdefault(type(obj), []).append(index)
    out: list[list[dict[str, Any]]] = [[] for _ in objs]
    for model, indexes in by_type.items():
        group = [objs[i] for i in indexes]
        if model is BoardingHouse:
            stamps = await _houses_stamps(session, group)
        elif model is Site:
            stamps = await _sites_stamps(session, group)
        else:
            key = "id" if model is Team else "team_id"
            by_team = await _team_stamps_by_id(session, (getattr(o, key) for o in group))
            stamps = [[by_team[t]] if (t := getattr(o, key)) in by_team else [] for o in group]
        for i, obj_stamps in zip(indexes, stamps, strict=True):
            out[i] = obj_stamps
    return out


async def scope_stamps(session: AsyncSession, obj) -> list[dict[str, Any]]:
    """The scope keys an object has right now (who may be caching it)."""
    return (await _stamps_of(session, [obj]))[0]


def _unique(stamps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[tuple, dict[str, Any]] = {}
    for stamp in stamps:
        seen.setdefault(tuple(sorted((k, str(v)) for k, v in stamp.items())), stamp)
    return list(seen.values())


async def record_change(session: AsyncSession, *, obj) -> None:
    """Append change-log rows for an object, one per scope stamp it has now."""
    await record_changes(session, objs=[obj])


async def record_changes(session: AsyncSession, *, objs: Iterable[Any]) -> None:
    """``record_change`` for several objects (a team with its tree, the houses a boundary edit
    moved), set-based: the stamps of all of them are read in a few queries per object type."""
    objs = list(objs)
    if not objs:
        return
    await _serialise_writers(session)
    # The stamps are read from the database, so pending changes must be there first.
    await session.flush()
    now = utcnow()
    rows = [
        {
            "object_type": OBJECT_TYPES[type(obj)],
            "object_id": obj.id,
            "team_id": None,
            "union_path": None,
            "admin_path": None,
            "site_id": None,
            "changed_at": now,
        }
        | stamp
        for obj, stamps in zip(objs, await _stamps_of(session, objs), strict=True)
        for stamp in _unique(stamps) or [{}]
    ]
    # One executemany INSERT (no ORM objects: building thousands of them costs more than the
    # insert itself), executed now, after the flush above, so ids follow the order of calls.
    await session.execute(insert(RegistryChange), rows)


async def objects_under_unit(session: AsyncSession, model, path: str) -> list[Any]:
    """The live registry objects whose scope stamps name a unit of this subtree: what a move
    of the subtree takes out of some phones' scope and into others'."""
    units = select(model.id).where(model.path.startswith(path, autoescape=True))
    if model is UnionUnit:
        team_where = Team.union_unit_id.in_(units)
        site_where = Site.union_unit_id.in_(units)
        teams_here = select(Team.id).where(team_where, Team.deleted_at.is_(None))
        house_where = or_(
            BoardingHouse.site_id.in_(select(Site.id).where(site_where)),
            BoardingHouse.id.in_(
                select(TeamHouse.house_id).where(
                    _current_cover(), TeamHouse.team_id.in_(teams_here)
                )
            ),
        )
    else:
        team_where = Team.admin_unit_id.in_(units)
        site_where = Site.id.in_(
            select(SiteAdminUnit.site_id).where(SiteAdminUnit.admin_unit_id.in_(units))
        )
        house_where = BoardingHouse.admin_unit_id.in_(units)
    found: list[Any] = []
    for entity, where in ((Site, site_where), (BoardingHouse, house_where), (Team, team_where)):
        found += (
            await session.scalars(select(entity).where(where, entity.deleted_at.is_(None)))
        ).all()
    team_ids = [t.id for t in found if isinstance(t, Team)]
    for chunk in _chunks(team_ids):
        found += (
            await session.scalars(
                select(TeamMember).where(
                    TeamMember.team_id.in_(chunk), TeamMember.deleted_at.is_(None)
                )
            )
        ).all()
    return found

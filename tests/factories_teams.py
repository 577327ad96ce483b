"""Factories for teams, members, coverage, sites and houses: add + flush, never commit.

Sites and houses are built straight from the models (with their change-log entries), so these
tests do not depend on the registry services.
"""

import secrets
import uuid
from dataclasses import dataclass
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.text import fold
from backend.models import (
    AdminUnit,
    BoardingHouse,
    Site,
    SiteAdminUnit,
    Team,
    TeamMember,
    UnionUnit,
    User,
    UserScope,
)
from backend.sync.changes import record_change
from backend.teams import coverage, members, service
from tests.factories import make_unit, make_user

_seq = count(1)


async def make_site(
    session: AsyncSession,
    *,
    name: str = "Khu chế xuất Tân Thuận",
    union_unit: UnionUnit | None = None,
    admin_units: list[AdminUnit] = (),
    lon: float = 106.72,
    lat: float = 10.76,
) -> Site:
    d = 0.01
    ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
    site = Site(
        code=f"SITE-{next(_seq)}",
        name=name,
        name_search=fold(name),
        kind="export_processing_zone",
        boundary={"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
        min_lon=lon - d,
        min_lat=lat - d,
        max_lon=lon + d,
        max_lat=lat + d,
        union_unit_id=union_unit.id if union_unit else None,
    )
    session.add(site)
    await session.flush()
    for unit in admin_units:
        session.add(SiteAdminUnit(site_id=site.id, admin_unit_id=unit.id))
    await record_change(session, obj=site)
    return site


async def make_house(
    session: AsyncSession,
    *,
    admin_unit: AdminUnit,
    name: str | None = None,
    site: Site | None = None,
    lon: float = 106.72,
    lat: float = 10.76,
) -> BoardingHouse:
    n = next(_seq)
    name = name or f"Nhà trọ Hòa Bình {n}"
    address = f"{n} đường Huỳnh Tấn Phát"
    house = BoardingHouse(
        code=f"NT-{n}",
        name=name,
        name_search=fold(name),
        address=address,
        address_search=fold(address),
        admin_unit_id=admin_unit.id,
        lat=lat,
        lon=lon,
        site_id=site.id if site else None,
        checkpoint_token=secrets.token_urlsafe(24),
    )
    session.add(house)
    await record_change(session, obj=house)
    return house


async def make_team(
    session: AsyncSession,
    *,
    union_unit: UnionUnit,
    admin_unit: AdminUnit,
    name: str | None = None,
    code: str | None = None,
) -> Team:
    return await service.create_team(
        session,
        actor=None,
        name=name or f"Tổ tự quản số {next(_seq)}",
        code=code,
        union_unit_id=union_unit.id,
        admin_unit_id=admin_unit.id,
    )


async def add_member(
    session: AsyncSession,
    team: Team,
    *,
    user: User | None = None,
    role: str = "member",
    full_name: str | None = None,
    phone: str | None = None,
) -> TeamMember:
    return await members.add_member(
        session,
        actor=None,
        team=team,
        user_id=user.id if user else None,
        full_name=full_name or (None if user else f"Tổ viên {next(_seq)}"),
        phone=phone,
        role=role,
    )


async def cover(session: AsyncSession, team: Team, house: BoardingHouse):
    return await coverage.add_house(session, actor=None, team=team, house_id=house.id)


async def make_liaison(session: AsyncSession, *, admin_units=(), sites=()) -> User:
    user = await make_user(session, role="police_liaison", units=list(admin_units))
    for site in sites:
        session.add(UserScope(user_id=user.id, site_id=site.id))
    await session.flush()
    return user


@dataclass
class World:
    """Two wards, two union branches, a team in each, houses, and one account per role."""

    city: AdminUnit
    ward_a: AdminUnit
    ward_b: AdminUnit
    fed: UnionUnit
    union_x: UnionUnit
    grassroots_x: UnionUnit
    union_y: UnionUnit
    grassroots_y: UnionUnit
    site_a: Site
    team_a: Team
    team_b: Team
    house_a1: BoardingHouse
    house_a2: BoardingHouse
    house_b1: BoardingHouse
    house_free_a: BoardingHouse  # in ward A, covered by nobody
    admin: User
    city_officer: User
    officer_x: User
    officer_y: User
    police_a: User
    leader_a: User
    member_a: User
    leader_b: User
    leader_a_row: TeamMember
    member_a_row: TeamMember


async def make_world(session: AsyncSession) -> World:
    tag = uuid.uuid4().hex[:4]
    city = await make_unit(session, AdminUnit, f"Thành phố {tag}", level="Thành phố")
    ward_a = await make_unit(session, AdminUnit, "Phường Tân Thuận", parent=city, level="Phường")
    ward_b = await make_unit(session, AdminUnit, "Phường Linh Xuân", parent=city, level="Phường")
    fed = await make_unit(session, UnionUnit, "LĐLĐ Thành phố")
    union_x = await make_unit(session, UnionUnit, "Công đoàn KCX", parent=fed)
    grassroots_x = await make_unit(session, UnionUnit, "CĐCS Nidec", parent=union_x)
    union_y = await make_unit(session, UnionUnit, "LĐLĐ khu vực Thủ Đức", parent=fed)
    grassroots_y = await make_unit(session, UnionUnit, "CĐCS Freetrend", parent=union_y)
    site_a = await make_site(session, union_unit=union_x, admin_units=[ward_a])
    team_a = await make_team(
        session, union_unit=grassroots_x, admin_unit=ward_a, name="Tổ tự quản Tân Thuận Đông"
    )
    team_b = await make_team(
        session, union_unit=grassroots_y, admin_unit=ward_b, name="Tổ tự quản Linh Trung"
    )
    house_a1 = await make_house(session, admin_unit=ward_a, site=site_a, name="Nhà trọ Hòa Bình")
    house_a2 = await make_house(session, admin_unit=ward_a, name="Nhà trọ Đức Thành")
    house_b1 = await make_house(session, admin_unit=ward_b, name="Nhà trọ Linh Trung")
    house_free_a = await make_house(session, admin_unit=ward_a, name="Nhà trọ Cô Ba")
    for team, house in ((team_a, house_a1), (team_a, house_a2), (team_b, house_b1)):
        await cover(session, team, house)
    leader_a = await make_user(session, role="team_leader")
    member_a = await make_user(session, role="team_member")
    leader_b = await make_user(session, role="team_leader")
    leader_a_row = await add_member(session, team_a, user=leader_a, role="leader")
    member_a_row = await add_member(session, team_a, user=member_a)
    await add_member(session, team_b, user=leader_b, role="leader")
    return World(
        city=city,
        ward_a=ward_a,
        ward_b=ward_b,
        fed=fed,
        union_x=union_x,
        grassroots_x=grassroots_x,
        union_y=union_y,
        grassroots_y=grassroots_y,
        site_a=site_a,
        team_a=team_a,
        team_b=team_b,
        house_a1=house_a1,
        house_a2=house_a2,
        house_b1=house_b1,
        house_free_a=house_free_a,
        admin=await make_user(session, role="system_admin"),
        city_officer=await make_user(session, role="city_union_officer"),
        officer_x=await make_user(session, role="union_officer", units=[union_x]),
        officer_y=await make_user(session, role="union_officer", units=[union_y]),
        police_a=await make_liaison(session, admin_units=[ward_a]),
        leader_a=leader_a,
        member_a=member_a,
        leader_b=leader_b,
        leader_a_row=leader_a_row,
        member_a_row=member_a_row,
    )

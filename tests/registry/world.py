"""A small city for registry tests: two wards, two union branches, two sites, two teams,
houses inside, near and far from the sites, enterprises, and one account per role."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from backend.models import AdminUnit, BoardingHouse, Enterprise, Site, Team, UnionUnit, User
from tests.factories import make_unit, make_user
from tests.factories_registry import make_enterprise, make_house, make_site, offset
from tests.factories_teams import add_member, make_liaison, make_team

A = (106.75, 10.90)  # centre of site A (Bình Dương-ish)
B = (106.80, 10.97)  # centre of site B, ~9 km away


@dataclass
class World:
    ward_a: AdminUnit
    ward_b: AdminUnit
    union_x: UnionUnit
    union_y: UnionUnit
    site_a: Site
    site_b: Site
    team_a: Team
    team_b: Team
    h_a1: BoardingHouse  # inside site A, team A
    h_a2: BoardingHouse  # 1 km outside site A's edge: assigned to it as nearest, team A
    h_b1: BoardingHouse  # inside site B, team B
    h_far: BoardingHouse  # ward B, far from every site, no team
    e_a: Enterprise
    e_b: Enterprise
    admin: User
    city_officer: User
    officer_x: User
    officer_y: User
    police_a: User
    leader_a: User
    member_a: User
    leader_b: User


async def make_world(session: AsyncSession) -> World:
    city = await make_unit(session, AdminUnit, "Thành phố Dĩ An", level="Thành phố")
    ward_a = await make_unit(session, AdminUnit, "Phường Tân Đông Hiệp", parent=city)
    ward_b = await make_unit(session, AdminUnit, "Phường Bình An", parent=city)
    fed = await make_unit(session, UnionUnit, "LĐLĐ tỉnh")
    union_x = await make_unit(session, UnionUnit, "Công đoàn KCN Sóng Thần", parent=fed)
    grassroots_x = await make_unit(session, UnionUnit, "CĐCS Nidec", parent=union_x)
    union_y = await make_unit(session, UnionUnit, "LĐLĐ Dĩ An", parent=fed)
    grassroots_y = await make_unit(session, UnionUnit, "CĐCS Pouyuen", parent=union_y)
    site_a = await make_site(
        session,
        name="KCN Sóng Thần",
        lon=A[0],
        lat=A[1],
        union_unit=union_x,
        admin_units=[ward_a],
    )
    site_b = await make_site(
        session,
        name="KCN Bình An",
        lon=B[0],
        lat=B[1],
        union_unit=union_y,
        admin_units=[ward_b],
    )
    team_a = await make_team(session, union_unit=grassroots_x, admin_unit=ward_a, name="Tổ A")
    team_b = await make_team(session, union_unit=grassroots_y, admin_unit=ward_b, name="Tổ B")
    near_a = offset(*A, east_m=1500)  # 1 km beyond the square's east edge (half side 500 m)
    far = offset(*B, north_m=15_000)
    h_a1 = await make_house(
        session,
        admin_unit=ward_a,
        name="Nhà trọ Hòa Bình",
        lon=A[0],
        lat=A[1],
        team=team_a,
        address="12 đường Độc Lập, khu phố Đông Tác",
    )
    h_a2 = await make_house(
        session,
        admin_unit=ward_a,
        name="Nhà trọ Đức Thành",
        lon=near_a[0],
        lat=near_a[1],
        team=team_a,
    )
    h_b1 = await make_house(
        session, admin_unit=ward_b, name="Nhà trọ Bình An", lon=B[0], lat=B[1], team=team_b
    )
    h_far = await make_house(
        session, admin_unit=ward_b, name="Nhà trọ Cô Ba", lon=far[0], lat=far[1]
    )
    leader_a = await make_user(session, role="team_leader")
    member_a = await make_user(session, role="team_member")
    leader_b = await make_user(session, role="team_leader")
    await add_member(session, team_a, user=leader_a, role="leader")
    await add_member(session, team_a, user=member_a)
    await add_member(session, team_b, user=leader_b, role="leader")
    return World(
        ward_a=ward_a,
        ward_b=ward_b,
        union_x=union_x,
        union_y=union_y,
        site_a=site_a,
        site_b=site_b,
        team_a=team_a,
        team_b=team_b,
        h_a1=h_a1,
        h_a2=h_a2,
        h_b1=h_b1,
        h_far=h_far,
        e_a=await make_enterprise(session, site=site_a, name="Công ty TNHH Nidec Việt Nam"),
        e_b=await make_enterprise(session, site=site_b, name="Công ty Pouyuen Đồng Nai"),
        admin=await make_user(session, role="system_admin"),
        city_officer=await make_user(session, role="city_union_officer"),
        officer_x=await make_user(session, role="union_officer", units=[union_x]),
        officer_y=await make_user(session, role="union_officer", units=[union_y]),
        police_a=await make_liaison(session, admin_units=[ward_a]),
        leader_a=leader_a,
        member_a=member_a,
        leader_b=leader_b,
    )

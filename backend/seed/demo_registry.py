"""Demo registry: three real HCMC zones, ~30 boarding houses, 4 teams with members, police
jurisdictions. Idempotent: everything is found by its code (or person) before it is created.

Boundaries are simplified outlines around the real zones (Tân Thuận EPZ in the former
District 7, Linh Trung I EPZ in Thủ Đức, VSIP I in Thuận An); houses sit just outside them,
where workers actually rent, and are assigned to the nearest zone by the registry service.
"""

import math
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock, pii
from backend.models import Team, TeamMember, User, UserScope
from backend.policy.registry import current_period
from backend.registry import houses_service, sites_service
from backend.teams import coverage, jurisdictions, members, service

# (code, name, kind, union code, admin code, outline as (lon, lat))
SITES = [
    (
        "KCX-TANTHUAN",
        "Khu chế xuất Tân Thuận",
        "export_processing_zone",
        "CD-KCXKCN",
        "79-P-TANTHUAN",
        [(106.7185, 10.7600), (106.7330, 10.7585), (106.7355, 10.7680), (106.7260, 10.7725)],
    ),
    (
        "KCX-LINHTRUNG1",
        "Khu chế xuất Linh Trung I",
        "export_processing_zone",
        "CD-KCXKCN",
        "79-P-LINHXUAN",
        [(106.7690, 10.8640), (106.7815, 10.8635), (106.7830, 10.8720), (106.7740, 10.8765)],
    ),
    (
        "KCN-VSIP1",
        "Khu công nghiệp Việt Nam - Singapore (VSIP I)",
        "industrial_zone",
        "LDLD-KV-THUANAN",
        "79-P-THUANAN",
        [(106.6960, 10.9150), (106.7180, 10.9140), (106.7210, 10.9300), (106.7100, 10.9400)],
    ),
]
# How a house names its zone in brackets: "Nhà trọ Hòa Bình (VSIP I)". Written out, because
# the last word of the zone's name is no name ("(I))" from "(VSIP I)", "(Thuận)").
SITE_SHORT_NAMES = {
    "KCX-TANTHUAN": "KCX Tân Thuận",
    "KCX-LINHTRUNG1": "KCX Linh Trung I",
    "KCN-VSIP1": "VSIP I",
}
HOUSE_NAMES = [
    "Nhà trọ Hòa Bình",
    "Nhà trọ Phúc Lộc",
    "Khu trọ Bà Năm",
    "Nhà trọ Thanh Xuân",
    "Khu trọ Công Nhân",
    "Nhà trọ Minh Châu",
    "Nhà trọ Đức Thịnh",
    "Khu trọ Kim Ngân",
    "Nhà trọ Hạnh Phúc",
    "Nhà trọ Tường Vy",
]
STREETS = {
    "KCX-TANTHUAN": ["Huỳnh Tấn Phát", "Bùi Văn Ba", "Đường số 15"],
    "KCX-LINHTRUNG1": ["Đường số 9", "Hoàng Diệu 2", "Đường Linh Trung"],
    "KCN-VSIP1": ["Đường Bình Hòa 19", "Đại lộ Bình Dương", "Đường Thuận Giao 21"],
}
# (code, name, grassroots union, admin unit, founded, gps, site, house numbers 1..10)
TEAMS = [
    (
        "TTQ-TT-01",
        "Tổ tự quản khu trọ Tân Thuận Đông",
        "CDCS-NIDEC",
        "79-P-TANTHUAN",
        date(2023, 5, 15),
        False,
        "KCX-TANTHUAN",
        range(1, 7),
    ),
    (
        "TTQ-LT-01",
        "Tổ tự quản khu trọ Linh Trung",
        "CDCS-NIDEC",
        "79-P-LINHXUAN",
        date(2022, 9, 1),
        False,
        "KCX-LINHTRUNG1",
        range(1, 8),
    ),
    (
        "TTQ-VS-01",
        "Tổ tự quản khu trọ Bình Hòa (VSIP I)",
        "CDCS-POUYUEN",
        "79-P-THUANAN",
        date(2021, 11, 20),
        True,
        "KCN-VSIP1",
        range(1, 6),
    ),
    (
        "TTQ-VS-02",
        "Tổ tự quản khu trọ Thuận Giao",
        "CDCS-FREETREND",
        "79-P-THUANAN",
        date(2024, 2, 10),
        False,
        "KCN-VSIP1",
        range(6, 11),
    ),
]
# team code -> (role, full name, phone or demo account phone); "@" marks a demo account.
MEMBERS = {
    "TTQ-TT-01": [
        ("leader", "Lê Văn Tâm", "0938100001"),
        ("deputy", "Nguyễn Thị Hồng", "0938100002"),
        ("member", "Trần Văn Lực", "0938100003"),
        ("member", "Phạm Thị Lan", None),
    ],
    "TTQ-LT-01": [
        ("leader", "Đặng Văn Hải", "0938200001"),
        ("deputy", "Bùi Thị Thu", "0938200002"),
        ("member", "Hồ Văn Phúc", "0938200003"),
    ],
    "TTQ-VS-01": [
        ("leader", "@", "0901000005"),
        ("deputy", "Ngô Thị Kim", "0938300002"),
        ("member", "@", "0901000006"),
        ("member", "Lý Văn Sơn", "0938300004"),
    ],
    "TTQ-VS-02": [
        ("leader", "Trịnh Văn Quang", "0938400001"),
        ("member", "Đỗ Thị Mỹ", "0938400002"),
        ("member", "Mai Văn Tài", None),
    ],
}
# liaison phone -> site codes they answer for (besides their ward, given at account creation)
SITE_JURISDICTIONS = {"0901000004": ["KCN-VSIP1"], "0901000007": ["KCX-TANTHUAN"]}


def _e164(phone: str) -> str:
    return "+84" + phone[1:]


def _house_points(outline: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Ten points on a ring just outside the outline (within the nearest-site distance)."""
    lon0 = sum(p[0] for p in outline) / len(outline)
    lat0 = sum(p[1] for p in outline) / len(outline)
    radius = max(math.dist((lon0, lat0), p) for p in outline) + 0.003
    return [
        (
            round(lon0 + radius * math.cos(2 * math.pi * i / 10), 6),
            round(lat0 + radius * math.sin(2 * math.pi * i / 10), 6),
        )
        for i in range(10)
    ]


async def _sites_and_houses(session: AsyncSession, units: dict[str, Any]) -> dict[str, Any]:
    houses: dict[str, Any] = {}
    for s, (code, name, kind, union, admin, outline) in enumerate(SITES, start=1):
        if await sites_service.get_site_by_code(session, code=code) is None:
            ring = [list(p) for p in outline]
            await sites_service.create_site(
                session,
                actor=None,
                code=code,
                name=name,
                kind=kind,
                boundary={"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                admin_unit_ids=[units[admin].id],
                union_unit_id=units[union].id,
                board_name=f"Ban quản lý {name}",
            )
        for i, (lon, lat) in enumerate(_house_points(outline), start=1):
            house_code = f"{code}-NT{i:02d}"
            house = await houses_service.get_house_by_code(session, code=house_code)
            if house is None:
                street = STREETS[code][i % 3]
                house = await houses_service.create_house(
                    session,
                    actor=None,
                    code=house_code,
                    name=f"{HOUSE_NAMES[i - 1]} ({SITE_SHORT_NAMES[code]})",
                    address=f"{10 + 7 * i} {street}",
                    admin_unit_id=units[admin].id,
                    lat=lat,
                    lon=lon,
                    landlord_name=f"Chủ trọ {HOUSE_NAMES[i - 1].split(' ')[-1]}",
                    landlord_phone=f"0903{s}{i:05d}",
                    rooms=8 + 2 * i,
                    capacity=20 + 5 * i,
                    tenant_count=15 + 4 * i,
                )
            houses[house_code] = house
    return houses


async def _team(session: AsyncSession, units: dict[str, Any], row) -> Team:
    code, name, union, admin, founded, gps, *_ = row
    team = await service.get_team_by_code(session, code=code)
    if team is None:
        team = await service.create_team(
            session,
            actor=None,
            code=code,
            name=name,
            union_unit_id=units[union].id,
            admin_unit_id=units[admin].id,
            founded_on=founded,
            gps_tracking=gps,
        )
    return team


async def _members(session: AsyncSession, team: Team, rows) -> None:
    for role, name, phone in rows:
        user = None
        if name == "@":
            user = await session.scalar(
                select(User).where(pii.phone_matches(User.phone_index, _e164(phone)))
            )
        same = TeamMember.user_id == user.id if user else TeamMember.full_name == name
        listed = await session.scalar(
            select(TeamMember.id).where(
                TeamMember.team_id == team.id,
                TeamMember.deleted_at.is_(None),
                current_period(TeamMember),
                same,
            )
        )
        if listed is None:
            await members.add_member(
                session,
                actor=None,
                team=team,
                user_id=user.id if user else None,
                full_name=None if user else name,
                phone=None if user else phone,
                role=role,
                since=team.founded_on or clock.today(),
            )


async def _jurisdictions(session: AsyncSession) -> None:
    for phone, site_codes in SITE_JURISDICTIONS.items():
        user = await session.scalar(
            select(User).where(pii.phone_matches(User.phone_index, _e164(phone)))
        )
        for site_code in site_codes:
            site = await sites_service.get_site_by_code(session, code=site_code)
            if user is None or site is None:
                continue
            taken = await session.scalar(
                select(UserScope.id).where(
                    UserScope.user_id == user.id, UserScope.site_id == site.id
                )
            )
            if taken is None:
                await jurisdictions.create_jurisdiction(
                    session, actor=None, user_id=user.id, site_id=site.id
                )


async def seed_registry(session: AsyncSession, units: dict[str, Any]) -> None:
    """Zones, houses, teams with members and coverage, liaisons' site jurisdictions."""
    houses = await _sites_and_houses(session, units)
    for row in TEAMS:
        team = await _team(session, units, row)
        await _members(session, team, MEMBERS[team.code])
        site_code, numbers = row[6], row[7]
        for n in numbers:
            house = houses[f"{site_code}-NT{n:02d}"]
            if await coverage.current_coverage(session, team_id=team.id, house_id=house.id) is None:
                await coverage.add_house(
                    session, actor=None, team=team, house_id=house.id, since=team.founded_on
                )
    await _jurisdictions(session)
    await session.flush()

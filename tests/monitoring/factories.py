"""A small two-district world for monitoring tests: units, teams, people in each role.

Factories add and flush; the test commits.
"""

import uuid
from dataclasses import dataclass
from datetime import timedelta
from itertools import count

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core import clock
from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, Team, TeamHouse, TeamMember, UnionUnit, User
from tests.factories import make_unit, make_user

_codes = count(1)


async def make_team(
    session: AsyncSession, *, union: UnionUnit, ward: AdminUnit, name: str = ""
) -> Team:
    n = next(_codes)
    name = name or f"Tổ tự quản số {n}"
    team = Team(
        code=f"T{n:05d}-{uuid.uuid4().hex[:4]}",
        name=name,
        name_search=fold(name),
        union_unit_id=union.id,
        admin_unit_id=ward.id,
    )
    session.add(team)
    await session.flush()
    return team


async def add_member(
    session: AsyncSession, team: Team, *, role: str = "team_leader", name: str = ""
) -> tuple[User, TeamMember]:
    user = await make_user(session, role=role)
    member = TeamMember(
        team_id=team.id,
        user_id=user.id,
        full_name=name or f"Thành viên {user.phone}",
        name_search=fold(name or "thanh vien"),
        role="leader" if role == "team_leader" else "member",
        since=clock.today() - timedelta(days=30),
    )
    session.add(member)
    await session.flush()
    return user, member


async def make_house(session: AsyncSession, *, ward: AdminUnit, team: Team | None = None):
    n = next(_codes)
    house = BoardingHouse(
        code=f"H{n:05d}-{uuid.uuid4().hex[:4]}",
        name=f"Nhà trọ Hòa Bình {n}",
        name_search=fold(f"Nhà trọ Hòa Bình {n}"),
        address=f"{n} đường Lê Lợi",
        address_search=fold(f"{n} đường Lê Lợi"),
        admin_unit_id=ward.id,
        lat=10.9,
        lon=106.7,
        landlord_name="Bà Nguyễn Thị Đào",
        landlord_phone="+84981234567",
        checkpoint_token=uuid.uuid4().hex,
    )
    session.add(house)
    await session.flush()
    if team is not None:
        session.add(
            TeamHouse(team_id=team.id, house_id=house.id, since=clock.today() - timedelta(days=10))
        )
        await session.flush()
    return house


@dataclass
class World:
    city: AdminUnit
    ward_a: AdminUnit
    ward_b: AdminUnit
    federation: UnionUnit
    district1: UnionUnit
    district2: UnionUnit
    grassroots1: UnionUnit
    grassroots2: UnionUnit
    team1: Team
    team2: Team
    admin: User
    city_officer: User
    officer1: User  # district 1 union: sees team1
    officer2: User  # district 2 union: sees team2
    leader1: User
    member1: User
    leader2: User
    police_a: User  # ward A: team1's ward
    police_b: User


async def make_world(session: AsyncSession) -> World:
    city = await make_unit(session, AdminUnit, "Thành phố Hồ Chí Minh", level="Thành phố")
    ward_a = await make_unit(session, AdminUnit, "Phường Linh Trung", parent=city, level="Phường")
    ward_b = await make_unit(session, AdminUnit, "Phường Tân Thuận", parent=city, level="Phường")
    fed = await make_unit(session, UnionUnit, "LĐLĐ Thành phố", level="LĐLĐ tỉnh")
    d1 = await make_unit(session, UnionUnit, "LĐLĐ Thủ Đức", parent=fed, level="LĐLĐ quận")
    d2 = await make_unit(session, UnionUnit, "Công đoàn KCX Tân Thuận", parent=fed, level="KCN")
    g1 = await make_unit(session, UnionUnit, "CĐCS Linh Trung", parent=d1, level="Cơ sở")
    g2 = await make_unit(session, UnionUnit, "CĐCS Tân Thuận", parent=d2, level="Cơ sở")
    g1.admin_unit_id = ward_a.id
    team1 = await make_team(session, union=g1, ward=ward_a, name="Tổ tự quản Khu phố 6")
    team2 = await make_team(session, union=g2, ward=ward_b, name="Tổ tự quản Tân Thuận Đông")
    leader1, _ = await add_member(session, team1, name="Trần Văn Đức")
    member1, _ = await add_member(session, team1, role="team_member")
    leader2, _ = await add_member(session, team2)
    return World(
        city=city,
        ward_a=ward_a,
        ward_b=ward_b,
        federation=fed,
        district1=d1,
        district2=d2,
        grassroots1=g1,
        grassroots2=g2,
        team1=team1,
        team2=team2,
        admin=await make_user(session),
        city_officer=await make_user(session, role="city_union_officer"),
        officer1=await make_user(session, role="union_officer", units=[d1]),
        officer2=await make_user(session, role="union_officer", units=[d2]),
        leader1=leader1,
        member1=member1,
        leader2=leader2,
        police_a=await make_user(session, role="police_liaison", units=[ward_a]),
        police_b=await make_user(session, role="police_liaison", units=[ward_b]),
    )


def session_body(team: Team | None = None, **overrides) -> dict:
    """A valid PUT body for an awareness session."""
    body = {
        "held_at": "2026-11-20T19:30:00+07:00",
        "duration_minutes": 90,
        "title": "Phòng chống mua bán người",
        "place": "Sân nhà trọ Hòa Bình, khu phố 6",
        "topics": ["job_offer", "marriage_brokerage"],
        "workers_count": 45,
        "landlords_count": 3,
        "materials": [{"name": "Tờ rơi cảnh giác lừa đảo việc làm", "quantity": 200}],
        "photo_refs": ["att_01HZY", "https://files.example.vn/a.jpg"],
        "summary": "Cảnh báo thủ đoạn tuyển dụng đi làm việc ở nước ngoài lương cao.",
    }
    if team is not None:
        body["team_id"] = str(team.id)
    body.update(overrides)
    return body


SUMMARY = (
    "Tuyên truyền cho công nhân về thủ đoạn lừa đảo tuyển dụng, môi giới hôn nhân với người "
    "nước ngoài, cho vay nặng lãi; hướng dẫn báo tin cho tổ tự quản và công an phường. "
)


async def bulk_sessions(
    session: AsyncSession, *, team: Team, user: User, n: int, batch: int = 5000, lean: bool = False
) -> None:
    """Insert ``n`` awareness sessions of ``team`` quickly (Core bulk insert).

    ``lean``: fewer small values per row and no topic rows, for the memory test (tracemalloc
    makes every allocation slow); the rows are wider, so the file is as large.
    """
    from datetime import UTC, datetime

    from sqlalchemy import insert

    from backend.models.monitoring import AwarenessSession, AwarenessSessionTopic

    start = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    for first in range(0, n, batch):
        rows, topics = [], []
        for i in range(first, min(n, first + batch)):
            sid = uuid.uuid4()
            place = f"Khu nhà trọ Hòa Bình số {i}, đường Lê Văn Việt, phường Hiệp Phú"
            rows.append(
                {
                    "id": sid,
                    "team_id": team.id,
                    "admin_unit_id": team.admin_unit_id,
                    "held_at": start + timedelta(minutes=i),
                    "duration_minutes": 60,
                    "title": f"Buổi tuyên truyền số {i}",
                    "place": place,
                    "text_search": fold(place),
                    "topics": ["drugs"] if lean else ["job_offer", "drugs"],
                    "workers_count": i % 90,
                    "landlords_count": i % 4,
                    "others_count": 0,
                    "materials": [] if lean else [{"name": "Tờ rơi", "quantity": 100}],
                    "photo_refs": [],
                    "summary": SUMMARY * 2 if lean else SUMMARY,
                    "recorded_by": user.id,
                    "body_hash": "0" * 64,
                    "created_at": start,
                    "updated_at": start,
                    "version": 1,
                }
            )
            topics += [
                {"session_id": sid, "topic_code": "job_offer"},
                {"session_id": sid, "topic_code": "drugs"},
            ]
        await session.execute(insert(AwarenessSession.__table__), rows)
        if not lean:  # the export reads the topics column, not the topic rows
            await session.execute(insert(AwarenessSessionTopic.__table__), topics)

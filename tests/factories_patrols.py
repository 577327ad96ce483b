"""Factories for patrol tests: a small world of units, a team, its houses and its people.

Built straight from the models (the registry routes are someone else's work in progress);
they add and flush, never commit.
"""

import secrets
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, Team, TeamHouse, TeamMember, UnionUnit
from backend.models.house import RetiredCheckpoint
from tests.factories import auth, make_unit, make_user

# A street in Dĩ An, Bình Dương; houses are laid out ~1 km apart along a meridian.
BASE_LAT, BASE_LON = 10.9000, 106.7600
DEG_PER_M = 1 / 111_195  # degrees of latitude per metre


@dataclass
class World:
    ward: AdminUnit
    district_union: UnionUnit
    grassroots: UnionUnit
    team: Team
    houses: list[BoardingHouse]
    leader: Any
    member: Any
    officer: Any  # union officer of the district union (above the team's grassroots union)
    police: Any  # police liaison of the ward
    members: list[TeamMember] = field(default_factory=list)

    def token(self, i: int = 0) -> str:
        return self.houses[i].checkpoint_token

    def near(self, i: int = 0, metres: float = 10) -> tuple[float, float]:
        """A point ``metres`` north of house i."""
        h = self.houses[i]
        return h.lat + metres * DEG_PER_M, h.lon


async def make_house(
    session: AsyncSession, *, ward: AdminUnit, lat: float, lon: float, name: str = "Nhà trọ"
) -> BoardingHouse:
    house = BoardingHouse(
        code=f"H-{uuid.uuid4().hex[:10]}",
        name=name,
        name_search=fold(name),
        address="Đường số 1, Dĩ An",
        address_search=fold("Đường số 1, Dĩ An"),
        admin_unit_id=ward.id,
        lat=lat,
        lon=lon,
        checkpoint_token=secrets.token_urlsafe(24),
    )
    session.add(house)
    await session.flush()
    return house


async def make_member(
    session: AsyncSession, team: Team, user=None, *, role: str = "member"
) -> TeamMember:
    member = TeamMember(
        team_id=team.id,
        user_id=user.id if user else None,
        full_name=f"Tổ viên {role}",
        name_search=fold(f"To vien {role}"),
        role=role,
        since=date(2020, 1, 1),
    )
    session.add(member)
    await session.flush()
    return member


async def cover(
    session: AsyncSession, team: Team, house: BoardingHouse, *, since=date(2020, 1, 1), until=None
) -> TeamHouse:
    link = TeamHouse(team_id=team.id, house_id=house.id, since=since, until=until)
    session.add(link)
    await session.flush()
    return link


async def retire_token(session: AsyncSession, house: BoardingHouse) -> str:
    """Rotate a house's checkpoint; the old token is returned (now retired)."""
    old = house.checkpoint_token
    session.add(RetiredCheckpoint(token=old, house_id=house.id))
    house.checkpoint_token = secrets.token_urlsafe(24)
    house.checkpoint_id = uuid.uuid4()
    await session.flush()
    return old


async def make_world(
    session: AsyncSession, *, houses: int = 3, gps_tracking: bool = False, name: str = "A"
) -> World:
    """Units, a team covering ``houses`` houses, its leader and member, an officer, police."""
    city = await make_unit(session, AdminUnit, f"Thành phố {name}")
    ward = await make_unit(session, AdminUnit, f"Phường {name}", parent=city)
    federation = await make_unit(session, UnionUnit, f"LĐLĐ {name}")
    district = await make_unit(session, UnionUnit, f"LĐLĐ quận {name}", parent=federation)
    grassroots = await make_unit(session, UnionUnit, f"CĐCS {name}", parent=district)
    team = Team(
        code=f"T-{uuid.uuid4().hex[:10]}",
        name=f"Tổ tự quản {name}",
        name_search=fold(f"To tu quan {name}"),
        union_unit_id=grassroots.id,
        admin_unit_id=ward.id,
        gps_tracking=gps_tracking,
    )
    session.add(team)
    await session.flush()
    built = []
    for i in range(houses):
        house = await make_house(
            session, ward=ward, lat=BASE_LAT + i * 0.01, lon=BASE_LON, name=f"Nhà trọ {name}{i}"
        )
        await cover(session, team, house)
        built.append(house)
    leader = await make_user(session, role="team_leader")
    member = await make_user(session, role="team_member")
    officer = await make_user(session, role="union_officer", units=[district])
    police = await make_user(session, role="police_liaison", units=[ward])
    members = [
        await make_member(session, team, leader, role="leader"),
        await make_member(session, team, member),
    ]
    return World(ward, district, grassroots, team, built, leader, member, officer, police, members)


# ---- request bodies ---------------------------------------------------------------------------

T0 = datetime(2026, 11, 20, 14, 0, tzinfo=UTC)  # 21:00 in Hồ Chí Minh City


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def patrol_item(world: World, pid=None, *, start=T0, end=None, status=None, **extra) -> dict:
    body = {
        "kind": "patrol",
        "id": str(pid or uuid.uuid4()),
        "team_id": str(world.team.id),
        "started_at": iso(start),
    }
    if end is not None:
        body.update(ended_at=iso(end), status=status or "completed")
    return {**body, **extra}


def scan_item(
    world: World,
    patrol_id,
    *,
    house: int = 0,
    at: datetime = T0 + timedelta(minutes=5),
    metres: float = 10,
    accuracy: float | None = 8,
    token: str | None = None,
    sid=None,
    fix: bool = True,
    **extra,
) -> dict:
    body: dict[str, Any] = {
        "kind": "scan",
        "id": str(sid or uuid.uuid4()),
        "patrol_id": str(patrol_id),
        "token": token or world.token(house),
        "scanned_at": iso(at),
    }
    if fix:
        lat, lon = world.near(house, metres)
        body.update(lat=lat, lon=lon)
        if accuracy is not None:
            body["accuracy_m"] = accuracy
    return {**body, **extra}


async def upload(
    client, app, user, items: list[dict], *, sent_at: datetime | None = None, key=None, **kw
):
    """POST a batch; sent_at defaults to the real now (a phone with a right clock)."""
    headers = auth(app, user)
    if key:
        headers["Idempotency-Key"] = key
    headers.update(kw.pop("headers", {}))
    body = {"sent_at": iso(sent_at or datetime.now(UTC)), "items": items}
    return await client.post("/api/v1/sync/upload", json=body, headers=headers)

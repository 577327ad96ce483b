"""Data for the HTTP benches (bench_incident.py, bench_me.py): a small city, raw SQL, fast.

One ward under a city, a union ladder (federation → district → grassroots), a police liaison
on the ward, a union officer on the grassroots union, a city federation officer, and ``teams``
teams, each with a leader account and 20 covered houses (the design's density).
"""

import uuid
from datetime import UTC, date, datetime

import asyncpg

HOUSES_PER_TEAM = 20


async def _unit(conn, table, unit_id, parent, code, level, depth, now) -> str:
    path = (parent or "/") + f"{unit_id.hex}/"
    await conn.execute(
        f"INSERT INTO {table} (id, parent_id, code, name, level, path, depth, name_search,"
        " created_at, updated_at, version) VALUES ($1, $2, $3, $3, $4, $5, $6, $3, $7, $7, 1)",
        unit_id,
        uuid.UUID(hex=parent.strip("/").split("/")[-1]) if parent else None,
        code,
        level,
        path,
        depth,
        now,
    )
    return path


async def _user(conn, user_id, phone, role, now) -> None:
    await conn.execute(
        "INSERT INTO user_account (id, phone, full_name, password_hash, role, is_active,"
        " created_at, updated_at, version) VALUES ($1, $2, $3, 'x', $4, true, $5, $5, 1)",
        user_id,
        phone,
        f"Người {phone[-4:]}",
        role,
        now,
    )


async def _scope(conn, user_id, now, *, admin=None, union=None) -> None:
    await conn.execute(
        "INSERT INTO user_scope (id, user_id, admin_unit_id, union_unit_id, created_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        uuid.uuid4(),
        user_id,
        admin,
        union,
        now,
    )


async def seed(dsn: str, teams: int) -> dict:
    """The city; returns ids: ward, union units, and per team its id, leader and houses."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(dsn)
    try:
        city, ward = uuid.uuid4(), uuid.uuid4()
        city_path = await _unit(conn, "admin_unit", city, None, "B-CITY", "city", 0, now)
        await _unit(conn, "admin_unit", ward, city_path, "B-WARD", "ward", 1, now)
        fed, district, grassroots = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        p = await _unit(conn, "union_unit", fed, None, "B-FED", "city", 0, now)
        p = await _unit(conn, "union_unit", district, p, "B-DIST", "district", 1, now)
        await _unit(conn, "union_unit", grassroots, p, "B-CS", "grassroots", 2, now)
        police, officer, federation = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await _user(conn, police, "+84970000001", "police_liaison", now)
        await _scope(conn, police, now, admin=ward)
        await _user(conn, officer, "+84970000002", "union_officer", now)
        await _scope(conn, officer, now, union=grassroots)
        await _user(conn, federation, "+84970000003", "city_union_officer", now)
        out = []
        for t in range(teams):
            team_id, leader = uuid.uuid4(), uuid.uuid4()
            await conn.execute(
                "INSERT INTO team (id, code, name, name_search, union_unit_id, admin_unit_id,"
                " status, gps_tracking, created_at, updated_at, version)"
                " VALUES ($1, $2, $2, $2, $3, $4, 'active', false, $5, $5, 1)",
                team_id,
                f"T{t}",
                grassroots,
                ward,
                now,
            )
            await _user(conn, leader, f"+84980{t:06d}", "team_leader", now)
            await conn.execute(
                "INSERT INTO team_member (id, team_id, user_id, full_name, name_search, role,"
                " since, created_at, updated_at, version)"
                " VALUES ($1, $2, $3, 'Tổ trưởng', 'to truong', 'leader', $4, $5, $5, 1)",
                uuid.uuid4(),
                team_id,
                leader,
                date(2020, 1, 1),
                now,
            )
            houses = []
            for h in range(HOUSES_PER_TEAM):
                house_id = uuid.uuid4()
                await conn.execute(
                    "INSERT INTO boarding_house (id, code, name, name_search, address,"
                    " address_search, admin_unit_id, lat, lon, status, checkpoint_token,"
                    " checkpoint_id, created_at, updated_at, version) VALUES ($1, $2, $2, $2,"
                    " 'Dĩ An', 'di an', $3, 10.9, 106.7, 'active', $4, $5, $6, $6, 1)",
                    house_id,
                    f"H{t}-{h}",
                    ward,
                    uuid.uuid4().hex + uuid.uuid4().hex,
                    uuid.uuid4(),
                    now,
                )
                await conn.execute(
                    "INSERT INTO team_house (id, team_id, house_id, since, created_at)"
                    " VALUES ($1, $2, $3, $4, $5)",
                    uuid.uuid4(),
                    team_id,
                    house_id,
                    date(2020, 1, 1),
                    now,
                )
                houses.append(house_id)
            out.append({"team_id": team_id, "leader": leader, "houses": houses})
        return {
            "ward": ward,
            "union": grassroots,
            "police": police,
            "officer": officer,
            "teams": out,
        }
    finally:
        await conn.close()

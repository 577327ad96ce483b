"""Data for the HTTP benches (bench_http.py and those built on it): a small city, raw SQL, fast.

One ward under a city, a union ladder (federation → district → grassroots), a police liaison
on the ward, a union officer on the grassroots union, a city federation officer, and ``teams``
teams, each with a leader account and 20 covered houses (the design's density). ``team`` is
also bench/scan_ingest_data.py's builder. Phones are sealed with the keys of the server that
will read them (bench/sealed.py): the generators take its secret.
"""

import random
import secrets
import uuid
from datetime import UTC, date, datetime

import asyncpg

from bench import sealed

HOUSES_PER_TEAM = 20
OFFICER_PHONE = "+84970000002"  # the grassroots union officer (bench_export signs in as them)
MEMBER_NAMES = {"leader": ("Tổ trưởng", "to truong"), "member": ("Tổ viên", "to vien")}


async def unit(conn, table, unit_id, parent, code, level, depth, now) -> str:
    """An admin or union unit under ``parent`` (its path, or None); returns its path."""
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


async def user(conn, user_id, phone, role, now, *, secret: str, name: str | None = None) -> None:
    """An account whose phone is sealed and indexed as the server with ``secret`` keeps it."""
    phone_sealed, phone_index = sealed.seal(secret, phone)
    await conn.execute(
        "INSERT INTO user_account (id, phone_sealed, phone_index, full_name, password_hash,"
        " role, is_active, created_at, updated_at, version)"
        " VALUES ($1, $2, $3, $4, 'x', $5, true, $6, $6, 1)",
        user_id,
        phone_sealed,
        phone_index,
        name or f"Người {phone[-4:]}",
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


async def team(
    conn,
    number: int,
    *,
    union,
    ward,
    role: str,
    member_role: str,
    secret: str,
    now,
    rng: random.Random | None = None,
) -> dict:
    """Team ``T<number>``, its one account (phone +84980<number>) and 20 covered houses.

    Returns team_id, user_id and houses as (id, checkpoint token, lat, lon); the houses stand
    at one place unless ``rng`` scatters them (the scan benches flag by distance).
    """
    team_id, user_id = uuid.uuid4(), uuid.uuid4()
    await conn.execute(
        "INSERT INTO team (id, code, name, name_search, union_unit_id, admin_unit_id,"
        " status, gps_tracking, created_at, updated_at, version)"
        " VALUES ($1, $2, $2, $2, $3, $4, 'active', false, $5, $5, 1)",
        team_id,
        f"T{number}",
        union,
        ward,
        now,
    )
    name, name_search = MEMBER_NAMES[member_role]
    await user(conn, user_id, f"+84980{number:06d}", role, now, secret=secret, name=name)
    await conn.execute(
        "INSERT INTO team_member (id, team_id, user_id, full_name, name_search, role,"
        " since, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, 1)",
        uuid.uuid4(),
        team_id,
        user_id,
        name,
        name_search,
        member_role,
        date(2020, 1, 1),
        now,
    )
    houses = []
    for h in range(HOUSES_PER_TEAM):
        house_id, token = uuid.uuid4(), secrets.token_urlsafe(24)
        lat, lon = (10.8 + rng.random() * 0.2, 106.6 + rng.random() * 0.2) if rng else (10.9, 106.7)
        await conn.execute(
            "INSERT INTO boarding_house (id, code, name, name_search, address,"
            " address_search, admin_unit_id, lat, lon, status, checkpoint_token,"
            " checkpoint_id, created_at, updated_at, version) VALUES ($1, $2, $2, $2,"
            " 'Dĩ An', 'di an', $3, $4, $5, 'active', $6, $7, $8, $8, 1)",
            house_id,
            f"H{number}-{h}",
            ward,
            lat,
            lon,
            token,
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
        houses.append((house_id, token, lat, lon))
    return {"team_id": team_id, "user_id": user_id, "houses": houses}


async def seed(dsn: str, teams: int, *, secret: str) -> dict:
    """The city; returns ids: ward, union units, and per team its id, leader and houses."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(dsn)
    try:
        city, ward = uuid.uuid4(), uuid.uuid4()
        city_path = await unit(conn, "admin_unit", city, None, "B-CITY", "city", 0, now)
        await unit(conn, "admin_unit", ward, city_path, "B-WARD", "ward", 1, now)
        fed, district, grassroots = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        p = await unit(conn, "union_unit", fed, None, "B-FED", "city", 0, now)
        p = await unit(conn, "union_unit", district, p, "B-DIST", "district", 1, now)
        await unit(conn, "union_unit", grassroots, p, "B-CS", "grassroots", 2, now)
        police, officer, federation = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
        await user(conn, police, "+84970000001", "police_liaison", now, secret=secret)
        await _scope(conn, police, now, admin=ward)
        await user(conn, officer, OFFICER_PHONE, "union_officer", now, secret=secret)
        await _scope(conn, officer, now, union=grassroots)
        await user(conn, federation, "+84970000003", "city_union_officer", now, secret=secret)
        out = []
        for t in range(teams):
            made = await team(
                conn,
                t,
                union=grassroots,
                ward=ward,
                role="team_leader",
                member_role="leader",
                secret=secret,
                now=now,
            )
            houses = [h[0] for h in made["houses"]]
            out.append({"team_id": made["team_id"], "leader": made["user_id"], "houses": houses})
        return {
            "ward": ward,
            "union": grassroots,
            "police": police,
            "officer": officer,
            "teams": out,
        }
    finally:
        await conn.close()

"""Data for bench_scan_ingest.py: a fresh database, teams with houses, batches of scans."""

import asyncio
import random
import secrets
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from backend.core.migrate import upgrade

HOUSES_PER_TEAM = 20
SCANS_PER_BATCH = 500
ACCURACIES = (4.0, 8.0, 12.0, 15.0, 30.0)


def dsn_of(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def fresh_database(url: str) -> None:
    """Create the database if needed, drop everything in it, migrate to head."""
    dsn = dsn_of(url)
    base, _, name = dsn.rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    try:
        if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    finally:
        await conn.close()
    await asyncio.to_thread(upgrade, url)


async def seed(dsn: str, teams: int, rng: random.Random) -> list[dict]:
    """Units, teams with covered houses, one uploading member per team; raw SQL, fast."""
    now = datetime.now(UTC)
    conn = await asyncpg.connect(dsn)
    try:
        admin_id, union_id = uuid.uuid4(), uuid.uuid4()
        await conn.execute(
            "INSERT INTO admin_unit (id, code, name, level, path, depth, name_search,"
            " created_at, updated_at, version)"
            " VALUES ($1, 'B-W', 'Phường', 'ward', $2, 0, 'phuong', $3, $3, 1)",
            admin_id,
            f"/{admin_id.hex}/",
            now,
        )
        await conn.execute(
            "INSERT INTO union_unit (id, code, name, level, path, depth, name_search, created_at,"
            " updated_at, version) VALUES ($1, 'B-U', 'CĐCS', 'cs', $2, 0, 'cdcs', $3, $3, 1)",
            union_id,
            f"/{union_id.hex}/",
            now,
        )
        out = []
        for t in range(teams):
            team_id, user_id, member_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
            await conn.execute(
                "INSERT INTO team (id, code, name, name_search, union_unit_id, admin_unit_id,"
                " status, gps_tracking, created_at, updated_at, version)"
                " VALUES ($1, $2, $2, $2, $3, $4, 'active', false, $5, $5, 1)",
                team_id,
                f"T{t}",
                union_id,
                admin_id,
                now,
            )
            await conn.execute(
                "INSERT INTO user_account (id, phone, full_name, password_hash, role, is_active,"
                " created_at, updated_at, version) VALUES ($1, $2, 'Tổ viên', 'x',"
                " 'team_member', true, $3, $3, 1)",
                user_id,
                f"+84980{t:06d}",
                now,
            )
            await conn.execute(
                "INSERT INTO team_member (id, team_id, user_id, full_name, name_search, role,"
                " since, created_at, updated_at, version)"
                " VALUES ($1, $2, $3, 'Tổ viên', 'to vien', 'member', $4, $5, $5, 1)",
                member_id,
                team_id,
                user_id,
                date(2020, 1, 1),
                now,
            )
            houses = []
            for h in range(HOUSES_PER_TEAM):
                house_id = uuid.uuid4()
                lat, lon = 10.8 + rng.random() * 0.2, 106.6 + rng.random() * 0.2
                token = secrets.token_urlsafe(24)
                await conn.execute(
                    "INSERT INTO boarding_house (id, code, name, name_search, address,"
                    " address_search, admin_unit_id, lat, lon, status, checkpoint_token,"
                    " checkpoint_id, created_at, updated_at, version) VALUES ($1, $2, $2, $2,"
                    " 'Dĩ An', 'di an', $3, $4, $5, 'active', $6, $7, $8, $8, 1)",
                    house_id,
                    f"H{t}-{h}",
                    admin_id,
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
                houses.append((token, lat, lon))
            out.append({"team_id": team_id, "user_id": user_id, "houses": houses})
        return out
    finally:
        await conn.close()


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def batches(teams: list[dict], count: int, rng: random.Random) -> list[tuple[dict, list]]:
    """(team, items) per batch: 500 scans of one team's patrols, 20 houses a patrol.

    About 1 scan in 14 is flagged (far from the house, weak GPS), as in the field.
    """
    out = []
    start0 = datetime.now(UTC) - timedelta(days=1)
    for b in range(count):
        team = teams[b % len(teams)]
        patrols, scans = [], []
        while len(scans) < SCANS_PER_BATCH:
            pid = str(uuid.uuid4())
            start = start0 + timedelta(minutes=rng.randrange(0, 600))
            patrols.append(
                {
                    "kind": "patrol",
                    "id": pid,
                    "team_id": str(team["team_id"]),
                    "started_at": iso(start),
                    "status": "completed",
                    "ended_at": iso(start + timedelta(hours=2)),
                }
            )
            for i, (token, lat, lon) in enumerate(team["houses"]):
                if len(scans) == SCANS_PER_BATCH:
                    break
                far = rng.random() < 0.04
                scans.append(
                    {
                        "kind": "scan",
                        "id": str(uuid.uuid4()),
                        "patrol_id": pid,
                        "token": token,
                        "scanned_at": iso(start + timedelta(minutes=5 * i + rng.random())),
                        "lat": lat + (0.003 if far else rng.random() * 0.0003),
                        "lon": lon,
                        "accuracy_m": 150.0 if rng.random() < 0.03 else rng.choice(ACCURACIES),
                    }
                )
        out.append((team, patrols, scans))
    return out

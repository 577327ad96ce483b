"""Data for bench_scan_ingest.py: a fresh database, teams with houses, batches of scans."""

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from backend.core.migrate import upgrade
from bench import perf_data

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


async def seed(dsn: str, teams: int, rng: random.Random, *, secret: str) -> list[dict]:
    """Units, teams with scattered covered houses, one uploading member per team; raw SQL, fast.

    The members' phones are sealed for the server run with ``secret`` (bench/sealed.py).
    """
    now = datetime.now(UTC)
    conn = await asyncpg.connect(dsn)
    try:
        admin_id, union_id = uuid.uuid4(), uuid.uuid4()
        await perf_data.unit(conn, "admin_unit", admin_id, None, "B-W", "ward", 0, now)
        await perf_data.unit(conn, "union_unit", union_id, None, "B-U", "cs", 0, now)
        out = []
        for t in range(teams):
            made = await perf_data.team(
                conn,
                t,
                union=union_id,
                ward=admin_id,
                role="team_member",
                member_role="member",
                secret=secret,
                now=now,
                rng=rng,
            )
            made["houses"] = [(token, lat, lon) for _, token, lat, lon in made["houses"]]
            out.append(made)
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

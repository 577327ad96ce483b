"""Data generator of bench_dashboard.py: a city loaded into PostgreSQL with COPY."""

import asyncio
import random
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg

from backend.core.migrate import upgrade

HOUSES_PER_TEAM = 20
CATEGORIES = [
    "theft",
    "public_order",
    "fire_safety",
    "drugs",
    "trafficking",
    "social_evils",
    "labour",
    "suspicious_person",
    "online_fraud",
    "robbery",
    "accident_health",
    "other",
]
STATUSES = ["closed"] * 6 + [
    "resolved",
    "rejected",
    "acknowledged",
    "in_progress",
    "escalated",
    "submitted",
    "triaged",
]
HASH = b"\x00" * 16


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def uid(kind: int, n: int) -> uuid.UUID:
    """Deterministic, index-friendly ids: a kind prefix and a counter."""
    return uuid.UUID(int=(kind << 96) | n)


async def fresh(url: str) -> None:
    base, _, name = dsn(url).rpartition("/")
    admin = await asyncpg.connect(f"{base}/postgres")
    if not await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
        await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    conn = await asyncpg.connect(dsn(url))
    await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    await conn.close()
    await asyncio.to_thread(upgrade, url)


def tree(kind: int, count: int, parents: list[tuple], level: str, prefix: str) -> list[tuple]:
    """(id, code, name, path, depth, parent_id) nodes spread over the parents."""
    out = []
    for n in range(count):
        parent = parents[n % len(parents)] if parents else None
        node = uid(kind, n + 1)
        path = f"{parent[3] if parent else '/'}{node.hex}/"
        out.append(
            (
                node,
                f"{prefix}{n}",
                f"{level} {n + 1}",
                path,
                path.count("/") - 2,
                parent[0] if parent else None,
            )
        )
    return out


async def generate(conn, args, now: datetime) -> dict:
    rnd = random.Random(7)
    t0 = now - timedelta(days=args.days)
    cols = [
        "id",
        "code",
        "name",
        "level",
        "name_search",
        "path",
        "depth",
        "parent_id",
        "created_at",
        "updated_at",
        "version",
    ]

    async def nodes(table, rows, level):
        await conn.copy_records_to_table(
            table,
            columns=cols,
            records=[
                (i, code, name, level, name.lower(), path, depth, parent, now, now, 1)
                for i, code, name, path, depth, parent in rows
            ],
        )

    city = tree(1, 1, [], "Thành phố", "HCM")
    districts = tree(14, 10, city, "Quận", "Q")
    wards = tree(9, 100, districts, "Phường", "P")
    await nodes("admin_unit", city + districts + wards, "Cấp")
    fed = tree(2, 1, [], "LĐLĐ", "LDLD")
    dunions = tree(3, 10, fed, "LĐLĐ quận", "LDQ")
    grass = tree(4, 100, dunions, "CĐCS", "CDCS")
    await nodes("union_unit", fed + dunions + grass, "Cấp")
    user = uid(5, 1)
    await conn.execute(
        "INSERT INTO user_account (id, phone, full_name, password_hash, role, is_active, "
        "created_at, updated_at, version) VALUES ($1, '+84980000001', 'Bench', 'x', "
        "'city_union_officer', true, $2, $2, 1)",
        user,
        now,
    )
    sites = []
    for s in range(10):
        sid = uid(6, s + 1)
        sites.append(sid)
        await conn.execute(
            "INSERT INTO site (id, code, name, name_search, kind, boundary, min_lon, min_lat, "
            "max_lon, max_lat, union_unit_id, created_at, updated_at, version) VALUES ($1, $2, "
            "$3, $3, 'industrial_zone', '{}'::jsonb, 106, 10, 107, 11, $4, $5, $5, 1)",
            sid,
            f"KCN{s}",
            f"KCN {s}",
            dunions[s][0],
            now,
        )
    teams, houses, cover = [], [], []
    for t in range(args.teams):
        tid, ward, union = uid(7, t + 1), wards[t % 100][0], grass[t % 100][0]
        teams.append(
            (tid, f"T{t}", f"Tổ {t}", f"to {t}", union, ward, "active", False, now, now, 1)
        )
        for k in range(HOUSES_PER_TEAM):
            hid = uid(8, t * HOUSES_PER_TEAM + k + 1)
            site = sites[t % 10] if k == 0 else None
            houses.append(
                (
                    hid,
                    f"H{t}-{k}",
                    f"Nhà trọ {t}-{k}",
                    f"nha tro {t}-{k}",
                    "x",
                    "x",
                    ward,
                    10.7 + rnd.random() * 0.3,
                    106.6 + rnd.random() * 0.3,
                    site,
                    "active",
                    hid.hex,
                    uuid.uuid4(),
                    now,
                    now,
                    1,
                )
            )
            cover.append((uuid.uuid4(), tid, hid, date(2020, 1, 1), now))
    await conn.copy_records_to_table(
        "team",
        columns=[
            "id",
            "code",
            "name",
            "name_search",
            "union_unit_id",
            "admin_unit_id",
            "status",
            "gps_tracking",
            "created_at",
            "updated_at",
            "version",
        ],
        records=teams,
    )
    await conn.copy_records_to_table(
        "boarding_house",
        columns=[
            "id",
            "code",
            "name",
            "name_search",
            "address",
            "address_search",
            "admin_unit_id",
            "lat",
            "lon",
            "site_id",
            "status",
            "checkpoint_token",
            "checkpoint_id",
            "created_at",
            "updated_at",
            "version",
        ],
        records=houses,
    )
    await conn.copy_records_to_table(
        "team_house", columns=["id", "team_id", "house_id", "since", "created_at"], records=cover
    )
    await conn.execute("SET session_replication_role = replica")  # no FK triggers on COPY
    patrols_n = args.scans // HOUSES_PER_TEAM

    def start_of(p: int) -> datetime:
        # Seeded per patrol, so the scans' times follow their patrol's without storing them.
        return t0 + timedelta(seconds=random.Random(p).randrange(args.days * 86400))

    def patrol_rows():
        for p in range(patrols_n):
            start = start_of(p)
            end = start + timedelta(minutes=90)
            late = timedelta(days=2) if p % 11 == 0 else timedelta(0)
            yield (
                uid(10, p + 1),
                uid(7, p % args.teams + 1),
                "completed",
                start,
                end,
                start,
                end + late,
                "[]",
                user,
                HASH,
                end,
            )

    def scan_rows():
        prnd = random.Random(11)
        for p in range(patrols_n):
            team = p % args.teams
            start = start_of(p)
            for k in range(HOUSES_PER_TEAM):
                at = start + timedelta(minutes=4 * k)
                flags = 1 if prnd.random() < 0.03 else 0
                yield (
                    uid(11, p * HOUSES_PER_TEAM + k + 1),
                    uid(10, p + 1),
                    uid(7, team + 1),
                    uid(8, team * HOUSES_PER_TEAM + k + 1),
                    "tok",
                    at,
                    at,
                    flags,
                    "pending" if flags else "none",
                    user,
                    HASH,
                    at,
                )

    await copy_chunks(
        conn,
        "patrol",
        [
            "id",
            "team_id",
            "status",
            "started_at",
            "ended_at",
            "received_at",
            "ended_received_at",
            "member_ids",
            "created_by",
            "body_hash",
            "updated_at",
        ],
        patrol_rows(),
        "patrols",
    )
    await copy_chunks(
        conn,
        "checkpoint_scan",
        [
            "id",
            "patrol_id",
            "team_id",
            "house_id",
            "token",
            "scanned_at",
            "received_at",
            "flags",
            "review_status",
            "uploaded_by",
            "body_hash",
            "updated_at",
        ],
        scan_rows(),
        "scans",
    )
    plan_rows = [
        (
            uid(12, t + 1),
            uid(7, t + 1),
            "Tối",
            127,
            datetime.min.time().replace(hour=20),
            datetime.min.time().replace(hour=22),
            1,
            True,
            now,
            now,
            1,
        )
        for t in range(args.teams)
    ]
    await conn.copy_records_to_table(
        "patrol_plan",
        columns=[
            "id",
            "team_id",
            "name",
            "days_of_week",
            "start_time",
            "end_time",
            "min_scans",
            "active",
            "created_at",
            "updated_at",
            "version",
        ],
        records=plan_rows,
    )

    def window_rows():
        wrnd = random.Random(13)
        for d in range(args.days):
            day = (t0 + timedelta(days=d)).date()
            for t in range(0, args.teams, 2):
                status = wrnd.choices(["done", "partial", "missed"], [8, 1, 1])[0]
                ws = datetime(day.year, day.month, day.day, 13, tzinfo=UTC)
                yield (
                    uuid.uuid4(),
                    uid(12, t + 1),
                    uid(7, t + 1),
                    day,
                    ws,
                    ws + timedelta(hours=2),
                    status,
                    20,
                    20,
                    20,
                    False,
                    ws,
                )

    await copy_chunks(
        conn,
        "plan_window_result",
        [
            "id",
            "plan_id",
            "team_id",
            "local_date",
            "window_start",
            "window_end",
            "status",
            "scans",
            "houses_scanned",
            "houses_planned",
            "notified",
            "evaluated_at",
        ],
        window_rows(),
        "windows",
    )

    def incident_rows():
        irnd = random.Random(17)
        for n in range(args.incidents):
            team = irnd.randrange(args.teams)
            k = irnd.randrange(HOUSES_PER_TEAM)
            at = t0 + timedelta(seconds=irnd.randrange(args.days * 86400))
            status = irnd.choice(STATUSES)
            sub = at + timedelta(minutes=5)
            ack = sub + timedelta(seconds=irnd.randrange(60, 6 * 3600))
            closed = ack + timedelta(seconds=irnd.randrange(600, 7 * 86400))
            site = sites[team % 10] if k == 0 else None
            yield (
                uid(13, n + 1),
                uid(7, team + 1),
                irnd.choice(CATEGORIES),
                irnd.choice((1, 2, 2, 3, 3, 3, 4, 4)),
                status,
                at,
                "Vụ việc",
                "vu viec",
                uid(8, team * HOUSES_PER_TEAM + k + 1),
                site,
                wards[team % 100][0],
                grass[team % 100][0],
                dunions[team % 10][0] if site else None,
                irnd.random() < 0.05,
                0,
                "team_union",
                "union",
                sub,
                ack if status not in ("submitted", "triaged") else None,
                closed if status in ("closed", "rejected") else None,
                "0" * 64,
                at,
                at,
                1,
            )

    await copy_chunks(
        conn,
        "incident",
        [
            "id",
            "team_id",
            "category",
            "severity",
            "status",
            "occurred_at",
            "summary",
            "search_text",
            "house_id",
            "site_id",
            "admin_unit_id",
            "union_unit_id",
            "covering_union_unit_id",
            "protect_reporter",
            "persons_count",
            "route",
            "handler_kind",
            "submitted_at",
            "acknowledged_at",
            "closed_at",
            "request_hash",
            "created_at",
            "updated_at",
            "version",
        ],
        incident_rows(),
        "incidents",
    )
    esc = [
        (
            uuid.uuid4(),
            uid(13, n + 1),
            0,
            "police",
            "police:x",
            "[]",
            "routing",
            "open",
            now,
            now - timedelta(hours=1 + n % 48),
        )
        for n in range(min(300, args.incidents))
    ]
    await conn.copy_records_to_table(
        "escalation",
        columns=[
            "id",
            "incident_id",
            "level",
            "target_kind",
            "rung_key",
            "recipient_user_ids",
            "reason",
            "status",
            "created_at",
            "deadline_at",
        ],
        records=esc,
    )
    await conn.execute("SET session_replication_role = DEFAULT")
    await conn.execute("ANALYZE")
    return {"fed": fed[0][0], "user": user}


async def copy_chunks(conn, table, columns, rows, label, chunk=200_000) -> None:
    started, total, batch = time.perf_counter(), 0, []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            await conn.copy_records_to_table(table, columns=columns, records=batch)
            total += len(batch)
            batch = []
            print(f"  {label}: {total:,} ({time.perf_counter() - started:.0f} s)", flush=True)
    if batch:
        await conn.copy_records_to_table(table, columns=columns, records=batch)
        total += len(batch)
    print(f"  {label}: {total:,} rows in {time.perf_counter() - started:.1f} s", flush=True)

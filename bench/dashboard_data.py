"""Data generator of bench_dashboard.py: a city, its bulk rows generated inside PostgreSQL.

The hierarchy, teams and houses are small and copied from Python; patrols, scans, plan windows
and incidents (the millions) are INSERT … SELECT over generate_series with the tables' secondary
indexes dropped first and rebuilt once at the end (BULK_SQL below).
"""

import random
import time
import uuid
from datetime import date, datetime, timedelta

from bench import sealed

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


def uid(kind: int, n: int) -> uuid.UUID:
    """Deterministic, index-friendly ids: a kind prefix and a counter."""
    return uuid.UUID(int=(kind << 96) | n)


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


async def generate(conn, args, now: datetime, *, secret: str) -> dict:
    """The city (its one account's phone sealed for the server run with ``secret``)."""
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
    phone_sealed, phone_index = sealed.seal(secret, "+84980000001")
    await conn.execute(
        "INSERT INTO user_account (id, phone_sealed, phone_index, full_name, password_hash, role,"
        " is_active, created_at, updated_at, version) VALUES ($1, $2, $3, 'Bench', 'x',"
        " 'city_union_officer', true, $4, $4, 1)",
        user,
        phone_sealed,
        phone_index,
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
    await conn.execute("SET session_replication_role = replica")  # no FK triggers on the load
    bulk = ("patrol", "checkpoint_scan", "plan_window_result", "incident")
    indexes = await drop_indexes(conn, bulk)
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
        records=[
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
        ],
    )
    params = {
        "t0": t0,
        "days": args.days,
        "teams": args.teams,
        "patrols": args.scans // HOUSES_PER_TEAM,
        "incidents": args.incidents,
        "user": user,
    }
    for label, sql in BULK_SQL:
        started = time.perf_counter()
        status = await conn.execute(sql.format(**{k: _lit(v) for k, v in params.items()}))
        print(f"  {label}: {status.split()[-1]} rows in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    for ddl in indexes:
        await conn.execute(ddl)
    print(f"  {len(indexes)} indexes rebuilt in {time.perf_counter() - started:.1f} s", flush=True)
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


def _lit(value) -> str:
    """A trusted generator parameter as an SQL literal (the bulk statements are formatted)."""
    if isinstance(value, int):
        return str(value)
    return f"'{value}'"


async def drop_indexes(conn, tables: tuple[str, ...]) -> list[str]:
    """Drop the secondary indexes of ``tables`` (not those of constraints); returns their DDL.

    Building an index once over sorted data is many times faster than maintaining it row by
    row through a bulk load.
    """
    rows = await conn.fetch(
        "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public'"
        " AND i.tablename = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c"
        " WHERE c.conname = i.indexname)",
        list(tables),
    )
    for row in rows:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    return [row["indexdef"] for row in rows]


# The bulk rows generated inside PostgreSQL (generate_series): no Python per row, no wire
# traffic. Ids are the same deterministic uid(kind, n) as above; a patrol's start time is a
# hash of its number, so its scans follow it without a join.
UID = "(lpad(to_hex({k}), 8, '0') || lpad(to_hex({n}), 24, '0'))::uuid"


def uid_sql(kind: int, n: str) -> str:
    return UID.format(k=kind, n=n)


PATROL_START = (
    "({t0}::timestamptz + ((hashint8(p::bigint)::bigint & 2147483647) % ({days} * 86400))"
    " * interval '1 second')"
)
CATEGORY_ARRAY = "ARRAY[" + ", ".join(f"'{c}'" for c in CATEGORIES) + "]"
STATUS_ARRAY = "ARRAY[" + ", ".join(f"'{s}'" for s in STATUSES) + "]"
BULK_SQL = [
    (
        "patrols",
        f"""
INSERT INTO patrol (id, team_id, status, started_at, ended_at, received_at, ended_received_at,
                    member_ids, created_by, body_hash, updated_at)
SELECT {uid_sql(10, "p + 1")}, {uid_sql(7, "p % {teams} + 1")}, 'completed', s,
       s + interval '90 minutes', s,
       s + interval '90 minutes' + CASE WHEN p % 11 = 0 THEN interval '2 days'
                                        ELSE interval '0' END,
       '[]'::jsonb, {{user}}::uuid, '\\x00000000000000000000000000000000'::bytea,
       s + interval '90 minutes'
FROM (SELECT p, {PATROL_START} AS s FROM generate_series(0, {{patrols}} - 1) p) x
""",
    ),
    (
        "scans",
        f"""
SELECT setseed(0.11);
INSERT INTO checkpoint_scan (id, patrol_id, team_id, house_id, token, scanned_at, received_at,
                             flags, review_status, uploaded_by, body_hash, updated_at)
SELECT {uid_sql(11, "p * 20 + k + 1")}, {uid_sql(10, "p + 1")}, {uid_sql(7, "p % {teams} + 1")},
       {uid_sql(8, "(p % {teams}) * 20 + k + 1")}, 'tok', at, at, flags,
       CASE WHEN flags = 1 THEN 'pending' ELSE 'none' END, {{user}}::uuid,
       '\\x00000000000000000000000000000000'::bytea, at
FROM (SELECT p, k, {PATROL_START} + k * interval '4 minutes' AS at,
             (random() < 0.03)::int AS flags
      FROM generate_series(0, {{patrols}} - 1) p, generate_series(0, 19) k) x
""",
    ),
    (
        "plan windows",
        f"""
SELECT setseed(0.13);
INSERT INTO plan_window_result (id, plan_id, team_id, local_date, window_start, window_end,
                                status, scans, houses_scanned, houses_planned, notified,
                                evaluated_at)
SELECT gen_random_uuid(), {uid_sql(12, "t + 1")}, {uid_sql(7, "t + 1")}, d, ws,
       ws + interval '2 hours',
       CASE WHEN r < 0.8 THEN 'done' WHEN r < 0.9 THEN 'partial' ELSE 'missed' END,
       20, 20, 20, false, ws
FROM (SELECT d::date AS d, t, (d::date + time '13:00') AT TIME ZONE 'UTC' AS ws, random() AS r
      FROM generate_series(({{t0}}::timestamptz AT TIME ZONE 'UTC')::date,
                           ({{t0}}::timestamptz AT TIME ZONE 'UTC')::date + {{days}} - 1,
                           interval '1 day') d,
           generate_series(0, {{teams}} - 1, 2) t) x
""",
    ),
    (
        "incidents",
        f"""
SELECT setseed(0.17);
INSERT INTO incident (id, team_id, category, severity, status, occurred_at, summary, search_text,
                      house_id, site_id, admin_unit_id, union_unit_id, covering_union_unit_id,
                      protect_reporter, persons_count, route, handler_kind, submitted_at,
                      acknowledged_at, closed_at, request_hash, created_at, updated_at, version)
SELECT {uid_sql(13, "n + 1")}, {uid_sql(7, "team + 1")}, category, severity, status, at,
       'Vụ việc', 'vu viec', {uid_sql(8, "team * 20 + k + 1")},
       CASE WHEN k = 0 THEN {uid_sql(6, "team % 10 + 1")} END,
       {uid_sql(9, "team % 100 + 1")}, {uid_sql(4, "team % 100 + 1")},
       CASE WHEN k = 0 THEN {uid_sql(3, "team % 10 + 1")} END,
       protect, 0, 'team_union', 'union', at + interval '5 minutes',
       CASE WHEN status NOT IN ('submitted', 'triaged') THEN ack END,
       CASE WHEN status IN ('closed', 'rejected') THEN ack + closing END,
       repeat('0', 64), at, at, 1
FROM (SELECT n, team, k, at, category, severity, status, protect,
             at + interval '5 minutes' + (60 + floor(ra * (6 * 3600 - 60))) * interval '1 s'
                AS ack,
             (600 + floor(rc * (7 * 86400 - 600))) * interval '1 s' AS closing
      FROM (SELECT n, floor(random() * {{teams}})::int AS team, floor(random() * 20)::int AS k,
                   {{t0}}::timestamptz + floor(random() * {{days}} * 86400) * interval '1 s'
                      AS at,
                   ({STATUS_ARRAY})[1 + floor(random() * {len(STATUSES)})::int] AS status,
                   ({CATEGORY_ARRAY})[1 + floor(random() * {len(CATEGORIES)})::int]
                      AS category,
                   (ARRAY[1, 2, 2, 3, 3, 3, 4, 4])[1 + floor(random() * 8)::int] AS severity,
                   random() < 0.05 AS protect, random() AS ra, random() AS rc
            FROM generate_series(0, {{incidents}} - 1) n) r) x
""",
    ),
]

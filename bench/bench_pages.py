"""Every list and page a union officer, the city federation and an administrator open, and a
team leader's phone lists, at the documented scale: the first answer and the median of the
next ``--runs``.

Runs on the database ``bench_dashboard.py`` builds (10 M scans, 1 M incidents, 40,000 houses,
2,000 teams): build it with that script first, then

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_bench_dash \\
        .venv/bin/python bench/bench_pages.py

Each request goes through the whole ASGI app in-process (console cookie or bearer token,
scope, rendering), as ``bench_dashboard.py`` does: this finds the pages whose reads grow with
the city, not the HTTP stack's cost (``bench_http.py`` measures that). A system administrator
and console sessions for the three users are added to the database (once). Pages at or over
``--slow`` ms (median) are marked. The default period of each page is the console's own (this
month and the two before). The periodic report is generated (``POST``) for a month, a quarter
and a year by the district officer and the city federation (each bench report deleted before
the next run).

``--generic-plans`` runs every statement under a generic plan from its first execution
(``plan_cache_mode`` set on the bench database for the run): PostgreSQL may switch a prepared
statement to its generic plan after the fifth run on a connection, which a handful of runs
over a pool of connections rarely reaches. A page that is fast only under custom plans shows
up here (what asks for custom plans, ``backend.core.db.plan_for_parameters``, still does).
"""

import argparse
import asyncio
import os
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_dashboard import DEFAULT_URL, SECRET, _district_officer

from backend.core.config import Settings
from backend.core.heap import settle_heap
from backend.core.security import create_access_token, token_digest
from backend.main import create_app
from bench import sealed
from bench.scan_ingest_data import dsn_of

CONSOLE = {
    "union": (
        "/dashboard",
        "/dashboard/categories",
        "/dashboard/overdue",
        "/dashboard/tables/teams",
        "/dashboard/tables/coverage",
        "/dashboard/tables/coverage?format=csv",
        "/dashboard/tables/uncovered",
        "/dashboard/tables/completeness",
        "/incidents",
        "/queue",
        "/awareness",
        "/commendations",
        "/labour",
        "/map/areas/wards",
        "/map/areas/sites",
        "/map/areas/houses",
    ),
    "admin": (
        "/",
        "/queue",
        "/admin/audit",
        "/admin/deliveries",
        "/admin/enterprises",
        "/admin/houses",
        "/admin/houses?format=csv",
        "/admin/jurisdictions",
        "/admin/qr",
        "/admin/sites",
        "/admin/teams",
        "/admin/teams?q=to",
        "/admin/pick/teams?pick_q=to",
        "/admin/pick/accounts?pick_q=a",
        "/admin/pick/units?tree=both&pick_q=phuong",
        "/admin/trees/admin_unit",
        "/admin/users",
        "/admin/users?q=a",
        "/admin/webhooks",
        "/reports",
        "/reports/status",
    ),
}


def _three_months() -> str:
    """The console's default period (this month and the two before) as query parameters."""
    today = datetime.now(UTC).date()
    first = today.replace(day=1)
    for _ in range(2):
        first = (first - timedelta(days=1)).replace(day=1)
    return f"from={first}&to={today}"


API = (
    # The map's incidents zoomed out (counts per ward), over the whole bench city.
    f"/api/v1/dashboards/map/incidents?bbox=100,5,115,25&zoom=10&{_three_months()}",
    "/api/v1/houses",
    "/api/v1/houses/geojson",
    "/api/v1/incidents",
    "/api/v1/incidents/changes",
    "/api/v1/incidents/queue",
    "/api/v1/patrols",
    "/api/v1/patrols/changes",
    "/api/v1/scans",
    "/api/v1/sites",
    "/api/v1/teams",
    "/api/v1/union-units",
)
# A team leader's phone: its own team's lists and feeds (prepared plans: not a desk role).
LEADER = (
    "/api/v1/houses",
    "/api/v1/incidents",
    "/api/v1/incidents/changes",
    "/api/v1/patrols",
    "/api/v1/patrols/changes",
    "/api/v1/scans",
    "/api/v1/teams",
    "/api/v1/sync/registry",
)
ROLES = {
    "fed": "city_union_officer",
    "district": "union_officer",
    "admin": "system_admin",
    "leader": "team_leader",
}


async def _account(conn, phone: str, name: str, role: str) -> tuple[uuid.UUID, bool]:
    """The bench's account of this phone, made once: (its id, whether it was made now)."""
    phone_sealed, phone_index = sealed.seal(SECRET, phone)
    found = await conn.fetchval("SELECT id FROM user_account WHERE phone_index = $1", phone_index)
    if found is not None:
        return found, False
    account = uuid.uuid4()
    await conn.execute(
        "INSERT INTO user_account (id, phone_sealed, phone_index, full_name, password_hash,"
        " role, is_active, created_at, updated_at, version) VALUES ($1, $2, $3, $4, 'x', $5,"
        " true, $6, $6, 1)",
        account,
        phone_sealed,
        phone_index,
        name,
        role,
        datetime.now(UTC),
    )
    return account, True


async def _admin(conn) -> uuid.UUID:
    """A system administrator."""
    return (await _account(conn, "+84980000003", "Bench admin", "system_admin"))[0]


async def _leader(conn) -> uuid.UUID:
    """A team leader of the first team: the phone's lists at the city's scale."""
    leader, made = await _account(conn, "+84980000004", "Bench leader", "team_leader")
    if made:
        now = datetime.now(UTC)
        await conn.execute(
            "INSERT INTO team_member (id, team_id, user_id, full_name, name_search, role,"
            " since, created_at, updated_at, version) SELECT $1, id, $2, 'Bench leader',"
            " 'bench leader', 'leader', $3, $4, $4, 1 FROM team ORDER BY code LIMIT 1",
            uuid.uuid4(),
            leader,
            now.date() - timedelta(days=400),
            now,
        )
    return leader


async def _console_cookie(conn, user_id: uuid.UUID) -> str:
    """A console session for the user, as signing in makes one (a device and its token)."""
    device, raw, now = uuid.uuid4(), uuid.uuid4().hex + uuid.uuid4().hex, datetime.now(UTC)
    await conn.execute(
        "INSERT INTO device (id, user_id, client_device_id, kind, created_at, last_seen_at)"
        " VALUES ($1, $2, $3, 'console', $4, $4)",
        device,
        user_id,
        f"console-{device.hex}",
        now,
    )
    await conn.execute(
        "INSERT INTO refresh_token (id, device_id, token_hash, created_at, expires_at)"
        " VALUES ($1, $2, $3, $4, $5)",
        uuid.uuid4(),
        device,
        token_digest(raw),
        now,
        now + timedelta(hours=12),
    )
    return raw


async def _reports(client, url, users, units, runs: int, limit_ms: float) -> list[str]:
    """Generate the periodic report of a month, a quarter and a year (the bench's numbers are
    deleted before each run: one report per unit and period)."""
    today = datetime.now(UTC).date()
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    slow = []
    conn = await asyncpg.connect(dsn_of(url))
    for who in ("district", "fed"):
        token = create_access_token(secret=SECRET, user_id=users[who], role=ROLES[who], minutes=60)
        for kind, period in (("month", last_month), ("quarter", quarter), ("year", today.year)):
            times = []
            for _ in range(runs + 1):
                await conn.execute("DELETE FROM periodic_report WHERE number LIKE 'bench-%'")
                started = time.perf_counter()
                r = await client.post(
                    "/api/v1/periodic-reports",
                    json={
                        "union_unit_id": str(units[who]),
                        "period_kind": kind,
                        "period": str(period),
                        "number": f"bench-{kind}",
                    },
                    headers={"Authorization": f"Bearer {token}"},
                )
                times.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 201, f"{who} report {kind}: {r.status_code} {r.text[:200]}"
            median = statistics.median(times[1:]) if runs else times[0]
            mark = "  <-- slow" if median >= limit_ms else ""
            if mark:
                slow.append(f"{who} report {kind}")
            label = f"POST report, {kind} {period}"
            print(
                f"  {who:8} {label:32} {'':>11}   first {times[0]:7.1f} ms"
                f"   median {median:7.1f} ms   max {max(times):7.1f} ms{mark}",
                flush=True,
            )
    await conn.execute("DELETE FROM periodic_report WHERE number LIKE 'bench-%'")
    await conn.close()
    return slow


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--slow", type=float, default=100.0, help="mark medians at or over")
    parser.add_argument(
        "--only",
        help="comma-separated paths to measure, a path without its query for all (default: all)",
    )
    parser.add_argument("--generic-plans", action="store_true", help="see above")
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    conn = await asyncpg.connect(dsn_of(url))
    database = await conn.fetchval("SELECT current_database()")
    mode = "force_generic_plan" if args.generic_plans else "auto"
    await conn.execute(f'ALTER DATABASE "{database}" SET plan_cache_mode = {mode}')
    houses = await conn.fetchval("SELECT count(*) FROM boarding_house")
    scans = await conn.fetchval(
        "SELECT reltuples::bigint FROM pg_class WHERE relname = $1", "checkpoint_scan"
    )
    if not houses:
        sys.exit("no bench city here: build it with bench/bench_dashboard.py first")
    fed = await conn.fetchval(
        "SELECT id FROM user_account WHERE role = 'city_union_officer' ORDER BY created_at LIMIT 1"
    )
    district_unit, district = await _district_officer(conn)
    city_unit = await conn.fetchval("SELECT id FROM union_unit WHERE depth = 0 ORDER BY path")
    units = {"fed": city_unit, "district": district_unit}
    users = {"fed": fed, "district": district, "admin": await _admin(conn)}
    cookies = {who: await _console_cookie(conn, uid) for who, uid in users.items()}
    users["leader"] = await _leader(conn)
    await conn.close()
    settings = Settings(
        environment="test", database_url=url, secret_key=SECRET, log_json=False, log_level="WARNING"
    )
    app = create_app(settings)
    settle_heap()
    only = set(args.only.split(",")) if args.only else None
    plan = [(who, path) for who in ("fed", "district") for path in (*CONSOLE["union"], *API)]
    plan += [("admin", path) for path in CONSOLE["admin"]]
    plan += [("leader", path) for path in LEADER]
    print(f"bench city: {houses:,} houses, ~{scans:,} scans; {args.runs} runs after the first")
    slow = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for who, path in plan:
            if only and path not in only and path.split("?")[0] not in only:
                continue
            if path.startswith("/api/"):
                token = create_access_token(
                    secret=SECRET, user_id=users[who], role=ROLES[who], minutes=60
                )
                kwargs = {"headers": {"Authorization": f"Bearer {token}"}}
            else:
                kwargs = {"cookies": {"ttq_session": cookies[who]}}
            times = []
            for _ in range(args.runs + 1):
                started = time.perf_counter()
                r = await client.get(path, **kwargs)
                times.append((time.perf_counter() - started) * 1000)
                assert r.status_code == 200, f"{who} {path}: {r.status_code} {r.text[:200]}"
            median = statistics.median(times[1:])
            mark = "  <-- slow" if median >= args.slow else ""
            if mark:
                slow.append(f"{who} {path}")
            print(
                f"  {who:8} {path:32} {len(r.content):>9,} B   first {times[0]:7.1f} ms"
                f"   median {median:7.1f} ms   max {max(times[1:]):7.1f} ms{mark}",
                flush=True,
            )
        if not only or "/api/v1/periodic-reports" in only:
            slow += await _reports(client, url, users, units, args.runs, args.slow)
    await app.state.engine.dispose()
    conn = await asyncpg.connect(dsn_of(url))
    await conn.execute(f'ALTER DATABASE "{database}" RESET plan_cache_mode')
    await conn.close()
    print(f"at or over {args.slow:.0f} ms (median): {', '.join(slow) or 'none'}")
    print(f"load average {os.getloadavg()}")


if __name__ == "__main__":
    asyncio.run(main())

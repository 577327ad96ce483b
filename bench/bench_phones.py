"""Fifty phones at once against one PostgreSQL API process with the default pool: any 503?

The PostgreSQL counterpart of tests/core/test_sqlite_load.py, over real sockets: one
``ttq serve`` process (``--workers 1``) with the shipped pool defaults (no TTQ_DB_POOL_*
override), and ``--phones`` phones at once, each signing in (argon2), refreshing its token,
then reporting an incident, listing incidents, uploading a patrol with 3 scans and pulling the
registry, those four at once (200 requests in flight for 50 phones). Prints the answers by
status per round (a 503 carries Retry-After: the pool had no connection within
TTQ_DB_POOL_TIMEOUT_SECONDS), the slowest answer, and the load average.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_phones \\
        .venv/bin/python bench/bench_phones.py --rounds 3 --port 8810

The database is dropped and rebuilt from the migrations: give it a database of its own.
"""

import argparse
import asyncio
import os
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.core.security import hash_password
from bench import perf_data, sealed
from bench.bench_http import SECRET, VENV_BIN, Server, loadavg
from bench.scan_ingest_data import dsn_of, fresh_database

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_phones"
PASSWORD = "Bench-phones-2026!"


async def prepare(url: str, phones: int) -> list[dict]:
    await fresh_database(url)
    world = await perf_data.seed(dsn_of(url), phones, secret=SECRET)
    conn = await asyncpg.connect(dsn_of(url))
    try:
        await conn.execute(
            "UPDATE user_account SET password_hash = $1 WHERE role = 'team_leader'",
            hash_password(PASSWORD),
        )
        for team in world["teams"]:
            # Read back and opened as the server will: a seal it cannot open fails here.
            stored = await conn.fetchval(
                "SELECT phone_sealed FROM user_account WHERE id = $1", team["leader"]
            )
            team["phone"] = sealed.open_sealed(SECRET, stored)
            team["tokens"] = [
                r["checkpoint_token"]
                for r in await conn.fetch(
                    "SELECT checkpoint_token FROM boarding_house WHERE id = ANY($1::uuid[])",
                    team["houses"][:3],
                )
            ]
    finally:
        await conn.close()
    return world["teams"]


async def phone(client: httpx.AsyncClient, team: dict, statuses: Counter, slowest: list) -> None:
    async def call(method, path, **kw):
        started = time.perf_counter()
        r = await client.request(method, path, **kw)
        slowest.append(time.perf_counter() - started)
        statuses[r.status_code] += 1
        if r.status_code == 503 and "retry-after" not in r.headers:
            statuses["503 without Retry-After"] += 1
        return r

    device = f"phone-{uuid.uuid4().hex[:8]}"
    info = {"device_id": device, "model": "Samsung Galaxy A05", "app_version": "1.0.0"}
    r = await call(
        "POST",
        "/api/v1/auth/mobile-login",
        json={"phone": team["phone"], "password": PASSWORD, "device": info},
    )
    if r.status_code != 200:
        return
    pair = r.json()
    r = await call(
        "POST",
        "/api/v1/auth/refresh",
        json={"refresh_token": pair["refresh_token"], "device_id": device},
    )
    if r.status_code == 200:
        pair = r.json()
    h = {"Authorization": f"Bearer {pair['access_token']}"}
    incident = {
        "team_id": str(team["team_id"]),
        "category": "theft",
        "severity": 3,
        "occurred_at": "2026-11-20T21:14:03+07:00",
        "summary": "Mất xe máy trước cổng nhà trọ",
        "house_id": str(team["houses"][0]),
    }
    pid = str(uuid.uuid4())
    items = [
        {
            "kind": "patrol",
            "id": pid,
            "team_id": str(team["team_id"]),
            "started_at": "2026-11-20T14:00:00Z",
        }
    ] + [
        {
            "kind": "scan",
            "id": str(uuid.uuid4()),
            "patrol_id": pid,
            "token": token,
            "scanned_at": "2026-11-20T14:05:00Z",
            "lat": 10.9,
            "lon": 106.7,
        }
        for token in team["tokens"]
    ]
    await asyncio.gather(
        call("PUT", f"/api/v1/incidents/{uuid.uuid4()}", json=incident, headers=h),
        call("GET", "/api/v1/incidents", headers=h),
        call(
            "POST",
            "/api/v1/sync/upload",
            json={"sent_at": "2026-11-20T14:30:00Z", "items": items},
            headers=h,
        ),
        call("GET", "/api/v1/sync/registry", headers=h),
    )


async def one_round(port: int, teams: list[dict]) -> tuple[Counter, float, float]:
    statuses: Counter = Counter()
    slowest: list[float] = []
    limits = httpx.Limits(max_connections=len(teams) * 4, max_keepalive_connections=0)
    started = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=60
    ) as client:
        await asyncio.gather(*(phone(client, t, statuses, slowest) for t in teams))
    return statuses, max(slowest), time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=18410)
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra server settings, e.g. TTQ_DB_POOL_SIZE=20 (default: none, the shipped pool)",
    )
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    teams = asyncio.run(prepare(url, args.phones))
    env = {
        "TTQ_DATABASE_URL": url,
        "TTQ_ENVIRONMENT": "production",
        "TTQ_SECRET_KEY": SECRET,
        **dict(item.split("=", 1) for item in args.env),
    }
    argv = [str(VENV_BIN / "ttq"), "serve", "--workers", "1", "--port", str(args.port)]
    log = Path(f"/tmp/ttq-phones-{args.port}.log")
    server = Server("ttq", argv, env, args.port, "/readyz", log)
    try:
        server.wait_ready()
        extra = " ".join(args.env) or "shipped pool defaults"
        print(f"one API process ({extra}), {args.phones} phones at once, [load {loadavg()}]")
        total: Counter = Counter()
        for n in range(1, args.rounds + 1):
            statuses, worst, seconds = asyncio.run(one_round(args.port, teams))
            total.update(statuses)
            print(
                f"round {n}: {dict(sorted(statuses.items(), key=str))} in {seconds:.1f} s, "
                f"slowest answer {worst:.2f} s  [load {loadavg()}]",
                flush=True,
            )
        fives = {k: v for k, v in total.items() if isinstance(k, int) and k >= 500}
        print(f"all rounds: {dict(sorted(total.items(), key=str))}")
        print("NO 5xx" if not fives else f"5xx answers: {fives}")
    finally:
        server.stop()


if __name__ == "__main__":
    main()

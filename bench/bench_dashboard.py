"""City dashboard latency: rollups against the same figures by GROUP BY over the raw tables.

Generates a city (10 districts, 100 wards, 100 grassroots unions, ``--teams`` teams of 20
houses) with ``--scans`` checkpoint scans (patrols of 20 scans) and ``--incidents`` incidents
over ``--days`` days, generated inside PostgreSQL (bench/dashboard_data.py: generate_series,
secondary indexes dropped during the load and rebuilt after; 10 M scans in ~4.5 minutes here,
about an hour before); builds the rollups (``rollups.rebuild``, timed); then:

  rollup: GET /api/v1/dashboards/summary for the city federation's whole city, last full
          month, through the whole ASGI app in-process (auth, scope, JSON), ``--runs`` times,
          with the monthly and the weekly trend; and a district union officer's own district
          (their scope rules applied on top of the scope's);
  raw:    the same figures (incidents by category/severity/status, ack/resolve median and p90,
          overdue escalations, patrols and plan windows, scans and flags, houses covered, weekly
          trend) by GROUP BY / percentile_disc over the raw tables, ``--raw-runs`` times.

Prints p50/p95 of both and the ratio of p95s. Targets (DESIGN.md): rollup p95 <= 100 ms and
>= 50x faster than raw.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_bench_dash \\
        python bench/bench_dashboard.py --scans 10000000 --incidents 1000000

The database is dropped and rebuilt from the migrations (give it one of its own);
``--reuse`` skips generation and measures what is there.
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

from dashboard_data import generate

from backend.core.config import Settings
from backend.core.db import make_engine, make_session_factory
from backend.core.heap import settle_heap
from backend.core.security import create_access_token
from backend.dashboards.rollups import rebuild
from backend.main import create_app
from bench import sealed
from bench.scan_ingest_data import dsn_of, fresh_database

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_bench_dash"
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"

RAW = """
WITH units AS (SELECT id FROM union_unit WHERE path LIKE $3 || '%'),
inc AS (SELECT * FROM incident WHERE occurred_at >= $1 AND occurred_at < $2
        AND status <> 'draft' AND (union_unit_id IN (SELECT id FROM units)
        OR covering_union_unit_id IN (SELECT id FROM units))),
teams AS (SELECT id FROM team WHERE union_unit_id IN (SELECT id FROM units))
SELECT
 (SELECT json_agg(x) FROM (SELECT category, severity, status, count(*), sum(protect_reporter::int)
   FROM inc GROUP BY 1, 2, 3) x),
 (SELECT percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY acknowledged_at - submitted_at)
   FROM inc WHERE acknowledged_at IS NOT NULL),
 (SELECT percentile_disc(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY closed_at - submitted_at)
   FROM inc WHERE status = 'closed'),
 (SELECT count(*) FROM escalation e JOIN incident i ON i.id = e.incident_id
   WHERE e.status = 'open' AND e.deadline_at < now()),
 (SELECT json_agg(x) FROM (SELECT date_trunc('week', started_at), count(*),
   count(*) FILTER (WHERE status = 'completed') FROM patrol WHERE started_at >= $1
   AND started_at < $2 AND status <> 'abandoned' AND team_id IN (SELECT id FROM teams)
   GROUP BY 1) x),
 (SELECT json_agg(x) FROM (SELECT status, count(*) FROM plan_window_result
   WHERE local_date BETWEEN $4 AND $5 AND team_id IN (SELECT id FROM teams) GROUP BY 1) x),
 (SELECT json_agg(x) FROM (SELECT date_trunc('week', scanned_at), count(*),
   count(*) FILTER (WHERE flags <> 0) FROM checkpoint_scan WHERE scanned_at >= $1
   AND scanned_at < $2 AND team_id IN (SELECT id FROM teams) GROUP BY 1) x),
 (SELECT count(DISTINCT house_id) FROM checkpoint_scan WHERE scanned_at >= $1
   AND scanned_at < $2 AND house_id IS NOT NULL),
 (SELECT count(*) FROM boarding_house WHERE deleted_at IS NULL),
 (SELECT json_agg(x) FROM (SELECT date_trunc('week', occurred_at), count(*) FROM inc
   GROUP BY 1) x)
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


async def measure(url: str, args, ids: dict) -> None:
    settings = Settings(
        environment="test", database_url=url, secret_key=SECRET, log_json=False, log_level="WARNING"
    )
    app = create_app(settings)
    settle_heap()  # what the server's start-up does (httpx's transport skips the lifespan)
    conn = await asyncpg.connect(dsn_of(url))
    latest = await conn.fetchval("SELECT max(scanned_at) FROM checkpoint_scan")
    fed_path = await conn.fetchval("SELECT path FROM union_unit WHERE id = $1", ids["fed"])
    last = latest.date().replace(day=1) - timedelta(days=1)
    first = last.replace(day=1)
    lo = datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(hours=7)
    hi = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(hours=17)
    token = create_access_token(
        secret=SECRET, user_id=ids["user"], role="city_union_officer", minutes=60
    )
    district, officer = await _district_officer(conn)
    district_token = create_access_token(
        secret=SECRET, user_id=officer, role="union_officer", minutes=60
    )
    # Three whole months ending with `last` (1 Sep - 30 Nov for a November run), and the four
    # months that earlier runs of this bench called "3 months" (1 Aug - 30 Nov), kept so their
    # figures stay comparable.
    quarter = (first - timedelta(days=40)).replace(day=1)
    four = (quarter - timedelta(days=1)).replace(day=1)
    cases = [  # (label, scope, token, trend, from)
        ("city, month trend", ids["fed"], token, "month", first),
        ("city, week trend", ids["fed"], token, "week", first),
        ("city, 3 months by week", ids["fed"], token, "week", quarter),
        ("city, 4 months by week", ids["fed"], token, "week", four),
        ("district officer, month", district, district_token, "month", first),
    ]
    timings: dict[str, list[float]] = {}
    bodies = {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for label, scope, bearer, trend, since in cases:
            params = {
                "scope": f"union:{scope}",
                "from": str(since),
                "to": str(last),
                "trend": trend,
            }
            timings[label] = []
            for i in range(args.runs + 3):
                t = time.perf_counter()
                r = await client.get(
                    "/api/v1/dashboards/summary",
                    params=params,
                    headers={"Authorization": f"Bearer {bearer}"},
                )
                elapsed = (time.perf_counter() - t) * 1000
                assert r.status_code == 200, r.text
                if i >= 3:  # warm-up
                    timings[label].append(elapsed)
            bodies[label] = r.json()
    body = bodies["city, month trend"]
    raw = []
    for _ in range(args.raw_runs):
        t = time.perf_counter()
        await conn.fetchrow(RAW, lo, hi, fed_path, first, last)
        raw.append((time.perf_counter() - t) * 1000)
    await conn.close()
    await app.state.engine.dispose()
    print(f"\nperiod {first} .. {last}, city federation scope (whole city)")
    print(
        f"  figures: {body['incidents']['total']:,} incidents, {body['patrols']['scans']:,} "
        f"scans, {body['houses']['covered']:,}/{body['houses']['total']:,} houses covered"
    )
    raw_p95 = pct(raw, 95) if raw else None  # --raw-runs 0: the rollup figures only
    district_houses = bodies["district officer, month"]["houses"]
    print(f"  district: {district_houses['covered']:,}/{district_houses['total']:,} houses covered")
    one_month = {label for label, *_, since in cases if since == first}
    for label, values in timings.items():
        # the raw query computes the one-month figures: a ratio only where they are the same
        ratio = "(several months)" if label not in one_month else "(no raw runs)"
        if raw_p95 is not None and label in one_month:
            ratio = f"{raw_p95 / pct(values, 95):.1f}x"
        print(
            f"  rollup API, {label:24} p50 {statistics.median(values):7.1f} ms   "
            f"p95 {pct(values, 95):7.1f} ms  ({len(values)} runs)   "
            f"ratio raw/rollup p95: {ratio}"
        )
    if raw:
        print(
            f"  raw GROUP BY (city)                 p50 {statistics.median(raw):7.1f} ms   "
            f"p95 {raw_p95:7.1f} ms  ({len(raw)} runs)"
        )
    print(f"  targets: rollup p95 <= 100 ms, ratio >= 50x; load average {os.getloadavg()}")


async def _district_officer(conn) -> tuple:
    """The first district union, and a union officer scoped to it (made once)."""
    district = await conn.fetchval(
        "SELECT id FROM union_unit WHERE depth = 1 ORDER BY path LIMIT 1"
    )
    phone_sealed, phone_index = sealed.seal(SECRET, "+84980000002")
    officer = await conn.fetchval("SELECT id FROM user_account WHERE phone_index = $1", phone_index)
    if officer is None:
        officer = uuid.uuid4()
        now = datetime.now(UTC)
        await conn.execute(
            "INSERT INTO user_account (id, phone_sealed, phone_index, full_name, password_hash,"
            " role, is_active, created_at, updated_at, version) VALUES ($1, $2, $3,"
            " 'Bench district', 'x', 'union_officer', true, $4, $4, 1)",
            officer,
            phone_sealed,
            phone_index,
            now,
        )
        await conn.execute(
            "INSERT INTO user_scope (id, user_id, union_unit_id, created_at)"
            " VALUES ($1, $2, $3, $4)",
            uuid.uuid4(),
            officer,
            district,
            now,
        )
    return district, officer


async def rebuild_rollups(url: str) -> None:
    started = time.perf_counter()
    engine = make_engine(url)
    async with make_session_factory(engine)() as session:
        async for step, done, total in rebuild(session):
            print(f"  rollups: {step} {done}/{total}", flush=True)
        await session.commit()
    await engine.dispose()
    conn = await asyncpg.connect(dsn_of(url))
    await conn.execute("ANALYZE")
    await conn.close()
    print(f"rollups rebuilt in {time.perf_counter() - started:.0f} s", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scans", type=int, default=10_000_000)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=2000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--raw-runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="measure the data already there")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild rollups")
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    now = datetime.now(UTC).replace(microsecond=0)
    if args.reuse:
        conn = await asyncpg.connect(dsn_of(url))
        ids = {
            "fed": await conn.fetchval("SELECT id FROM union_unit WHERE depth = 0 LIMIT 1"),
            "user": await conn.fetchval("SELECT id FROM user_account LIMIT 1"),
        }
        await conn.close()
    else:
        started = time.perf_counter()
        await fresh_database(url)
        conn = await asyncpg.connect(dsn_of(url))
        ids = await generate(conn, args, now, secret=SECRET)
        await conn.close()
        print(f"generated in {time.perf_counter() - started:.0f} s")
    if args.rebuild or not args.reuse:
        await rebuild_rollups(url)
    await measure(url, args, ids)


if __name__ == "__main__":
    asyncio.run(main())

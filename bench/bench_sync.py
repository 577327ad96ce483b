"""Phone catch-up after a week offline, over real HTTP: time and bytes on the wire, gzip or not.

A team leader's phone synced a week ago (registry, patrol feed, incident feed; cursors kept),
then the team worked a week at the design's density: two patrols a night of 20 houses (14
patrols, 280 scans, uploaded by the team's other phone through ``POST /sync/upload``) and an
incident a day (``PUT /incidents/{id}``), while the registry changed little. The phone then
pulls ``GET /sync/registry?since``, ``GET /patrols/changes?since`` and
``GET /incidents/changes?since`` (every page). Rounds alternate ``Accept-Encoding: gzip`` and
``identity`` (the uncompressed answer is the baseline); each prints wall time of the whole
catch-up and the bytes received (bodies as sent plus headers).

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_perf_sync \\
        .venv/bin/python bench/bench_sync.py --rounds 5

Target (DESIGN.md): <= 200 ms and <= 100 KB.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_http import SECRET, VENV_BIN, Server, loadavg, prepare

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_perf_sync"
FEEDS = ("/api/v1/sync/registry", "/api/v1/patrols/changes", "/api/v1/incidents/changes")


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def catch_up(client, token, cursors, encoding) -> tuple[float, int, int, dict]:
    """Pull every feed from its cursor; (seconds, bytes on the wire, items, new cursors)."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": encoding}
    wire = items = 0
    new = {}
    started = time.perf_counter()
    for feed in FEEDS:
        since = cursors.get(feed)
        while True:
            params = {"since": since} if since else {}
            r = await client.get(feed, params=params, headers=headers)
            r.raise_for_status()
            wire += r.num_bytes_downloaded + sum(len(k) + len(v) + 4 for k, v in r.headers.raw)
            body = r.json()
            items += sum(len(v) for v in body.values() if isinstance(v, list))
            since = body.get("next_cursor") or since
            if not body.get("has_more"):
                break
        new[feed] = since
    return time.perf_counter() - started, wire, items, new


async def week_of_work(client, world, token) -> None:
    """Two patrols a night of 20 houses for 7 nights, and an incident a day."""
    team = world["teams"][0]
    tokens_qr = world["qr"][0]
    headers = {"Authorization": f"Bearer {token}"}
    start0 = datetime.now(UTC) - timedelta(days=7)
    for night in range(7):
        items = []
        for p in range(2):
            pid = str(uuid.uuid4())
            start = start0 + timedelta(days=night, hours=14 + 3 * p)
            items.append(
                {
                    "kind": "patrol",
                    "id": pid,
                    "team_id": str(team["team_id"]),
                    "started_at": iso(start),
                }
            )
            for i, qr in enumerate(tokens_qr):
                items.append(
                    {
                        "kind": "scan",
                        "id": str(uuid.uuid4()),
                        "patrol_id": pid,
                        "token": qr,
                        "scanned_at": iso(start + timedelta(minutes=5 * i + 1)),
                        "lat": 10.9,
                        "lon": 106.7,
                        "accuracy_m": 8,
                    }
                )
            items.append(
                {
                    "kind": "patrol_end",
                    "id": pid,
                    "status": "completed",
                    "ended_at": iso(start + timedelta(hours=2)),
                }
            )
        body = {"sent_at": iso(datetime.now(UTC)), "items": items}
        r = await client.post("/api/v1/sync/upload", json=body, headers=headers)
        r.raise_for_status()
        incident = {
            "category": "theft",
            "severity": 3,
            "occurred_at": iso(start0 + timedelta(days=night, hours=15)),
            "summary": "Mất xe máy trước cổng nhà trọ, đã báo chủ nhà",
            "house_id": str(team["houses"][night]),
        }
        r = await client.put(f"/api/v1/incidents/{uuid.uuid4()}", json=incident, headers=headers)
        r.raise_for_status()


async def run(args, world, port) -> None:
    token = world["tokens"][0]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        _, _, _, cursors = await catch_up(client, token, {}, "gzip")  # the sync a week ago
        await week_of_work(client, world, token)
        await asyncio.sleep(args.settle)  # the feeds hold back rows fresher than their settle
        results = {"gzip": [], "identity": []}
        for r in range(args.rounds):
            for encoding in ("identity", "gzip"):
                took, wire, items, _ = await catch_up(client, token, cursors, encoding)
                results[encoding].append((took, wire))
                print(
                    f"round {r + 1} {encoding:8}: {took * 1000:7.1f} ms  {wire / 1024:7.1f} KB  "
                    f"{items} items  [load {loadavg()}]",
                    flush=True,
                )
    print(f"-- catch-up medians [load {loadavg()}]")
    for encoding, rows in results.items():
        ms = [t * 1000 for t, _ in rows]
        kb = [w / 1024 for _, w in rows]
        print(
            f"   {encoding:8}: {statistics.median(ms):.1f} ms ({min(ms):.1f}–{max(ms):.1f})  "
            f"{statistics.median(kb):.1f} KB"
        )
    g = statistics.median(w for _, w in results["gzip"])
    i = statistics.median(w for _, w in results["identity"])
    print(f"   gzip/identity bytes {g / i:.2f}x; targets <= 200 ms and <= 100 KB")


async def _qr_tokens(url, world) -> None:
    import asyncpg

    from bench.scan_ingest_data import dsn_of

    conn = await asyncpg.connect(dsn_of(url))
    try:
        world["qr"] = []
        for team in world["teams"]:
            rows = await conn.fetch(
                "SELECT checkpoint_token FROM boarding_house WHERE id = ANY($1::uuid[])"
                " ORDER BY code",
                team["houses"],
            )
            world["qr"].append([r[0] for r in rows])
    finally:
        await conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--teams", type=int, default=20, help="teams in the city (one is ours)")
    parser.add_argument("--settle", type=float, default=6.0)
    parser.add_argument("--port", type=int, default=18421)
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    world = asyncio.run(prepare(url, args.teams))
    asyncio.run(_qr_tokens(url, world))
    logs = Path(tempfile.mkdtemp(prefix="ttq-bench-sync-"))
    env = {"TTQ_DATABASE_URL": url, "TTQ_ENVIRONMENT": "production", "TTQ_SECRET_KEY": SECRET}
    argv = [str(VENV_BIN / "ttq"), "serve", "--workers", "2", "--port", str(args.port)]
    server = Server("ttq", argv, env, args.port, "/readyz", logs / "ttq.log")
    try:
        server.wait_ready()
        asyncio.run(run(args, world, args.port))
    finally:
        server.stop()


if __name__ == "__main__":
    main()

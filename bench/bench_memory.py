"""An API process's memory after a minute of mixed load, against another checkout's.

Builds the perf city (bench/perf_data.py: teams of 20 houses, leaders, a union officer), then
per round starts one API process (uvicorn on ``create_app``, as each worker of ``ttq serve``;
production settings, PostgreSQL) and drives it
for ``--seconds`` (60) with ``--clients`` (16) concurrent clients, each picking by weight:

  30 %  PUT /api/v1/incidents/{new id}   a team leader's report (routed, escalated, audited)
  25 %  GET /api/v1/me                   the phone's start-up call
  15 %  GET /api/v1/incidents?limit=50   the union officer's list
  10 %  GET /api/v1/houses?limit=50      the team leader's houses
  10 %  GET /api/v1/dashboards/summary   the union officer's dashboard (this month)
   5 %  GET /api/v1/awareness-sessions/export   a small CSV export
   5 %  GET /api/v1/teams?limit=50       the officer's teams

It prints the process's RSS when ready, after the load, and its peak (VmHWM), with the
requests per route and their statuses. ``--reference DIR`` serves another checkout (e.g.
``git archive main``) the same way, in interleaved rounds. Target (issue 13): RSS after 60 s
of mixed load <= 150 MB.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_memory_bench \\
        .venv/bin/python bench/bench_memory.py --rounds 3 --reference /tmp/ttq-main
"""

import argparse
import asyncio
import collections
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.core.security import create_access_token  # noqa: E402
from bench.bench_http import SECRET, VENV_BIN, Server, loadavg, prepare  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_memory_bench"
BODY = (
    '{{"team_id":"{team}","category":"{category}","severity":3,'
    '"occurred_at":"2026-11-20T21:14:03+07:00","summary":"Mất xe máy trước cổng nhà trọ",'
    '"place_text":"Hẻm 12","house_id":"{house}"}}'
)


def rss_mb(pid: int, key: str = "VmRSS") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def requests_for(world: dict, officer: str):
    """The weighted mix: (route label, weight, function(rnd) -> (method, path, headers, body))."""
    teams = world["teams"]
    first = date.today().replace(day=1)
    summary = (
        f"/api/v1/dashboards/summary?scope=union:{world['union']}&from={first}"
        f"&to={date.today()}&trend=week"
    )

    def leader(rnd):
        t = rnd.choice(teams)
        return t, {"Authorization": f"Bearer {t['token']}", "Content-Type": "application/json"}

    def incident(rnd):
        t, h = leader(rnd)
        category = "drugs" if rnd.random() < 0.25 else "theft"
        body = BODY.format(team=t["team_id"], category=category, house=t["houses"][0])
        return "PUT", f"/api/v1/incidents/{uuid.uuid4()}", h, body

    off = {"Authorization": f"Bearer {officer}"}
    return [
        ("PUT incident", 30, incident),
        ("GET me", 25, lambda rnd: ("GET", "/api/v1/me", leader(rnd)[1], None)),
        ("GET incidents", 15, lambda rnd: ("GET", "/api/v1/incidents?limit=50", off, None)),
        ("GET houses", 10, lambda rnd: ("GET", "/api/v1/houses?limit=50", leader(rnd)[1], None)),
        ("GET dashboard", 10, lambda rnd: ("GET", summary, off, None)),
        ("GET export", 5, lambda rnd: ("GET", "/api/v1/awareness-sessions/export", off, None)),
        ("GET teams", 5, lambda rnd: ("GET", "/api/v1/teams?limit=50", off, None)),
    ]


async def drive(port: int, mix, seconds: float, clients: int) -> dict:
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    labels = [m[0] for m in mix]
    weights = [m[1] for m in mix]
    makers = {m[0]: m[2] for m in mix}
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits
    ) as client:

        async def one(seed: int) -> None:
            rnd = random.Random(seed)
            while time.monotonic() < deadline:
                label = rnd.choices(labels, weights)[0]
                method, path, headers, body = makers[label](rnd)
                try:
                    r = await client.request(method, path, headers=headers, content=body)
                    counts[label][r.status_code] += 1
                except httpx.HTTPError as exc:
                    counts[label][type(exc).__name__] += 1

        await asyncio.gather(*(one(i) for i in range(clients)))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--teams", type=int, default=32)
    parser.add_argument("--port", type=int, default=8852)
    parser.add_argument("--reference", type=Path, help="another checkout, served the same way")
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    world = asyncio.run(prepare(url, args.teams))
    for t, token in zip(world["teams"], world["tokens"], strict=True):
        t["token"] = token
    officer = create_access_token(
        secret=SECRET, user_id=world["officer"], role="union_officer", minutes=24 * 60
    )
    mix = requests_for(world, officer)
    env = {"TTQ_DATABASE_URL": url, "TTQ_ENVIRONMENT": "production", "TTQ_SECRET_KEY": SECRET}
    logs = Path(tempfile.mkdtemp(prefix="ttq-memory-bench-"))

    def argv(port: int) -> list[str]:
        # What each of `ttq serve --workers N`'s worker processes runs (the database is
        # migrated here beforehand; a one-process `ttq serve` also holds the migration's
        # Alembic modules, which a worker never imports).
        return [
            str(VENV_BIN / "python"),
            "-m",
            "uvicorn",
            "backend.main:create_app",
            "--factory",
            "--port",
            str(port),
            "--no-access-log",
        ]

    sides = {"ttq": (ROOT, argv(args.port))}
    if args.reference:
        sides = {"ref": (args.reference, argv(args.port + 1)), **sides}
    results: dict[str, list[dict]] = {name: [] for name in sides}
    for r in range(args.rounds):
        for name, (cwd, argv) in sides.items():
            port = args.port + (1 if name == "ref" else 0)
            side_env = {**env, "PYTHONPATH": str(cwd)}
            server = Server(name, argv, side_env, port, "/readyz", logs / f"{name}{r}.log", cwd=cwd)
            try:
                server.wait_ready()
                pid = server.proc.pid
                ready = rss_mb(pid)
                counts = asyncio.run(drive(port, mix, args.seconds, args.clients))
                after, peak = rss_mb(pid), rss_mb(pid, "VmHWM")
            finally:
                server.stop()
            total = sum(sum(c.values()) for c in counts.values())
            results[name].append({"ready": ready, "after": after, "peak": peak, "total": total})
            statuses = "; ".join(f"{label} {dict(c)}" for label, c in sorted(counts.items()))
            print(
                f"round {r + 1} {name:4}: RSS ready {ready:6.1f} MB, after {args.seconds} s"
                f" {after:6.1f} MB, peak {peak:6.1f} MB; {total:,} requests"
                f" ({total / args.seconds:.0f}/s)  [load {loadavg()}]\n     {statuses}",
                flush=True,
            )
    print(f"\n-- medians of {args.rounds} rounds [load {loadavg()}]")
    for name, rows in results.items():
        parts = []
        for key in ("ready", "after", "peak"):
            values = [x[key] for x in rows]
            parts.append(
                f"{key} {statistics.median(values):.1f} MB ({min(values):.1f}–{max(values):.1f})"
            )
        print(f"   {name:4}: " + ", ".join(parts))
    print("   target: RSS after 60 s of mixed load <= 150 MB")


if __name__ == "__main__":
    main()

"""CPU per request of the API process, in-process, without sockets: the floor, /me, incident PUT.

Why this exists beside bench_http.py: on a shared machine wall-clock throughput swings with
other work, but the CPU a request costs the API process (``time.process_time``) barely does.
This drives the ASGI app directly (a minimal scope/receive/send, no HTTP client in the way), as
production runs it (``TTQ_ENVIRONMENT=production``, JSON request log, to a file), on PostgreSQL
with the bench city of bench/perf_data.py, and prints the median CPU per request of ``--rounds``
batches of ``--requests`` each, the statements per request and the load average.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_cpu \\
        .venv/bin/python bench/cpu_per_request.py --figure ping,me,incident
    # then --reuse (keeps the data); --profile FILE writes a cProfile of the measured batches;
    # --app-dir DIR measures another checkout (e.g. `git archive main`) on the same data.

The database is dropped and rebuilt from the migrations unless --reuse: give it its own.
"""

import argparse
import asyncio
import cProfile
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_cpu_bench"
WORLD_FILE = "/tmp/ttq-cpu-bench-{name}.json"


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def prepare(url: str, teams: int) -> dict:
    from bench import perf_data
    from bench.scan_ingest_data import dsn_of, fresh_database

    await fresh_database(url)
    world = await perf_data.seed(dsn_of(url), teams, secret=SECRET)
    return {
        "teams": [
            {"team_id": str(t["team_id"]), "leader": str(t["leader"]), "house": str(t["houses"][0])}
            for t in world["teams"]
        ]
    }


class Statements:
    """Counts statements sent to the database: SQLAlchemy's and raw asyncpg calls."""

    def __init__(self, engine) -> None:
        import asyncpg.connection
        from sqlalchemy import event

        self.count = 0

        def on_execute(*_args) -> None:
            self.count += 1

        event.listen(engine.sync_engine, "before_cursor_execute", on_execute)
        raw = asyncpg.connection.Connection
        for name in ("fetchrow", "fetch", "fetchval", "execute"):
            original = getattr(raw, name)
            if getattr(original, "_counted", False):
                continue

            def counted(conn, *args, _original=original, **kwargs):
                # Only calls from the app, not from SQLAlchemy's adapter (it prepares instead).
                self.count += 1
                return _original(conn, *args, **kwargs)

            counted._counted = True
            setattr(raw, name, counted)


def asgi_request(method: str, path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""):
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 9100),
        "state": {},
    }
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return scope, receive


async def run(args, world: dict, log) -> dict:
    from backend.core.security import create_access_token
    from backend.main import create_app

    stderr, sys.stderr = sys.stderr, log
    try:
        app = create_app()
    finally:
        sys.stderr = stderr
    counter = Statements(app.state.engine)
    teams = world["teams"]
    tokens = [
        create_access_token(
            secret=SECRET, user_id=uuid.UUID(t["leader"]), role="team_leader", minutes=24 * 60
        ).encode()
        for t in teams
    ]
    status: list[int] = []

    async def send(message):
        if message["type"] == "http.response.start":
            status.append(message["status"])

    n = 0

    def make(figure: str):
        nonlocal n
        n += 1
        i = n % len(teams)
        auth = (b"authorization", b"Bearer " + tokens[i])
        accept = (b"accept-encoding", b"gzip, deflate")
        if figure == "ping":
            return asgi_request("GET", "/healthz", [accept])
        if figure == "me":
            return asgi_request("GET", "/api/v1/me", [auth, accept])
        category = "drugs" if n % 4 == 0 else "theft"
        body = json.dumps(
            {
                "team_id": teams[i]["team_id"],
                "category": category,
                "severity": 3,
                "occurred_at": "2026-11-20T21:14:03+07:00",
                "summary": "Mất xe máy trước cổng nhà trọ",
                "place_text": "Hẻm 12",
                "house_id": teams[i]["house"],
            },
            ensure_ascii=False,
        ).encode()
        headers = [auth, accept, (b"content-type", b"application/json")]
        return asgi_request("PUT", f"/api/v1/incidents/{uuid.uuid4()}", headers, body)

    profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waits
    results = {}
    async with app.router.lifespan_context(app):
        for figure in args.figure.split(","):
            for _ in range(args.warmup):
                scope, receive = make(figure)
                await app(scope, receive, send)
            status.clear()
            per_round, statements = [], []
            for _ in range(args.rounds):
                counter.count = 0
                start = time.process_time()
                if profiler:
                    profiler.enable()
                for _ in range(args.requests):
                    scope, receive = make(figure)
                    await app(scope, receive, send)
                if profiler:
                    profiler.disable()
                per_round.append((time.process_time() - start) * 1000 / args.requests)
                statements.append(counter.count / args.requests)
            bad = [s for s in status if s >= 300]
            results[figure] = per_round
            print(
                f"{figure:9s} CPU/request median {statistics.median(per_round):.3f} ms "
                f"(spread {min(per_round):.3f}-{max(per_round):.3f}, {args.rounds} x "
                f"{args.requests}) statements/request {statistics.median(statements):.2f} "
                f"status {sorted(set(status))}{' BAD ' + str(len(bad)) if bad else ''} "
                f"[load {loadavg()}]",
                flush=True,
            )
    if profiler:
        profiler.dump_stats(args.profile)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--figure", default="ping,me,incident")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--teams", type=int, default=64)
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    parser.add_argument("--profile", help="write a cProfile of the measured requests here")
    parser.add_argument("--json", help="write the per-round figures here")
    parser.add_argument("--app-dir", type=Path, help="measure this checkout's backend instead")
    args = parser.parse_args()
    args.url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    # Before anything imports the settings (they are read once per process).
    os.environ.setdefault("TTQ_ENVIRONMENT", "production")
    os.environ["TTQ_SECRET_KEY"] = SECRET
    os.environ["TTQ_DATABASE_URL"] = args.url
    os.environ["TTQ_LOG_JSON"] = "true"
    world_file = Path(WORLD_FILE.format(name=args.url.rsplit("/", 1)[-1]))
    if args.app_dir:
        sys.path.insert(0, str(args.app_dir.resolve()))
        for name in [m for m in sys.modules if m == "backend" or m.startswith("backend.")]:
            del sys.modules[name]
    if not args.reuse or not world_file.exists():
        world_file.write_text(json.dumps(asyncio.run(prepare(args.url, args.teams))))
    world = json.loads(world_file.read_text())
    with open("/tmp/ttq-cpu-bench.log", "w") as log:  # the app's JSON request log
        results = asyncio.run(run(args, world, log))
    if args.json:
        Path(args.json).write_text(json.dumps(results))


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()

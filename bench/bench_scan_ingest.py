"""Scan ingest throughput: the real batch upload path against a raw asyncpg COPY of the same rows.

What is measured
  upload: POST /api/v1/sync/upload through the whole ASGI app in-process (httpx ASGITransport:
          bearer auth and scope loading, Idempotency-Key claim, request validation, flagging
          with its set-based lookups, bulk insert (binary COPY under a savepoint, as the ids
          were just looked up; COPY to a stage + INSERT ... ON CONFLICT DO NOTHING only if a
          concurrent batch took one), audit, commit), batches of 500 scans of 20-house patrols,
          ``--concurrency`` requests in flight per API process, ``--processes`` API processes
          (each its own app and pool, as ``ttq serve --workers N``);
          with ``--http PORT``: through ``ttq serve --workers PROCESSES`` on PORT (production
          settings) over real sockets, PROCESSES x CONCURRENCY in flight (the figure that
          counts: it includes the HTTP cost);
  copy:   the very rows the upload stored, read back, the table emptied, then written again
          with asyncpg ``copy_records_to_table`` into the same table with the same indexes,
          ``--copy-runs`` times (the median run is the baseline: one run lasts about a second,
          and its rate swings by a third from run to run on a shared machine).
Prints scans/s for both and their ratio, the CPU each spent per 500 scans (this process and
the PostgreSQL backends, from /proc), and the capacity those CPU costs allow on idle cores:
the wall-clock figures drop whenever something else runs on the machine.
Targets (DESIGN.md): >= 5,000 scans/s and >= 25 % of COPY on 2 cores. Data: scan_ingest_data.py.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_bench \\
        python bench/bench_scan_ingest.py   # 3 rounds, 2 API processes x 2 uploads in flight

The database is dropped and rebuilt from the migrations: give it a database of its own.
"""

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from backend.core.config import Settings
from backend.core.heap import settle_heap
from backend.core.security import create_access_token
from backend.main import create_app
from bench import scan_ingest_data as data
from bench.scan_ingest_data import SCANS_PER_BATCH, dsn_of, fresh_database, iso

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_bench"
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"


def _proc_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _backends_cpu(monitor, database: str) -> dict[int, float]:
    """CPU used so far by each PostgreSQL backend serving this database (but the monitor)."""
    pids = await monitor.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        database,
    )
    return {r["pid"]: _proc_cpu(r["pid"]) for r in pids}


def _spent(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


SENT_AT = b"__SENT_AT__"
CREATED = re.compile(rb'"summary":\{"created":(\d+)')


def _encode(items) -> bytes:
    """The request body, serialised ahead of the timed run (the phone's work, not ours)."""
    return json.dumps({"sent_at": SENT_AT.decode(), "items": items}).encode()


async def _post(client, token, items, key=None):
    encoded = items if isinstance(items, bytes) else _encode(items)
    body = encoded.replace(SENT_AT, iso(datetime.now(UTC)).encode(), 1)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    r = await client.post("/api/v1/sync/upload", content=body, headers=headers)
    if r.status_code != 200:
        raise SystemExit(f"upload failed: {r.status_code} {r.text[:500]}")
    # only the counts are needed: the phone's JSON parsing is not the server's work
    return {"summary": {"created": int(CREATED.search(r.content).group(1))}}


def _settings(url: str) -> Settings:
    return Settings(
        environment="test", database_url=url, secret_key=SECRET, log_json=False, log_level="ERROR"
    )


async def _upload_share(url, share, concurrency, gc_freeze, ready, go, done, report) -> None:
    """One API process: its own app in-process, a warm-up, then its share of the batches."""
    app = create_app(_settings(url))
    if gc_freeze:
        settle_heap()  # what the server's start-up does (httpx's transport skips the lifespan)
    created = 0
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        token, body = share[0]
        await _post(client, token, body, key=str(uuid.uuid4()))  # warm-up, not timed
        queue = list(reversed(share[1:]))

        async def worker():
            nonlocal created
            while queue:
                token, body = queue.pop()
                res = await _post(client, token, body, key=str(uuid.uuid4()))
                created += res["summary"]["created"]

        ready.wait()
        go.wait()
        started, cpu = time.time(), time.process_time()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        report.put((started, time.time(), time.process_time() - cpu, created))
        done.wait()  # keep the connections (and their backends' CPU counters) until measured
    await app.state.engine.dispose()


def _child(*args) -> None:
    asyncio.run(_upload_share(*args))


async def _upload_http(port, server_pid, bodies, in_flight, monitor, database):
    """Post the batches to a running ``ttq serve`` over real sockets, ``in_flight`` at once.

    Returns (seconds, server CPU seconds, PostgreSQL CPU seconds, scans created)."""
    created = 0
    limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", limits=limits, timeout=120
    ) as client:
        for token, body in bodies[:in_flight]:  # warm-up: connections, plans (not timed)
            await _post(client, token, body, key=str(uuid.uuid4()))
        queue = list(reversed(bodies[in_flight:]))

        async def worker():
            nonlocal created
            while queue:
                token, body = queue.pop()
                res = await _post(client, token, body, key=str(uuid.uuid4()))
                created += res["summary"]["created"]

        pg_before, cpu_before = await _backends_cpu(monitor, database), _tree_cpu(server_pid)
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(in_flight)))
        seconds = time.perf_counter() - started
        server_cpu = _tree_cpu(server_pid) - cpu_before
        pg = _spent(pg_before, await _backends_cpu(monitor, database))
    return seconds, server_cpu, pg, created


def _tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (``ttq serve``'s supervisor and workers)."""
    children = [int(p.parent.name) for p in Path("/proc").glob("[0-9]*/stat") if _parent(p) == pid]
    return _proc_cpu(pid) + sum(_proc_cpu(c) for c in children)


def _parent(stat: Path) -> int:
    try:
        return int(stat.read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


def _serve(url: str, processes: int, port: int):
    """``ttq serve --workers N`` as production runs it (JSON log to a file), 8 + 0 connections
    per process (PostgreSQL's 100 are shared on this machine)."""
    from bench.bench_http import VENV_BIN, Server

    env = {
        "TTQ_DATABASE_URL": url,
        "TTQ_ENVIRONMENT": "production",
        "TTQ_SECRET_KEY": SECRET,
        "TTQ_DB_POOL_SIZE": "8",
        "TTQ_DB_MAX_OVERFLOW": "0",  # as shipped: no burst connections to close and reopen
    }
    argv = [str(VENV_BIN / "ttq"), "serve", "--workers", str(processes), "--port", str(port)]
    server = Server("ttq", argv, env, port, "/readyz", Path(f"/tmp/ttq-ingest-{port}.log"))
    server.wait_ready()
    return server


async def run(
    url: str,
    batches: int,
    concurrency: int,
    teams: int,
    seed: int,
    processes: int,
    gc_freeze: bool,
    copy_runs: int,
    http_port: int | None = None,
) -> tuple[float, float]:
    rng = random.Random(seed)
    dsn = dsn_of(url)
    print(f"database: {url}\npreparing: schema from migrations, {teams} teams ...", flush=True)
    await fresh_database(url)
    world = await data.seed(dsn, teams, rng, secret=SECRET)
    warmups = processes * concurrency if http_port else processes
    work = data.batches(world, batches + warmups, rng)
    tokens = {
        t["user_id"]: create_access_token(
            secret=SECRET, user_id=t["user_id"], role="team_member", minutes=60
        )
        for t in world
    }
    app = create_app(_settings(url))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://bench"
    ) as client:
        for team, patrols, _ in work:  # the patrols first (not timed)
            await _post(client, tokens[team["user_id"]], patrols)
    await app.state.engine.dispose()
    bodies = [(tokens[team["user_id"]], _encode(scans)) for team, _, scans in work]
    monitor = await asyncpg.connect(dsn)
    database = dsn.rpartition("/")[2]
    if http_port:
        server = _serve(url, processes, http_port)
        try:
            upload_s, py_upload, pg_upload, n = await _upload_http(
                http_port, server.proc.pid, bodies, processes * concurrency, monitor, database
            )
        finally:
            server.stop()
        await monitor.close()
        n_expected = (len(bodies) - processes * concurrency) * SCANS_PER_BATCH
        assert n == n_expected, (n, n_expected)
    else:
        shares = [bodies[i::processes] for i in range(processes)]  # each starts with a warm-up

        mp = multiprocessing.get_context("spawn")
        ready, go, done = (mp.Barrier(processes + 1) for _ in range(3))
        report = mp.Queue()
        children = [
            mp.Process(
                target=_child, args=(url, share, concurrency, gc_freeze, ready, go, done, report)
            )
            for share in shares
        ]
        for child in children:
            child.start()
        await asyncio.to_thread(ready.wait)
        pg_before = await _backends_cpu(monitor, database)
        await asyncio.to_thread(go.wait)
        reports = [await asyncio.to_thread(report.get) for _ in children]
        pg_upload = _spent(pg_before, await _backends_cpu(monitor, database))
        await asyncio.to_thread(done.wait)
        for child in children:
            child.join()
        await monitor.close()
        upload_s = max(r[1] for r in reports) - min(r[0] for r in reports)
        py_upload = sum(r[2] for r in reports)
        n = sum(r[3] for r in reports)
        assert n == batches * SCANS_PER_BATCH, (n, batches)

    upload_rate = n / upload_s

    conn = await asyncpg.connect(dsn)
    try:
        flagged = await conn.fetchval("SELECT count(*) FROM checkpoint_scan WHERE flags <> 0")
        total = await conn.fetchval("SELECT count(*) FROM checkpoint_scan")
        columns = [
            r["attname"]
            for r in await conn.fetch(
                "SELECT attname FROM pg_attribute WHERE attrelid = 'checkpoint_scan'::regclass"
                " AND attnum > 0 AND NOT attisdropped ORDER BY attnum"
            )
        ]
        rows = [
            tuple(r) for r in await conn.fetch(f"SELECT {', '.join(columns)} FROM checkpoint_scan")
        ]
        backend = await conn.fetchval("SELECT pg_backend_pid()")
        runs = []  # (seconds, python CPU, PostgreSQL CPU) per run; the median run is reported
        for _ in range(max(1, copy_runs)):
            await conn.execute("TRUNCATE checkpoint_scan")
            await conn.execute("CHECKPOINT")
            pg_before, py_before = _proc_cpu(backend), time.process_time()
            t0 = time.perf_counter()
            async with conn.transaction():
                await conn.copy_records_to_table("checkpoint_scan", records=rows, columns=columns)
            runs.append(
                (
                    time.perf_counter() - t0,
                    time.process_time() - py_before,
                    _proc_cpu(backend) - pg_before,
                )
            )
        copy_s, py_copy, pg_copy = sorted(runs)[len(runs) // 2]
    finally:
        await conn.close()
    copy_rate = len(rows) / copy_s
    print(
        f"\nrows: {total} scans ({flagged} flagged) in batches of {SCANS_PER_BATCH}, "
        f"{processes} API process(es) x {concurrency} uploads in flight, {os.cpu_count()} CPUs"
        f"{'' if gc_freeze else ', start-up heap NOT frozen'}"
    )
    line = "{:<31} {:>7} scans in {:6.2f} s = {:9,.0f} scans/s{}"
    how = "upload over HTTP (ttq serve):" if http_port else "upload path (ASGI in-process):"
    print(line.format(how, n, upload_s, upload_rate, ""))
    spread = f"  (median of {len(runs)}: {', '.join(f'{len(rows) / r[0]:,.0f}' for r in runs)})"
    print(line.format("raw asyncpg COPY, same rows:", len(rows), copy_s, copy_rate, spread))
    ratio = upload_rate / copy_rate
    print(f"ratio upload / COPY: {ratio:.1%}")
    per = 1000 * SCANS_PER_BATCH
    print(
        f"CPU per 500 scans: upload {py_upload * per / n:5.1f} ms python + "
        f"{pg_upload * per / n:5.1f} ms postgres; COPY {py_copy * per / len(rows):5.1f} ms python"
        f" + {pg_copy * per / len(rows):5.1f} ms postgres"
    )
    # What the CPU costs allow on idle cores (the wall-clock figures above suffer whenever
    # other work shares the machine): each API process is one thread, PostgreSQL runs beside.
    cores = os.cpu_count() or 1
    py_b, pg_b = py_upload / n, pg_upload / n
    upload_cap = 1 / max(py_b / min(processes, cores), (py_b + pg_b) / cores)
    copy_py, copy_pg = py_copy / len(rows), pg_copy / len(rows)
    copy_cap = 1 / max(copy_py, copy_pg, (copy_py + copy_pg) / cores)
    print(
        f"CPU-bound capacity on {cores} idle cores (derived): upload {upload_cap:,.0f} scans/s, "
        f"COPY {copy_cap:,.0f} scans/s, ratio {upload_cap / copy_cap:.1%}"
    )
    print(f"load average at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return upload_rate, copy_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default=os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--batches", type=int, default=120, help="timed batches of 500 scans")
    parser.add_argument("--concurrency", type=int, default=2, help="uploads in flight per process")
    parser.add_argument(
        "--processes", type=int, default=2, help="API processes (like `ttq serve --workers N`)"
    )
    parser.add_argument(
        "--no-gc-freeze",
        dest="gc_freeze",
        action="store_false",
        help="skip what the server does at start-up (backend.core.heap.settle_heap)",
    )
    parser.add_argument(
        "--copy-runs", type=int, default=5, help="COPY baseline runs per round (median used)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="whole runs, each on fresh data (medians used)"
    )
    parser.add_argument("--teams", type=int, default=40)
    parser.add_argument(
        "--http",
        type=int,
        metavar="PORT",
        help="serve with `ttq serve --workers PROCESSES` on PORT and upload over real sockets "
        "(PROCESSES x CONCURRENCY in flight); the figure that counts",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        raise SystemExit("the benchmark runs against PostgreSQL (set TTQ_BENCH_DATABASE_URL)")
    rounds = []
    for number in range(1, args.rounds + 1):
        print(f"\n=== round {number} of {args.rounds}")
        rounds.append(
            asyncio.run(
                run(
                    args.url,
                    args.batches,
                    args.concurrency,
                    args.teams,
                    args.seed + number,
                    args.processes,
                    args.gc_freeze,
                    args.copy_runs,
                    args.http,
                )
            )
        )
    # Each round is a fresh database and fresh data; the medians damp the swings of a shared
    # machine, which move single rounds by a third either way.
    upload_rate = statistics.median(u for u, _ in rounds)
    copy_rate = statistics.median(c for _, c in rounds)
    ratios = [u / c for u, c in rounds]
    print(
        f"\nover {len(rounds)} rounds: upload {upload_rate:,.0f} scans/s (median), COPY "
        f"{copy_rate:,.0f} scans/s (median), ratio of medians {upload_rate / copy_rate:.1%}; "
        f"per round {', '.join(f'{r:.1%}' for r in ratios)}"
    )
    ok = upload_rate >= 5000 and upload_rate / copy_rate >= 0.25
    print("PASS (>= 5,000 scans/s and >= 25 % of COPY)" if ok else "BELOW TARGET")


if __name__ == "__main__":
    main()

"""HTTP benches against raw baselines, over real sockets, servers run as production runs them.

Figures (``--figure``):
  incident  PUT /api/v1/incidents/{id} (a team leader's report, submitted: validated, routed,
            escalated, timelined, audited, put on the outbox, committed) against the bare
            Starlette + asyncpg endpoint inserting the same incident row (bench/bare_app.py).
  me        GET /api/v1/me (bearer token decoded, the user and their scope loaded) against a bare
            endpoint doing one indexed SELECT of the user.
  ping      GET /healthz against a bare constant answer: each stack's floor. With `me` it gives
            the marginal price of authentication (TTQ me - TTQ ping) against that of one
            indexed SELECT (bare me - bare ping), in server CPU per request.

Both servers run side by side as ``--workers 2`` uvicorn processes (TTQ through ``ttq serve
--workers 2`` on PostgreSQL, as the README tells production; the bare app through uvicorn with
the same worker count, no access log either way... TTQ keeps its own JSON request log, to a
file). The load generator is wrk (``apt-get install wrk``) with bench/put_incident.lua or
bench/get_me.lua, ``--connections`` (64) over 2 threads. Rounds are interleaved
(bare, TTQ, bare, TTQ, …) so both see the same machine; the script prints each round, the
medians with their spread, the ratios, the server CPU per request (API processes, from /proc)
and the load average beside every line.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_perf_bench \\
        .venv/bin/python bench/bench_http.py --figure incident --rounds 3 --seconds 15

The database is dropped and rebuilt from the migrations: give it a database of its own.
Targets (DESIGN.md): incident >= 0.5x bare req/s and p99 <= 2x bare p99; me <= 2x bare.
"""

import argparse
import asyncio
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.core.security import create_access_token  # noqa: E402
from bench import perf_data  # noqa: E402
from bench.scan_ingest_data import dsn_of, fresh_database  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_perf_bench"
SECRET = "bench-secret-key-that-is-long-enough-0123456789abcdef"
VENV_BIN = Path(sys.executable).parent


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its children (uvicorn's master and workers), from /proc."""
    total = 0.0
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    for p in pids:
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def pg_cpu(dsn: str) -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL backend serving the bench's database."""

    async def pids() -> list[int]:
        conn = await asyncpg.connect(dsn)
        try:
            rows = await conn.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid()"
            )
        finally:
            await conn.close()
        return [r["pid"] for r in rows]

    out = {}
    for pid in asyncio.run(pids()):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def request_log(path: Path) -> tuple[dict[int, int], float]:
    """Answers by status and the slowest one (ms), from TTQ's JSON request log."""
    import json

    statuses: dict[int, int] = {}
    slowest = 0.0
    for line in path.read_text(errors="replace").splitlines():
        if '"msg": "request"' not in line:
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        statuses[entry["status"]] = statuses.get(entry["status"], 0) + 1
        slowest = max(slowest, entry.get("ms", 0.0))
    return dict(sorted(statuses.items())), slowest


def tree_rss_mb(pid: int) -> list[float]:
    """RSS (MB) of each child process of ``pid`` (the API workers)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(fields[21]) * os.sysconf("SC_PAGE_SIZE") / 2**20)
    return out


class Server:
    """A server process group started for the bench, stopped at the end (only what we started)."""

    def __init__(self, name, argv, env: dict, port: int, probe: str, log: Path, cwd: Path = ROOT):
        self.name, self.port, self.probe = name, port, probe
        self.log = open(log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            argv,
            cwd=cwd,
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, headers=None, timeout=60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise SystemExit(f"{self.name} exited with {code}; see {self.log.name}")
            try:
                url = f"http://127.0.0.1:{self.port}{self.probe}"
                r = httpx.get(url, headers=headers, timeout=2)
                if r.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"{self.name} did not become ready; see {self.log.name}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


LAT = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
ERRORS = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)")


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def wrk(url: str, script: str, env: dict, connections: int, seconds: int) -> dict:
    """One wrk run: requests/s, p99 (ms), non-2xx and socket errors."""
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(ROOT / "bench" / script),
            url,
        ],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lat = LAT.search(out)
    errors = ERRORS.search(out)
    non2xx = NON2XX.search(out)
    return {
        "rps": float(RPS.search(out).group(1)),
        "p99": _ms(*lat.groups()) if lat else float("nan"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "sock_errors": sum(int(g) for g in errors.groups()) if errors else 0,
        "raw": out,
    }


def spread(values: list[float]) -> str:
    return f"{min(values):.1f}–{max(values):.1f}"


FIGURES = {
    # name: (wrk script, TTQ path, bare path, env key for the path)
    "incident": ("put_incident.lua", "/api/v1/incidents/", "/bare/incidents/", "PATH_PREFIX"),
    "me": ("get_me.lua", "/api/v1/me", "/bare/me", "PATH_GET"),
    # The floor of each stack (no database, no authentication): what is left of `me` after it
    # is the price of the user and scope (TTQ) or of the one SELECT (bare).
    "ping": ("get_me.lua", "/healthz", "/bare/ping", "PATH_GET"),
}
# bench/floor_app.py (``--floor``): FastAPI, TTQ's body model, token check and caller read, then
# the bare insert (or, for `me`, the answer). TTQ cannot beat it: its ratio to bare bounds any
# FastAPI implementation that authenticates with a dependency.
FLOOR_PATHS = {"incident": "/floor/incidents/", "me": "/floor/me", "ping": "/floor/ping"}


# Serves an older checkout with its own code, its pool sized like TTQ's here (an older
# checkout may not read these settings).
LAUNCHER = """
import os

import backend.main as m
from sqlalchemy.pool import AsyncAdaptedQueuePool

_make = m.make_engine


def _small(url, *args, **kwargs):
    kwargs.update(
        poolclass=AsyncAdaptedQueuePool,
        pool_size=int(os.environ["TTQ_DB_POOL_SIZE"]),
        max_overflow=int(os.environ["TTQ_DB_MAX_OVERFLOW"]),
    )
    return _make(url, *args, **kwargs)


m.make_engine = _small
create_app = m.create_app
"""


def reference_server(src: Path, env: dict, port: int, logs: Path, workers: str) -> Server:
    (src / "ttq_bench_reference.py").write_text(LAUNCHER)
    argv = [
        str(VENV_BIN / "python"),
        "-m",
        "uvicorn",
        "ttq_bench_reference:create_app",
        "--factory",
        "--workers",
        workers,
        "--port",
        str(port),
        "--app-dir",
        str(src),
        "--no-access-log",  # as `ttq serve` runs: the access log cost `ref` ~0.05 ms a request
    ]
    ref_env = {**env, "PYTHONPATH": str(src)}
    return Server("ref", argv, ref_env, port, "/readyz", logs / "ref.log", cwd=src)


def run_figure(figure, servers, world, args) -> dict:
    script, ttq_path, bare_path, key = FIGURES[figure]
    tokens = world["tokens"]
    base_env = {
        "BENCH_TOKENS": ",".join(tokens),
        "BENCH_TEAMS": ",".join(str(t["team_id"]) for t in world["teams"]),
        "BENCH_HOUSES": ",".join(str(t["houses"][0]) for t in world["teams"]),
    }
    sides = {
        "bare": (servers["bare"], {**base_env, key: bare_path}),
        "ttq": (servers["ttq"], {**base_env, key: ttq_path}),
    }
    if "ref" in servers:
        sides["ref"] = (servers["ref"], {**base_env, key: ttq_path})
    if "floor" in servers and figure in FLOOR_PATHS:
        sides["floor"] = (servers["floor"], {**base_env, key: FLOOR_PATHS[figure]})
    results: dict[str, list[dict]] = {name: [] for name in sides}
    for server, env in sides.values():  # warm-up: connections, plans, caches
        wrk(f"http://127.0.0.1:{server.port}", script, env, args.connections, 3)
    print(f"\n== {figure}: {args.rounds} rounds x {args.seconds} s, {args.connections} connections")
    for r in range(args.rounds):
        for name, (server, env) in sides.items():
            cpu0, pg0 = tree_cpu(server.proc.pid), pg_cpu(world["dsn"])
            url = f"http://127.0.0.1:{server.port}"
            res = wrk(url, script, env, args.connections, args.seconds)
            cpu = tree_cpu(server.proc.pid) - cpu0
            pg1 = pg_cpu(world["dsn"])
            pg = sum(v - pg0.get(pid, 0.0) for pid, v in pg1.items())
            done = res["rps"] * args.seconds
            res["cpu_ms"] = cpu * 1000 / done if done else float("nan")
            res["pg_ms"] = pg * 1000 / done if done else float("nan")
            res["load"] = loadavg()
            results[name].append(res)
            print(
                f"round {r + 1} {name:4}: {res['rps']:8.1f} req/s  p99 {res['p99']:8.1f} ms  "
                f"server CPU {res['cpu_ms']:6.2f} + PostgreSQL {res['pg_ms']:5.2f} ms/req  "
                f"non-2xx {res['non2xx']}  "
                f"socket errors {res['sock_errors']}  [load {res['load']}]",
                flush=True,
            )
            if res["non2xx"] or res["sock_errors"]:
                print(res["raw"])
    summary = {}
    for name in sides:
        rps = [x["rps"] for x in results[name]]
        p99 = [x["p99"] for x in results[name]]
        cpu = [x["cpu_ms"] for x in results[name]]
        pgc = [x["pg_ms"] for x in results[name]]
        summary[name] = {
            "pg": statistics.median(pgc),
            "rps": statistics.median(rps),
            "p99": statistics.median(p99),
            "cpu": statistics.median(cpu),
            "rps_spread": spread(rps),
            "p99_spread": spread(p99),
        }
    b, t = summary["bare"], summary["ttq"]
    # Ratios per round too (each pair ran back to back), then their median.
    rps_ratio = [x["rps"] / y["rps"] for x, y in zip(results["ttq"], results["bare"], strict=True)]
    p99_ratio = [x["p99"] / y["p99"] for x, y in zip(results["ttq"], results["bare"], strict=True)]
    print(f"-- {figure} medians [load {loadavg()}]")
    for name, s in summary.items():
        print(
            f"   {name:4}: {s['rps']:8.1f} req/s ({s['rps_spread']})  p99 {s['p99']:.1f} ms "
            f"({s['p99_spread']})  server CPU {s['cpu']:.2f} + PostgreSQL {s['pg']:.2f} ms/req"
        )
    print(
        f"   TTQ/bare req/s {statistics.median(rps_ratio):.2f}x (rounds "
        f"{', '.join(f'{x:.2f}' for x in rps_ratio)}); p99 {statistics.median(p99_ratio):.2f}x "
        f"(rounds {', '.join(f'{x:.2f}' for x in p99_ratio)}); CPU/req {t['cpu'] / b['cpu']:.2f}x"
    )
    if "ref" in summary:
        r = summary["ref"]
        print(
            f"   ref/bare req/s {r['rps'] / b['rps']:.2f}x, p99 {r['p99'] / b['p99']:.2f}x, "
            f"CPU/req "
            f"{r['cpu'] / b['cpu']:.2f}x; TTQ/ref req/s {t['rps'] / r['rps']:.2f}x, "
            f"CPU/req {t['cpu'] / r['cpu']:.2f}x"
        )
    if "floor" in summary:
        f = summary["floor"]
        print(
            f"   floor/bare req/s {f['rps'] / b['rps']:.2f}x, p99 {f['p99'] / b['p99']:.2f}x, "
            f"CPU/req {f['cpu'] / b['cpu']:.2f}x; TTQ/floor req/s {t['rps'] / f['rps']:.2f}x, "
            f"CPU/req {t['cpu'] / f['cpu']:.2f}x"
        )
    return summary


async def prepare(url: str, teams: int) -> dict:
    await fresh_database(url)
    world = await perf_data.seed(dsn_of(url), teams, secret=SECRET)
    world["dsn"] = dsn_of(url)
    world["tokens"] = [
        create_access_token(secret=SECRET, user_id=t["leader"], role="team_leader", minutes=24 * 60)
        for t in world["teams"]
    ]
    return world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--figure", default="all", help=f"all, or comma-separated: {', '.join(FIGURES)}"
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--teams", type=int, default=64)
    parser.add_argument(
        "--port",
        type=int,
        default=18401,
        help="TTQ; the bare app gets +1, the reference +2, the floor app +3",
    )
    parser.add_argument("--keep", action="store_true", help="leave servers running (debug)")
    parser.add_argument(
        "--reference",
        type=Path,
        help="another checkout of TTQ (e.g. `git archive main`): served too, as `ref`",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also serve bench/floor_app.py (FastAPI doing only auth and the insert), as `floor`",
    )
    parser.add_argument(
        "--ttq-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra TTQ server settings, e.g. TTQ_DATABASE_URL=... (through PgBouncer) and "
        "TTQ_DB_STATEMENT_CACHE_SIZE=0; the data is still prepared directly",
    )
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    world = asyncio.run(prepare(url, args.teams))
    logs = Path(tempfile.mkdtemp(prefix="ttq-bench-"))
    # PostgreSQL's 100 connections are shared (other databases, CI): both sides keep to
    # 2 x 8 here. Python, not the pool, is the bottleneck at 64 clients.
    ttq_env = {
        "TTQ_DATABASE_URL": url,
        "TTQ_ENVIRONMENT": "production",
        "TTQ_SECRET_KEY": SECRET,
        "TTQ_DB_POOL_SIZE": "8",
        "TTQ_DB_MAX_OVERFLOW": "0",  # as shipped: no burst connections to close and reopen
        **dict(item.split("=", 1) for item in args.ttq_env),
    }
    bare_env = {
        "BARE_DSN": dsn_of(url),
        "BARE_ADMIN_UNIT": str(world["ward"]),
        "BARE_UNION_UNIT": str(world["union"]),
        "BARE_USER": str(world["teams"][0]["leader"]),
    }
    w = str(args.workers)
    servers = {
        "ttq": Server(
            "ttq",
            [str(VENV_BIN / "ttq"), "serve", "--workers", w, "--port", str(args.port)],
            ttq_env,
            args.port,
            "/readyz",
            logs / "ttq.log",
        ),
        "bare": Server(
            "bare",
            [
                str(VENV_BIN / "uvicorn"),
                "bench.bare_app:app",
                "--workers",
                w,
                "--port",
                str(args.port + 1),
                "--no-access-log",
            ],
            bare_env,
            args.port + 1,
            "/bare/me",
            logs / "bare.log",
        ),
    }
    if args.reference:
        servers["ref"] = reference_server(args.reference, ttq_env, args.port + 2, logs, w)
    if args.floor:
        floor_argv = [str(VENV_BIN / "uvicorn"), "bench.floor_app:app", "--workers", w]
        servers["floor"] = Server(
            "floor",
            [*floor_argv, "--port", str(args.port + 3), "--no-access-log"],
            {**bare_env, "TTQ_SECRET_KEY": SECRET},
            args.port + 3,
            "/floor/ping",
            logs / "floor.log",
        )
    try:
        for s in servers.values():
            s.wait_ready()
        print(
            f"servers ready (logs in {logs}); TTQ workers RSS MB: "
            f"{[round(x) for x in tree_rss_mb(servers['ttq'].proc.pid)]}  [load {loadavg()}]"
        )
        done = {}
        for figure in FIGURES if args.figure == "all" else args.figure.split(","):
            done[figure] = run_figure(figure, servers, world, args)
        if "me" in done and "ping" in done:
            me, ping = done["me"], done["ping"]
            for name in me:
                print(
                    f"-- {name}: CPU/req of me {me[name]['cpu']:.3f} ms - ping "
                    f"{ping[name]['cpu']:.3f} ms = {me[name]['cpu'] - ping[name]['cpu']:.3f} ms"
                )
            select = me["bare"]["cpu"] - ping["bare"]["cpu"]
            for name in (n for n in me if n != "bare"):
                auth = me[name]["cpu"] - ping[name]["cpu"]
                print(
                    f"-- the user and scope ({name} me - ping) cost {auth / select:.2f}x one bare "
                    f"indexed SELECT (bare me - ping) in server CPU [load {loadavg()}]"
                )
        print(
            f"TTQ workers RSS MB after: {[round(x) for x in tree_rss_mb(servers['ttq'].proc.pid)]}"
        )
        restarts = [
            line
            for line in (logs / "ttq.log").read_text(errors="replace").splitlines()
            if "died" in line or "unhealthy" in line.lower() or "restart" in line.lower()
        ]
        print(f"TTQ worker restarts during the run: {len(restarts)}")
        answers, slowest = request_log(logs / "ttq.log")
        print(
            f"TTQ request log: answers by status {answers}; slowest answer {slowest:.0f} ms "
            "(a 503 is the pool's timeout, with Retry-After)"
        )
        for line in restarts[:5]:
            print("   ", line[:200])
        if args.keep:
            input("servers running; press Enter to stop ")
    finally:
        for s in servers.values():
            s.stop()


if __name__ == "__main__":
    main()

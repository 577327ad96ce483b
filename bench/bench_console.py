"""Time to first render of the union dashboard and the police queue, on the demo city and on a
40,000-house bench city: server time, browser times and bytes, beside the load average.

    python bench/bench_console.py --city demo                 # SQLite demo city (ttq seed-demo)
    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_union_bench \\
        python bench/bench_console.py --city bench             # builds it, then measures
    python bench/bench_console.py --city bench --reuse         # measures what is there

The bench city is bench/dashboard_data.py's generator (10 districts, 100 wards, 2,000 teams
of 20 houses = 40,000 houses; ``--scans`` scans, ``--incidents`` incidents over ``--days``
days, COPY-loaded), plus the demo's console accounts (same phones and password): a district
union officer (0901000003), the city federation (0901000002) and a district police liaison
(0901000004), and trafficking/drugs incidents handed to the police so the queue has work.
Rollups are rebuilt, then one ``ttq serve`` process is started on ``--port`` and measured.

Per page, the median over ``--runs`` runs of:
  server   the app's time for the HTML: median of ``--runs`` GETs over HTTP with the session
           cookie (request sent → last byte), and the browser's requestStart → responseStart;
  paint    first contentful paint;  load: the load event;  map: the dashboard's map layers
           drawn (its GeoJSON fetched and rendered), from navigation start;
  bytes    everything the page transferred on a cold cache (document, assets, GeoJSON).
Uses the system Chromium (/usr/bin/chromium); never downloads a browser.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from console_pages import CHROMIUM_ARGS, PASSWORD  # noqa: E402

TTQ = str(Path(sys.executable).parent / "ttq")
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_union_bench"
SECRET = "bench-console-secret-key-that-is-long-enough-0123456789"
PAGES = [
    ("police queue (360 px)", "0901000004", {"width": 360, "height": 740}, None),
    ("union dashboard (desk)", "0901000003", {"width": 1280, "height": 900}, "#layers-map"),
    ("city federation dashboard", "0901000002", {"width": 1280, "height": 900}, "#layers-map"),
]
MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  const res = performance.getEntriesByType('resource');
  const bytes = nav.transferSize + res.reduce((a, r) => a + (r.transferSize || 0), 0);
  return {ttfb: nav.responseStart - nav.requestStart, fcp: fcp ? fcp.startTime : null,
          load: nav.loadEventEnd - nav.startTime, bytes, requests: res.length + 1,
          html: nav.transferSize};
}"""


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def add_accounts(url: str) -> None:
    """The demo's console accounts on the bench city, and police work in district 1."""
    from backend.core.security import hash_password
    from bench import sealed

    conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        now = datetime.now(UTC)
        digest = hash_password(PASSWORD)
        district_union = await conn.fetchval(
            "SELECT id FROM union_unit WHERE parent_id IS NOT NULL ORDER BY path LIMIT 1"
        )
        district = await conn.fetchval(
            "SELECT u.id FROM admin_unit u JOIN admin_unit p ON p.id = u.parent_id "
            "WHERE p.parent_id IS NULL ORDER BY u.path LIMIT 1"
        )
        phones = ["+84901000002", "+84901000003", "+84901000004"]
        indexes = [sealed.index(SECRET, p) for p in phones]
        # Idempotent: a rerun (--accounts) replaces these three accounts.
        await conn.execute(
            "DELETE FROM user_scope WHERE user_id IN "
            "(SELECT id FROM user_account WHERE phone_index = ANY($1))",
            indexes,
        )
        await conn.execute("DELETE FROM user_account WHERE phone_index = ANY($1)", indexes)
        for phone, role, name, scope in (
            ("+84901000002", "city_union_officer", "LĐLĐ Thành phố", None),
            (
                "+84901000003",
                "union_officer",
                "Cán bộ LĐLĐ quận",
                ("union_unit_id", district_union),
            ),
            ("+84901000004", "police_liaison", "Công an quận", ("admin_unit_id", district)),
        ):
            uid = uuid.uuid4()
            await conn.execute(
                "INSERT INTO user_account (id, phone_sealed, phone_index, full_name, password_hash,"
                " role, is_active, created_at, updated_at, version)"
                " VALUES ($1, $2, $3, $4, $5, $6, true, $7, $7, 1)",
                uid, *sealed.seal(SECRET, phone), name, digest, role, now,
            )  # fmt: skip
            if scope:
                await conn.execute(
                    f"INSERT INTO user_scope (id, user_id, {scope[0]}, created_at) "
                    "VALUES ($1, $2, $3, $4)",
                    uuid.uuid4(), uid, scope[1], now,
                )  # fmt: skip
        # Trafficking and drugs go to the police at once (as the taxonomy routes them).
        moved = await conn.execute(
            "UPDATE incident SET handler_kind = 'police', route = 'police', "
            "ack_deadline_at = submitted_at + interval '1 hour' "
            "WHERE category IN ('trafficking', 'drugs')"
        )
        print(f"  police-handled incidents: {moved}", flush=True)
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


async def build_bench(url: str, args) -> None:
    from dashboard_data import generate

    from backend.core.db import make_engine, make_session_factory
    from backend.dashboards.rollups import rebuild_all
    from bench.scan_ingest_data import fresh_database

    started = time.perf_counter()
    if not args.accounts:
        await fresh_database(url)
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            await generate(conn, args, datetime.now(UTC), secret=SECRET)
        finally:
            await conn.close()
    await add_accounts(url)
    print(f"  generated in {time.perf_counter() - started:.0f} s", flush=True)
    t0 = time.perf_counter()
    engine = make_engine(url)
    async with make_session_factory(engine)() as session:
        await rebuild_all(session, now=datetime.now(UTC) + timedelta(minutes=5))
        await session.commit()
    await engine.dispose()
    print(f"  rollups rebuilt in {time.perf_counter() - t0:.0f} s", flush=True)


def seed_demo(url: str) -> None:
    env = {**os.environ, "TTQ_DATABASE_URL": url, "TTQ_SECRET_KEY": SECRET}
    subprocess.run([TTQ, "seed-demo"], env=env, check=True)


def serve(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "TTQ_DATABASE_URL": url,
        "TTQ_SECRET_KEY": SECRET,
        "TTQ_ENVIRONMENT": "development",
        "TTQ_LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [TTQ, "serve", "--port", str(port), "--log-text"],
        env=env,
        cwd=ROOT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.5)
    proc.terminate()
    raise RuntimeError("the server did not start")


def server_times(base: str, phone: str, runs: int) -> list[float]:
    """Wall time of GET / (the role's home) over HTTP, signed in, after one warm-up."""
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/login")
        token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
        client.post(
            "/login",
            data={"phone": phone, "password": PASSWORD, "csrf_token": token, "next": "/"},
        )
        client.get("/")
        times = []
        for _ in range(runs):
            t0 = time.perf_counter()
            assert client.get("/").status_code == 200
            times.append((time.perf_counter() - t0) * 1000)
        return times


def browser_run(browser, base: str, phone: str, viewport: dict, ready: str | None) -> dict:
    context = browser.new_context(base_url=base, viewport=viewport)
    page = context.new_page()
    page.goto("/login")
    page.fill("#phone", phone)
    page.fill("#password", PASSWORD)
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("load")
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    page.goto("/", wait_until="load")
    result = {"map": None}
    if ready:
        page.wait_for_selector(f"{ready}[data-ready]", timeout=120_000)
        result["map"] = page.evaluate("performance.now()")
    page.wait_for_timeout(300)
    result.update(page.evaluate(MEASURE))
    context.close()
    return result


def measure(base: str, runs: int, chromium: str) -> None:
    from playwright.sync_api import sync_playwright

    print(f"{'page':<27} {'server GET':>16} {'TTFB':>7} {'paint':>7} {'load':>7} {'map':>7} "
          f"{'bytes':>16}  load average")  # fmt: skip
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, phone, viewport, ready in PAGES:
            before = loadavg()
            got = server_times(base, phone, runs)
            rows = [browser_run(browser, base, phone, viewport, ready) for _ in range(runs)]
            med = {k: statistics.median(r[k] for r in rows if r[k] is not None) if any(
                r[k] is not None for r in rows) else None for k in rows[0]}  # fmt: skip
            after = loadavg()
            map_ms = f"{med['map']:6.0f}" if med["map"] is not None else "     —"
            print(
                f"{name:<27} {statistics.median(got):6.0f} ms (max {max(got):5.0f})"
                f" {med['ttfb']:6.0f} {med['fcp'] or 0:6.0f} {med['load']:6.0f} {map_ms}"
                f" {med['bytes'] / 1024:7.1f} KiB/{med['requests']:.0f} req"
                f"  {before} → {after}  (HTML {med['html'] / 1024:.1f} KiB)",
                flush=True,
            )
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--city", choices=("demo", "bench"), default="demo")
    parser.add_argument("--reuse", action="store_true", help="measure the existing data")
    parser.add_argument(
        "--accounts", action="store_true", help="bench: keep the data, redo accounts and rollups"
    )
    parser.add_argument("--port", type=int, default=8750)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--teams", type=int, default=2000, help="20 houses each")
    parser.add_argument("--scans", type=int, default=2_000_000)
    parser.add_argument("--incidents", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--browser", default="/usr/bin/chromium")
    args = parser.parse_args()
    if args.city == "demo":
        db = ROOT / "var" / "bench-console-demo.db"
        url = f"sqlite+aiosqlite:///{db}"
        if not args.reuse:
            db.unlink(missing_ok=True)
            seed_demo(url)
    else:
        url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
        if not args.reuse:
            asyncio.run(build_bench(url, args))
    print(f"city: {args.city} ({url.split('@')[-1]}); load average {loadavg()}", flush=True)
    proc = serve(url, args.port)
    try:
        measure(f"http://127.0.0.1:{args.port}", args.runs, args.browser)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()

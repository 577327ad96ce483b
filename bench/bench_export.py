"""Export throughput and memory over real HTTP, against a raw ``COPY ... TO STDOUT``.

Builds the perf city (bench/perf_data.py) with ``--rows`` awareness sessions (a million by
default, bench/export_data.py), serves TTQ as one production worker process (uvicorn on
``create_app``, PostgreSQL) and, in ``--rounds`` interleaved rounds:

  raw   asyncpg ``COPY (SELECT the export's columns, joined and ordered the same) TO STDOUT
        (FORMAT csv, HEADER)``: what PostgreSQL alone does, no formatting, no HTTP;
  csv   GET /api/v1/awareness-sessions/export as a union officer: rows/s, time to first byte;
  xlsx  the same with ``format=xlsx``: time to first byte, rows/s; every round's file is kept
        and its rows counted in its sheets' XML (a zip has no line ends to count).

Prints every round with the load average, the medians with their spread, the ratio to raw
COPY, the rows per CPU-second of the API process (the figure a shared machine disturbs
least), and the API process's RSS before the first export and its peak (VmHWM) after all of
them. Targets (issue 13): CSV >= 50,000 rows/s, peak RSS <= 200 MB, XLSX first bytes < 5 s.

    TTQ_BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_export_bench \\
        .venv/bin/python bench/bench_export.py --rows 1000000 --rounds 3

The database is dropped and rebuilt from the migrations (give it one of its own); ``--reuse``
measures the rows already there.
"""

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.core.security import create_access_token  # noqa: E402
from bench import perf_data, sealed  # noqa: E402
from bench.bench_http import SECRET, VENV_BIN, Server, loadavg, tree_cpu  # noqa: E402
from bench.export_data import build  # noqa: E402
from bench.scan_ingest_data import dsn_of  # noqa: E402

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/ttq_export_bench"
PATH = "/api/v1/awareness-sessions/export"
RAW = """SELECT s.held_at, s.title, s.place, coalesce(t.name, u.name) AS holder, a.name AS ward,
       s.topics, s.workers_count, s.landlords_count, s.others_count, s.duration_minutes,
       s.materials, s.photo_refs, s.summary, s.created_at, s.id
FROM awareness_session s LEFT JOIN team t ON t.id = s.team_id
LEFT JOIN union_unit u ON u.id = s.union_unit_id LEFT JOIN admin_unit a ON a.id = s.admin_unit_id
WHERE s.deleted_at IS NULL ORDER BY s.held_at DESC, s.id DESC"""


def status_kb(pid: int, key: str) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def raw_copy(url: str) -> dict:
    conn = await asyncpg.connect(dsn_of(url))
    size = lines = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size, lines
        size += len(chunk)
        lines += chunk.count(b"\n")

    try:
        started = time.perf_counter()
        await conn.copy_from_query(RAW, output=sink, format="csv", header=True)
        elapsed = time.perf_counter() - started
    finally:
        await conn.close()
    return {"rows": lines - 1, "seconds": elapsed, "ttfb": float("nan"), "bytes": size}


def http_export(port: int, token: str, fmt: str, keep: Path | None = None) -> dict:
    url = f"http://127.0.0.1:{port}{PATH}"
    size = lines = 0
    ttfb = None
    out = open(keep, "wb") if keep else None  # noqa: SIM115
    started = time.perf_counter()
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.stream("GET", url, params={"format": fmt}, headers=headers, timeout=600) as r:
        assert r.status_code == 200, r.read()[:500]
        for chunk in r.iter_raw():
            if ttfb is None:
                ttfb = time.perf_counter() - started
            size += len(chunk)
            lines += chunk.count(b"\r\n")
            if out:
                out.write(chunk)
    elapsed = time.perf_counter() - started
    if out:
        out.close()
    return {"rows": lines - 1, "seconds": elapsed, "ttfb": ttfb, "bytes": size}


def xlsx_rows(path: Path) -> int:
    """Data rows in every sheet, counted in the sheets' XML (a streamed sheet names no size)."""
    rows = 0
    with zipfile.ZipFile(path) as book:
        for name in book.namelist():
            if name.startswith("xl/worksheets/sheet"):
                with book.open(name) as sheet:
                    tail = b""
                    while chunk := sheet.read(1 << 20):
                        chunk = tail + chunk  # a tag may straddle two reads
                        rows += chunk.count(b"<row ")
                        tail = chunk[-4:]
                rows -= 1  # the header
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--port", type=int, default=8850)
    parser.add_argument("--kinds", default="raw,csv,xlsx", help="which of raw,csv,xlsx to run")
    parser.add_argument("--reuse", action="store_true", help="keep the data already there")
    args = parser.parse_args()
    url = os.environ.get("TTQ_BENCH_DATABASE_URL", DEFAULT_URL)
    if not args.reuse:
        started = time.perf_counter()
        asyncio.run(build(url, args.rows, secret=SECRET))
        print(f"{args.rows:,} sessions generated in {time.perf_counter() - started:.0f} s")

    async def officer():
        conn = await asyncpg.connect(dsn_of(url))
        try:
            return await conn.fetchval(
                "SELECT id FROM user_account WHERE phone_index = $1",
                sealed.index(SECRET, perf_data.OFFICER_PHONE),
            )
        finally:
            await conn.close()

    token = create_access_token(
        secret=SECRET, user_id=asyncio.run(officer()), role="union_officer", minutes=600
    )
    logs = Path(tempfile.mkdtemp(prefix="ttq-export-bench-"))
    env = {
        "TTQ_DATABASE_URL": url,
        "TTQ_ENVIRONMENT": "production",
        "TTQ_SECRET_KEY": SECRET,
    }
    # What each worker of `ttq serve --workers N` runs (a one-process `ttq serve` would also
    # hold the Alembic modules of its start-up migration); the database is migrated above.
    argv = [str(VENV_BIN / "python"), "-m", "uvicorn", "backend.main:create_app", "--factory"]
    server = Server(
        "ttq",
        [*argv, "--port", str(args.port), "--no-access-log"],
        {**env, "PYTHONPATH": str(ROOT)},
        args.port,
        "/readyz",
        logs / "ttq.log",
    )
    kinds = [k for k in ("raw", "csv", "xlsx") if k in args.kinds.split(",")]
    results: dict[str, list[dict]] = {k: [] for k in kinds}
    try:
        server.wait_ready()
        pid = server.proc.pid
        before = status_kb(pid, "VmRSS")
        print(f"API process {pid}: RSS {before:.0f} MB before any export  [load {loadavg()}]")
        for r in range(args.rounds):
            for kind in kinds:
                cpu0 = tree_cpu(pid)
                if kind == "raw":
                    res = asyncio.run(raw_copy(url))
                else:
                    # Kept every round: counting CRLFs in a zip's bytes (the CSV's way) gave
                    # rounds after the first a few thousand "rows" out of a million.
                    keep = logs / "export.xlsx" if kind == "xlsx" else None
                    res = http_export(args.port, token, kind, keep)
                    if keep:
                        res["rows"] = xlsx_rows(keep)
                        keep.unlink()
                res["rate"] = res["rows"] / res["seconds"]
                # the API process's CPU per row: what a loaded, shared machine disturbs least
                cpu = tree_cpu(pid) - cpu0
                res["per_cpu_s"] = res["rows"] / cpu if kind != "raw" and cpu else float("nan")
                results[kind].append(res)
                print(
                    f"round {r + 1} {kind:4}: {res['rows']:,} rows in {res['seconds']:6.1f} s ="
                    f" {res['rate']:8,.0f} rows/s ({res['per_cpu_s']:,.0f} per API CPU-second)"
                    f"  first byte {res['ttfb'] or float('nan'):6.3f} s"
                    f"  {res['bytes'] / 2**20:6.1f} MiB  peak RSS so far"
                    f" {status_kb(pid, 'VmHWM'):.0f} MB  [load {loadavg()}]",
                    flush=True,
                )
        peak = status_kb(pid, "VmHWM")
    finally:
        server.stop()
    print(f"\n-- medians of {args.rounds} rounds [load {loadavg()}]")
    raw_rates = [x["rate"] for x in results["raw"]]
    for kind in kinds:
        rates = [x["rate"] for x in results[kind]]
        ttfb = [x["ttfb"] for x in results[kind] if x["ttfb"] is not None]
        ratio = [x / y for x, y in zip(rates, raw_rates, strict=True)]
        line = (
            f"   {kind:4}: {statistics.median(rates):9,.0f} rows/s ({min(rates):,.0f}–"
            f"{max(rates):,.0f})  /raw COPY {statistics.median(ratio):.2f}x"
        )
        if kind != "raw":
            per_cpu = statistics.median([x["per_cpu_s"] for x in results[kind]])
            line += f"  {per_cpu:,.0f} rows per API CPU-second"
            line += (
                f"  first byte {statistics.median(ttfb):.3f} s ({min(ttfb):.3f}–{max(ttfb):.3f})"
            )
        print(line)
    print(f"   API process RSS: {before:.0f} MB before, peak {peak:.0f} MB (VmHWM, whole run)")
    print("   targets: csv >= 50,000 rows/s, peak RSS <= 200 MB, xlsx first byte < 5 s")


if __name__ == "__main__":
    main()

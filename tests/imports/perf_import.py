"""Measure importing N houses (not a test: run it by hand).

    .venv/bin/python -m tests.imports.perf_import [N] [DATABASE_URL]

Without a URL it uses a fresh migrated SQLite file; a PostgreSQL URL's schema is rebuilt. It
times a dry run, the real run and a re-import of the same file, as the system and as a union
officer (whose scope is checked on every row), houses spread over 20 wards and 4 sites.
"""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from backend.core.db import make_engine, make_session_factory
from backend.core.migrate import upgrade
from backend.imports.engine import run_import
from backend.imports.houses import HouseImport
from backend.models import AdminUnit, UnionUnit
from backend.orgs.service import create_unit
from backend.policy.subject import load_subject
from tests.factories import make_user
from tests.factories_registry import make_site
from tests.imports.helpers import HOUSE_HEADERS, csv_bytes

CENTRES = [(106.70 + 0.03 * i, 10.90) for i in range(4)]


async def setup(session):
    city = await create_unit(
        session, actor=None, model=AdminUnit, code="PF-TP", name="TP", level="TP"
    )
    wards = [
        await create_unit(
            session,
            actor=None,
            model=AdminUnit,
            code=f"PF-P{i}",
            name=f"Phường {i}",
            level="Phường",
            parent_id=city.id,
        )
        for i in range(20)
    ]
    union = await create_unit(
        session, actor=None, model=UnionUnit, code="PF-CD", name="CĐ", level="CĐ"
    )
    for i, (lon, lat) in enumerate(CENTRES):
        await make_site(
            session, code=f"PF-KCN-{i}", lon=lon, lat=lat, half_m=1500, union_unit=union
        )
    officer = await make_user(session, role="union_officer", units=[union])
    await session.commit()
    return wards, officer


def houses_file(n: int, wards, prefix: str) -> bytes:
    rows = []
    for i in range(n):
        lon, lat = CENTRES[i % 4]
        rows.append(
            [
                f"{prefix}-{i:05d}",
                f"Nhà trọ số {i}",
                f"{i} đường số {i % 50}",
                wards[i % 20].code,
                round(lat - 0.01 + 0.02 * ((i * 7919) % 1000) / 1000, 6),
                round(lon - 0.01 + 0.02 * ((i * 104729) % 1000) / 1000, 6),
                f"0912{i:06d}",
                10 + i % 20,
            ]
        )
    return csv_bytes(HOUSE_HEADERS, rows)


async def timed(factory, label, actor_user, data, dry_run=False):
    async with factory() as session:
        actor = await load_subject(session, actor_user) if actor_user else None
        started = time.perf_counter()
        report = await run_import(
            session, actor=actor, handler=HouseImport(), data=data, dry_run=dry_run
        )
        await session.commit()
        took = time.perf_counter() - started
    counts = (report.created, report.updated, report.unchanged, report.errors_total)
    print(f"  {label:<28} {took:7.2f} s  {took / report.rows * 1000:6.2f} ms/row  {counts}")


async def main(n: int, url: str) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    async with factory() as session:
        wards, officer = await setup(session)
    print(f"{engine.dialect.name}: {n} houses (created, updated, unchanged, errors)")
    system = houses_file(n, wards, "SYS")
    await timed(factory, "dry run (system)", None, system, dry_run=True)
    await timed(factory, "import (system)", None, system)
    await timed(factory, "re-import unchanged (system)", None, system)
    mine = houses_file(n, wards, "OFF")
    await timed(factory, "dry run (union officer)", officer, mine, dry_run=True)
    await timed(factory, "import (union officer)", officer, mine)
    await engine.dispose()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    if len(sys.argv) > 2:
        db_url = sys.argv[2]

        async def reset():
            engine = make_engine(db_url)
            async with engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
            await engine.dispose()

        asyncio.run(reset())
    else:
        db_url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'perf.db'}"
    upgrade(db_url)
    asyncio.run(main(count, db_url))

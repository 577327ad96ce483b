"""Measure a site boundary edit that re-assigns N houses (not a test: run it by hand).

    .venv/bin/python -m tests.imports.perf_boundary [N] [DATABASE_URL]

Without a URL it uses a fresh migrated SQLite file. The houses are inserted directly (the
point is the edit), half of them covered by a team, so the change-log stamps are realistic.
"""

import asyncio
import math
import secrets
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from sqlalchemy import func, insert, select

from backend.core.db import make_engine, make_session_factory
from backend.core.migrate import upgrade
from backend.core.text import fold
from backend.models import AdminUnit, BoardingHouse, RegistryChange, TeamHouse, UnionUnit
from backend.orgs.service import create_unit
from backend.registry import sites_service
from backend.teams import service as teams_service
from tests.factories_registry import square

LON, LAT = 106.75, 10.90


async def main(n: int, url: str) -> None:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    async with factory() as session:
        city = await create_unit(
            session, actor=None, model=AdminUnit, code="P-CITY", name="TP", level="TP"
        )
        ward = await create_unit(
            session,
            actor=None,
            model=AdminUnit,
            code="P-WARD",
            name="Phường",
            level="Phường",
            parent_id=city.id,
        )
        union = await create_unit(
            session, actor=None, model=UnionUnit, code="P-U", name="CĐ", level="CĐ"
        )
        team = await teams_service.create_team(
            session, actor=None, name="Tổ", union_unit_id=union.id, admin_unit_id=ward.id
        )
        site = await sites_service.create_site(
            session,
            actor=None,
            code="P-KCN",
            name="KCN",
            kind="industrial_zone",
            boundary=square(LON + 0.5, LAT, 200),  # far away: owns no house yet
            union_unit_id=union.id,
        )
        side = math.ceil(math.sqrt(n))
        rows = []
        for i in range(n):
            name = f"Nhà trọ {i}"
            rows.append(
                {
                    "code": f"P-NT-{i}",
                    "name": name,
                    "name_search": fold(name),
                    "address": f"{i} đường A",
                    "address_search": fold(f"{i} đường A"),
                    "admin_unit_id": ward.id,
                    "lon": LON - 0.004 + 0.008 * (i % side) / side,
                    "lat": LAT - 0.004 + 0.008 * (i // side) / side,
                    "checkpoint_token": secrets.token_urlsafe(24),
                }
            )
        await session.execute(insert(BoardingHouse), rows)
        ids = (await session.scalars(select(BoardingHouse.id))).all()
        await session.execute(
            insert(TeamHouse),
            [{"team_id": team.id, "house_id": i, "since": date(2026, 1, 1)} for i in ids[::2]],
        )
        await session.commit()

        before = await session.scalar(select(func.count()).select_from(RegistryChange))
        started = time.perf_counter()
        await sites_service.update_site(
            session, actor=None, site=site, boundary=square(LON, LAT, 1000)
        )
        await session.commit()
        took = time.perf_counter() - started
        moved = await session.scalar(select(func.count()).where(BoardingHouse.site_id == site.id))
        after = await session.scalar(select(func.count()).select_from(RegistryChange))
        print(
            f"{engine.dialect.name}: boundary edit re-assigning {moved} houses took {took:.2f} s"
            f" ({took / max(moved, 1) * 1000:.1f} ms/house), {after - before} change rows"
        )
    await engine.dispose()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    if len(sys.argv) > 2:
        db_url = sys.argv[2]
    else:
        db_url = f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'perf.db'}"
    upgrade(db_url)
    asyncio.run(main(count, db_url))

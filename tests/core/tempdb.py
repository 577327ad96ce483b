"""A brand-new, empty database on the engine under test, dropped afterwards.

For tests that must not touch the shared per-test database (migration round trips, a schema
held behind head). PostgreSQL: a temporary database on the server of TTQ_TEST_DATABASE_URL.
"""

import asyncio
import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("TTQ_TEST_DATABASE_URL", "")
IS_PG = PG_URL.startswith("postgresql")


async def _admin(statement: str) -> None:
    url = make_url(PG_URL)
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        database="postgres",
    )
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database; call from sync code (Alembic runs its own event loop)."""
    if not IS_PG:
        yield f"sqlite+aiosqlite:///{tmp_path / f'fresh-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"ttq_tmp_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

"""Test harness: the schema comes from the migrations; each test gets a clean real database.

SQLite (default): the migrated template file is copied for every test.
PostgreSQL: set TTQ_TEST_DATABASE_URL; the schema is rebuilt once, tables are emptied per test.
"""

import asyncio
import os
import shutil
import sqlite3
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (every table, for the truncation list)
from backend.core import clock
from backend.core.config import Settings
from backend.core.db import make_engine
from backend.core.migrate import upgrade
from backend.main import create_app

pytest_plugins = ["tests.browser"]

PG_URL = os.environ.get("TTQ_TEST_DATABASE_URL", "")
IS_PG = PG_URL.startswith("postgresql")
TEST_SECRET = "test-secret-key-that-is-long-enough-for-the-check-0123456789"
# Commands run in-process (`ttq …` through CliRunner) read their settings from the environment;
# they share the test apps' secret, as a deployment's CLI shares its server's, so the phone
# numbers one seals (keys derived from the secret, backend/core/pii.py) the other opens.
os.environ["TTQ_SECRET_KEY"] = TEST_SECRET


async def _run(url: str, *statements: str) -> None:
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


# Reference data the migrations seed (taxonomies): part of the schema, kept between tests.
SEEDED_TABLES = frozenset({"incident_category", "awareness_topic"})


# Tables whose triggers refuse DELETE (the audit trail is append-only): TRUNCATE fires no row
# trigger, so these are truncated; every other table is emptied with DELETE, which on small
# tables is several times cheaper than TRUNCATE (no new relation files), i.e. faster CI.
APPEND_ONLY_TABLES = frozenset({"audit_event"})


def _reset_statements() -> list[str]:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    statements = [
        f'DELETE FROM "{name}"'
        for name in tables
        if name not in SEEDED_TABLES and name not in APPEND_ONLY_TABLES
    ]
    statements += [f'TRUNCATE TABLE "{name}"' for name in sorted(APPEND_ONLY_TABLES)]
    return statements


@pytest.fixture(scope="session")
def template_db(tmp_path_factory) -> str:
    """A database migrated to head once per test run."""
    if IS_PG:
        asyncio.run(_run(PG_URL, "DROP SCHEMA public CASCADE", "CREATE SCHEMA public"))
        upgrade(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    with sqlite3.connect(path) as conn:  # fold the WAL back so one file is the whole database
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return str(path)


@pytest.fixture
def database_url(template_db: str, tmp_path: Path) -> str:
    """A clean, migrated database for one test."""
    if IS_PG:
        asyncio.run(_run(PG_URL, *_reset_statements()))
        return PG_URL
    target = tmp_path / "ttq.db"
    shutil.copyfile(template_db, target)
    return f"sqlite+aiosqlite:///{target}"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment="test",
        database_url=database_url,
        secret_key=TEST_SECRET,
        log_json=False,
        log_level="WARNING",
    )


@pytest.fixture
async def app(settings: Settings):
    application = create_app(settings)
    yield application
    await application.state.engine.dispose()


@pytest.fixture
async def client(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture
async def session(app):
    """A session on the test database, for factories and for checking what was stored."""
    async with app.state.session_factory() as s:
        yield s


@pytest.fixture(autouse=True)
def _system_clock():
    """Every test starts on the system clock and leaves it installed, whatever it swapped in."""
    previous = clock.install(clock.SystemClock())
    yield
    clock.install(previous)

"""Test harness: the schema comes from the migrations; each test gets a clean real database.

SQLite (default): the migrated template file is copied for every test.
PostgreSQL: set TTQ_TEST_DATABASE_URL; the schema is rebuilt once, tables are emptied per test.
"""

import asyncio
import gc
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import asyncpg
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


class _PgReset:
    """Empties the PostgreSQL test database between tests: one connection kept for the whole
    run, on its own event loop thread, and every statement sent as one script.

    A new engine per test (connect, ~60 round trips, dispose) cost ~0.1 s per test, about two
    minutes of the PostgreSQL suite.
    """

    def __init__(self, url: str) -> None:
        self.dsn = url.replace("postgresql+asyncpg://", "postgresql://", 1)
        self.script = ";\n".join(_reset_statements())
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.conn = self._call(asyncpg.connect(self.dsn))

    def _call(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def reset(self) -> None:
        self._call(self.conn.execute(self.script))

    def close(self) -> None:
        self._call(self.conn.close())
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture(scope="session")
def _pg_reset(template_db: str):
    resetter = _PgReset(template_db)
    yield resetter
    resetter.close()


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
def database_url(template_db: str, tmp_path: Path, request) -> str:
    """A clean, migrated database for one test."""
    if IS_PG:
        request.getfixturevalue("_pg_reset").reset()
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


def _memoize_route_dependants() -> None:
    """Build each route's dependency tree once per run rather than once per test's app.

    FastAPI (0.16x) analyses an included route's endpoint and dependencies (signatures, pydantic
    fields) lazily, once per app; the suite builds an app per test, so that analysis was a fifth
    of the console tests' time. It is a pure function of the path, the endpoint and the route's
    dependencies (the app is not an input), so the same tree serves every app. Where FastAPI
    has no such function the suite simply runs slower.
    """
    from fastapi import routing

    build = getattr(routing, "_build_dependant_with_parameterless_dependencies", None)
    if build is None:
        return
    built: dict = {}

    def memoized(*, path, call, dependencies):
        key = (path, call, tuple(map(id, dependencies)))
        if key not in built:  # the dependencies are kept, so their ids are not reused
            built[key] = (build(path=path, call=call, dependencies=dependencies), [*dependencies])
        dependant, body_params, embed_body_fields = built[key][0]
        return dependant, [*body_params], embed_body_fields

    routing._build_dependant_with_parameterless_dependencies = memoized


_memoize_route_dependants()


def pytest_collection_finish(session):
    """Keep the collected modules out of the garbage collector's way.

    Everything imported by now lives for the whole run; frozen, the collector stops walking it
    on every full collection, and collecting young objects less often does the rest (the
    console tests measured 18 % of their time in the collector before, 7 % after).
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


# Browser tests drive the whole app through Chromium for tens of seconds each; run on both
# engines they were a third of CI. Each runs on one engine (``pytest.mark.engine``): the console
# on PostgreSQL, as deployed; the field app and the engine-independent pages on SQLite, the
# embedded default a pilot runs. The API and console code under them is tested on both engines
# by the rest of the suite. TTQ_TEST_EVERY_ENGINE=1 runs every test on the engine at hand.
def pytest_collection_modifyitems(config, items):
    if os.environ.get("TTQ_TEST_EVERY_ENGINE") == "1":
        return
    engine = "postgresql" if IS_PG else "sqlite"
    keep, other = [], []
    for item in items:
        mark = item.get_closest_marker("engine")
        (other if mark is not None and mark.args[0] != engine else keep).append(item)
    if other:
        config.hook.pytest_deselected(items=other)
        items[:] = keep

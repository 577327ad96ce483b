"""Migrations are the only way a schema is built: they round-trip on a fresh database, and what
they build is exactly what the models describe (no drift)."""

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (every table)
from backend.core.db import make_engine
from backend.core.migrate import (
    alembic_config,
    downgrade,
    head_revisions,
    include_object,
    upgrade,
)
from tests.core.tempdb import fresh_database


async def _inspect(url: str, fn):
    engine = make_engine(url)
    try:
        async with engine.begin() as conn:
            return await conn.run_sync(fn)
    finally:
        await engine.dispose()


def inspect_db(url: str, fn):
    """Run ``fn(sync_connection)`` against the database at ``url``."""
    return asyncio.run(_inspect(url, fn))


def tables(url: str) -> set[str]:
    return inspect_db(url, lambda c: set(inspect(c).get_table_names())) - {"alembic_version"}


def current_heads(url: str) -> set[str]:
    return inspect_db(url, lambda c: set(MigrationContext.configure(c).get_current_heads()))


def model_tables() -> set[str]:
    return set(SQLModel.metadata.tables)


def drift(url: str) -> list:
    def compare(conn):
        # The same options migrations/env.py gives autogenerate.
        opts = {"compare_type": True, "include_object": include_object}
        context = MigrationContext.configure(conn, opts=opts)
        return compare_metadata(context, SQLModel.metadata)

    return inspect_db(url, compare)


@pytest.fixture
def fresh_url(tmp_path):
    with fresh_database(tmp_path) as url:
        yield url


def test_chain_is_linear_with_one_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite+aiosqlite://"))
    assert len(script.get_heads()) == 1
    revisions = list(script.walk_revisions())
    assert revisions[-1].down_revision is None
    assert all(len(r.nextrev) <= 1 for r in revisions)


def test_upgrade_downgrade_upgrade_round_trip(fresh_url):
    assert tables(fresh_url) == set()
    upgrade(fresh_url)
    assert tables(fresh_url) == model_tables()
    assert current_heads(fresh_url) == head_revisions(fresh_url)

    downgrade(fresh_url, "base")
    assert tables(fresh_url) == set()
    assert current_heads(fresh_url) == set()

    upgrade(fresh_url)
    assert tables(fresh_url) == model_tables()
    assert current_heads(fresh_url) == head_revisions(fresh_url)


def test_every_revision_steps_down_and_up(fresh_url):
    """Walk down one revision at a time, then back up one at a time."""
    script = ScriptDirectory.from_config(alembic_config(fresh_url))
    chain = [r.revision for r in script.walk_revisions()]  # head first
    upgrade(fresh_url)
    for expected in [*chain[1:], None]:
        downgrade(fresh_url, "-1")
        assert current_heads(fresh_url) == ({expected} if expected else set())
    for revision in reversed(chain):
        upgrade(fresh_url, revision)
        assert current_heads(fresh_url) == {revision}


def test_migrated_schema_matches_the_models(fresh_url):
    upgrade(fresh_url)
    assert drift(fresh_url) == []


def test_drift_check_notices_a_missing_column(fresh_url):
    """The drift check can fail: drop a column the models have and it reports it."""
    upgrade(fresh_url)

    def drop(conn):
        conn.execute(text("DROP INDEX ix_login_attempt_ip_at"))
        conn.execute(text("ALTER TABLE login_attempt DROP COLUMN client_ip"))

    inspect_db(fresh_url, drop)
    kinds = {d[0] if isinstance(d, tuple) else d[0][0] for d in drift(fresh_url)}
    assert "add_column" in kinds


def test_drift_check_ignores_only_hand_made_trigram_indexes(fresh_url):
    """Indexes migrations make by hand (``*_trgm``) are allowed; any other stray one is drift."""
    upgrade(fresh_url)

    def add(conn):
        conn.execute(text("CREATE INDEX ix_login_attempt_phone_trgm ON login_attempt (client_ip)"))
        conn.execute(text("CREATE INDEX ix_login_attempt_stray ON login_attempt (client_ip)"))

    inspect_db(fresh_url, add)
    names = [d[1].name for d in drift(fresh_url) if isinstance(d, tuple)]
    assert names == ["ix_login_attempt_stray"]


def test_audit_append_only_survives_a_round_trip(fresh_url):
    upgrade(fresh_url)
    downgrade(fresh_url, "base")
    upgrade(fresh_url)

    def tamper(conn):
        conn.execute(
            text(
                "INSERT INTO audit_event (occurred_at, action, object_type) "
                "VALUES (CURRENT_TIMESTAMP, 'probe', 'test')"
            )
        )
        conn.execute(text("DELETE FROM audit_event"))

    with pytest.raises(DBAPIError, match="append-only"):
        inspect_db(fresh_url, tamper)

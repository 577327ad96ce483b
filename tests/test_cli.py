"""The `ttq` command: create-user, seed-demo, migrate, serve, on a temporary SQLite file."""

import asyncio
import re
import uuid

import httpx
import pytest
from sqlalchemy import func, inspect, select, text
from sqlmodel import SQLModel
from typer.testing import CliRunner

import backend.models  # noqa: F401  (every table, for the counts)
from backend.cli import app as cli
from backend.core.config import Settings, get_settings
from backend.core.db import make_engine, make_session_factory
from backend.core.migrate import head_revisions, upgrade
from backend.main import create_app
from backend.models import User, UserScope
from tests.conftest import TEST_SECRET

UUID_LINE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
PASSWORD = "mat-khau-quan-tri-1"
runner = CliRunner()


@pytest.fixture
def db_url(tmp_path, monkeypatch) -> str:
    """TTQ_DATABASE_URL pointing at a fresh SQLite file (not migrated)."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.chdir(tmp_path)  # a developer's ./.env must not leak into these runs
    monkeypatch.setenv("TTQ_DATABASE_URL", url)
    monkeypatch.delenv("TTQ_ENVIRONMENT", raising=False)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def migrated(db_url) -> str:
    upgrade(db_url)
    return db_url


def ttq(*args: str):
    return runner.invoke(cli, list(args))


def create_user(*extra: str, phone: str = "0912345678", role: str = "system_admin"):
    return ttq("create-user", "--phone", phone, "--password", PASSWORD, "--role", role, *extra)


async def _query(url: str, work):
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def query(url: str, work):
    return asyncio.run(_query(url, work))


def row_counts(url: str) -> dict[str, int]:
    async def work(session):
        return {
            name: await session.scalar(select(func.count()).select_from(table))
            for name, table in SQLModel.metadata.tables.items()
        }

    return query(url, work)


async def _sign_in_and_list_users(url: str, phone: str, password: str) -> int:
    app = create_app(Settings(environment="test", database_url=url, secret_key=TEST_SECRET))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            r = await c.post("/api/v1/auth/token", data={"username": phone, "password": password})
            assert r.status_code == 200, r.text
            token = r.json()["access_token"]
            users = await c.get("/api/v1/users", headers={"Authorization": f"Bearer {token}"})
            return users.status_code
    finally:
        await app.state.engine.dispose()


def test_create_user_prints_the_id_and_the_account_opens_admin_endpoints(migrated):
    result = create_user()
    assert result.exit_code == 0, result.output
    user_id = result.stdout.strip()
    assert UUID_LINE.match(user_id), result.stdout
    stored = query(migrated, lambda s: s.get(User, uuid.UUID(user_id)))
    assert (stored.phone, stored.role, stored.full_name) == (
        "+84912345678",
        "system_admin",
        "0912345678",
    )
    assert asyncio.run(_sign_in_and_list_users(migrated, "0912345678", PASSWORD)) == 200


def test_create_user_with_name_and_scope_by_code(migrated):
    assert ttq("seed-demo").exit_code == 0
    result = create_user(
        "--name",
        "Lê Văn Công Đoàn",
        "--scope",
        "CD-KCXKCN",
        phone="0987000001",
        role="union_officer",
    )
    assert result.exit_code == 0, result.output
    user_id = uuid.UUID(result.stdout.strip())

    async def scopes(session):
        return (await session.scalars(select(UserScope).where(UserScope.user_id == user_id))).all()

    (scope,) = query(migrated, scopes)
    assert scope.union_unit_id is not None and scope.admin_unit_id is None


def test_duplicate_phone_fails_clearly(migrated):
    assert create_user().exit_code == 0
    again = create_user(phone="+84912345678")
    assert again.exit_code == 1
    assert "phone_taken" in again.output
    assert again.stdout == ""  # no id printed


@pytest.mark.parametrize(
    "phone, role, scope, code",
    [
        ("0912345678", "chief", [], "unknown_role"),
        ("0912345678", "union_officer", ["--scope", "NO-SUCH-UNIT"], "unknown_unit"),
        ("0912345678", "police_liaison", ["--scope", str(uuid.uuid4())], "unknown_unit"),
        ("02838123456", "system_admin", [], "invalid_phone"),
    ],
)
def test_bad_input_fails_clearly_and_creates_nothing(migrated, phone, role, scope, code):
    result = create_user(*scope, phone=phone, role=role)
    assert result.exit_code == 1
    assert code in result.output
    assert result.stdout == ""
    assert row_counts(migrated)["user_account"] == 0


@pytest.mark.parametrize(
    "password", ["short", "12345678", "password", "aaaaaaaaaaaa", "0912345678"]
)
def test_weak_password_refused(migrated, password):
    # The CLI goes through the same NIST SP 800-63B rule as the API (accounts/passwords.py).
    result = ttq(
        "create-user", "--phone", "0912345678", "--password", password, "--role", "team_member"
    )
    assert result.exit_code == 1
    assert "weak_password" in result.output
    assert row_counts(migrated)["user_account"] == 0


def test_seed_demo_twice_duplicates_nothing(db_url):
    first = ttq("seed-demo")  # migrates by itself
    assert first.exit_code == 0, first.output
    counts = row_counts(db_url)
    assert counts["admin_unit"] >= 5 and counts["union_unit"] >= 5 and counts["user_account"] >= 6
    second = ttq("seed-demo")
    assert second.exit_code == 0, second.output
    assert row_counts(db_url) == counts
    assert second.stdout == first.stdout
    assert "system_admin" in first.stdout and "0901000001" in first.stdout


def test_seeded_demo_admin_can_sign_in(db_url):
    result = ttq("seed-demo")
    line = next(ln for ln in result.stdout.splitlines() if ln.split()[:1] == ["system_admin"])
    _, phone, password = line.split()
    assert asyncio.run(_sign_in_and_list_users(db_url, phone, password)) == 200


def test_migrate_brings_a_fresh_database_to_head(db_url):
    result = ttq("migrate")
    assert result.exit_code == 0, result.output
    assert table_names(db_url) - {"alembic_version"} == set(SQLModel.metadata.tables)
    assert ttq("migrate").exit_code == 0  # a second run is a no-op


def test_migrate_sql_prints_postgresql_ddl_without_connecting(db_url, monkeypatch):
    # Nothing listens on port 1: printing the SQL must not need the server.
    monkeypatch.setenv("TTQ_DATABASE_URL", "postgresql+asyncpg://ttq@127.0.0.1:1/ttq")
    get_settings.cache_clear()
    result = ttq("migrate", "--sql")
    assert result.exit_code == 0, result.output
    assert "CREATE TABLE user_account" in result.stdout
    assert "CREATE TRIGGER audit_event_append_only" in result.stdout


def test_migrate_sql_on_sqlite_says_why_not(db_url):
    result = ttq("migrate", "--sql")
    assert result.exit_code == 2
    assert "PostgreSQL" in result.output
    assert table_names(db_url) == set()


def table_names(url: str) -> set[str]:
    async def work(session):
        conn = await session.connection()
        return await conn.run_sync(lambda c: set(inspect(c).get_table_names()))

    return query(url, work)


def test_serve_migrates_first_then_runs_uvicorn(db_url, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append((a, kw)))
    result = ttq("serve", "--host", "0.0.0.0", "--port", "8123")
    assert result.exit_code == 0, result.output
    (args, kwargs) = calls[0]
    assert args == ("backend.main:create_app",)
    assert (kwargs["factory"], kwargs["host"], kwargs["port"]) == (True, "0.0.0.0", 8123)
    assert "8123" in result.output

    async def version(session):
        return {
            r[0] for r in (await session.execute(text("SELECT version_num FROM alembic_version")))
        }

    assert query(db_url, version) == head_revisions(db_url)


def test_serve_refuses_a_weak_secret_in_production(db_url, monkeypatch):
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: calls.append(a))
    monkeypatch.setenv("TTQ_ENVIRONMENT", "production")
    monkeypatch.setenv("TTQ_SECRET_KEY", "change-me")
    get_settings.cache_clear()
    result = ttq("serve")
    assert result.exit_code == 2
    assert "TTQ_SECRET_KEY" in result.output
    assert "Traceback" not in result.output
    assert calls == []

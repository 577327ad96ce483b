"""A database that is away or saturated answers 503 problem+json with Retry-After, never 500,
and a request that failed meanwhile does not hold its Idempotency-Key for the whole lease."""

import asyncio
import sqlite3
import uuid

import asyncpg.exceptions as pg
import httpx
import pytest
from sqlalchemy import event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.db import SessionDep, make_session_factory, session_driver_connection
from backend.core.errors import database_unavailable, statement_cancelled
from backend.main import create_app
from backend.models import User
from tests.conftest import TEST_SECRET
from tests.factories import auth, make_user
from tests.factories_patrols import make_world

CLOSED_PORT = 18301  # in this helper's range; nothing listens there


def _client(app):
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


def _unavailable(r):
    assert r.status_code == 503, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "database_unavailable"
    assert int(r.headers["retry-after"]) > 0
    assert "Traceback" not in r.text


async def test_connection_refused_answers_503(settings):
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{CLOSED_PORT}/ttq"
    app = create_app(settings.model_copy(update={"database_url": url}))
    try:
        async with _client(app) as c:
            token = auth(app, User(id=uuid.uuid4(), phone="+84912345678", role="system_admin"))
            _unavailable(await c.get("/api/v1/users", headers=token))
            _unavailable(await c.get("/api/v1/me", headers=token))  # no session: the pool's
            _unavailable(
                await c.post(
                    "/api/v1/auth/token", data={"username": "0912345678", "password": "x" * 10}
                )
            )
    finally:
        await app.state.engine.dispose()


async def test_pool_timeout_answers_503(app, session, database_url):
    # A pool of one connection, held elsewhere: the request waits pool_timeout, then 503.
    admin = await make_user(session)
    await session.commit()
    tiny = create_async_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.3)
    app.state.engine, app.state.session_factory = tiny, make_session_factory(tiny)
    try:
        async with tiny.connect(), _client(app) as c:
            _unavailable(await c.get("/api/v1/users", headers=auth(app, admin)))
            _unavailable(await c.get("/api/v1/me", headers=auth(app, admin)))
    finally:
        await tiny.dispose()


def _driver_error(kind: str) -> Exception:
    orig = {
        "too_many_clients": pg.TooManyConnectionsError("sorry, too many clients already"),
        "shutting_down": pg.CannotConnectNowError("the database system is shutting down"),
        "admin_shutdown": pg.AdminShutdownError("terminating connection due to administrator"),
        "connection_gone": pg.ConnectionDoesNotExistError("connection was closed"),
        "refused": ConnectionRefusedError(111, "Connect call failed"),
        "sqlite_locked": sqlite3.OperationalError("database is locked"),
    }[kind]
    return sa_exc.OperationalError("SELECT 1", {}, orig)


@pytest.mark.parametrize(
    "kind",
    [
        "too_many_clients",
        "shutting_down",
        "admin_shutdown",
        "connection_gone",
        "refused",
        "sqlite_locked",
    ],
)
async def test_driver_errors_of_an_unavailable_database_answer_503(app, client, session, kind):
    admin = await make_user(session)
    await session.commit()
    headers = auth(app, admin)

    def fail(*_args, **_kw):
        raise _driver_error(kind)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", fail)
    try:
        _unavailable(await client.get("/api/v1/users", headers=headers))
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", fail)


async def test_a_real_bug_still_answers_500(app, client, session):
    admin = await make_user(session)
    await session.commit()

    def fail(*_args, **_kw):
        raise sa_exc.ProgrammingError("SELECT 1", {}, Exception("syntax error at or near"))

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", fail)
    try:
        r = await client.get("/api/v1/users", headers=auth(app, admin))
    finally:
        event.remove(app.state.engine.sync_engine, "before_cursor_execute", fail)
    assert r.status_code == 500 and r.json()["code"] == "internal_error"


async def test_a_statement_the_database_stopped_answers_503(app, settings):
    # A statement_timeout the operator set on the role (here set for the one transaction) cuts
    # a slow statement: 503 database_timeout with Retry-After, not a 500, through SQLAlchemy
    # and through a statement sent straight to the driver.
    if app.state.engine.dialect.name != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")

    async def slow(session: SessionDep):
        await session.execute(text("SET LOCAL statement_timeout = '50ms'"))
        await session.execute(text("SELECT pg_sleep(5)"))

    async def slow_raw(session: SessionDep):
        await session.execute(text("SET LOCAL statement_timeout = '50ms'"))  # begins it
        async with session_driver_connection(session) as raw:
            await raw.fetchval("SELECT pg_sleep(5)")

    app.add_api_route("/test/slow", slow)
    app.add_api_route("/test/slow-raw", slow_raw)
    async with _client(app) as c:
        for path in ("/test/slow", "/test/slow-raw"):
            r = await c.get(path)
            assert r.status_code == 503, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["code"] == "database_timeout"
            assert int(r.headers["retry-after"]) > 0
            vi = await c.get(path, headers={"Accept-Language": "vi"})
            assert vi.json()["title"].startswith("Yêu cầu xử lý quá lâu")


def test_classifier_reads_sqlstates_through_the_wrapping():
    assert database_unavailable(_driver_error("too_many_clients"))
    assert database_unavailable(sa_exc.TimeoutError("QueuePool limit"))
    assert not database_unavailable(
        sa_exc.IntegrityError("INSERT", {}, Exception("duplicate key value"))
    )
    cancelled = pg.QueryCanceledError("canceling statement due to statement timeout")
    assert statement_cancelled(sa_exc.OperationalError("SELECT 1", {}, cancelled))
    assert statement_cancelled(cancelled)
    assert not statement_cancelled(_driver_error("too_many_clients"))


def _plan(w):
    return {
        "team_id": str(w.team.id),
        "name": "Tuần tra tối",
        "days_of_week": [1, 3],
        "start_time": "21:00",
        "end_time": "23:30",
        "house_ids": [str(w.houses[0].id)],
        "min_scans": 1,
    }


class Outage:
    """The database goes away when the route starts its work and comes back on demand."""

    def __init__(self, engine, *, trigger: str = "INSERT INTO patrol_plan") -> None:
        self.engine, self.trigger, self.down, self.seen = engine.sync_engine, trigger, False, 0

    def before(self, _conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(self.trigger.upper()) and self.seen == 0:
            self.seen += 1
            self.down = True
        if self.down:
            raise _driver_error("refused")

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self.before)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self.before)


async def test_a_request_failed_by_an_outage_frees_its_key_once_the_database_is_back(
    app, client, session
):
    w = await make_world(session)
    await session.commit()
    h = {**auth(app, w.leader), "Idempotency-Key": "plan-outage-1"}
    with Outage(app.state.engine) as outage:
        _unavailable(await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h))
        # The release failed too (the database was away); the claim is still stored.
        outage.down = False
        # Back: the background release frees the key within its first retry delays.
        for _ in range(20):
            await asyncio.sleep(0.1)
            r = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)
            if r.status_code != 409:
                break
    assert r.status_code == 201, r.text  # not 409 idempotency_in_flight for 120 s
    again = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"


async def test_a_commit_that_fails_frees_the_key_at_once(app, client, session):
    # The route ran and saved its answer, then the commit failed: the claim must go too.
    w = await make_world(session)
    await session.commit()
    h = {**auth(app, w.leader), "Idempotency-Key": "plan-commit-1"}
    state = {"armed": False, "fired": False}

    def arm(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("INSERT INTO PATROL_PLAN"):
            state["armed"] = True

    def commit(_conn):
        if state["armed"] and not state["fired"]:
            state["fired"] = True
            raise _driver_error("connection_gone")

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", arm)
    event.listen(engine, "commit", commit)
    try:
        _unavailable(await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h))
    finally:
        event.remove(engine, "before_cursor_execute", arm)
        event.remove(engine, "commit", commit)
    r = await client.post("/api/v1/patrol-plans", json=_plan(w), headers=h)
    assert r.status_code == 201, r.text


@pytest.fixture
def settings(settings):
    assert settings.secret_key == TEST_SECRET
    return settings


async def test_a_refused_connection_answers_503_with_or_without_a_session(settings, session):
    # The server is up but refuses the connection ("too many connections", SQLSTATE 53300:
    # here a role allowed none). GET /me reads the caller on a connection of its own
    # (PostgreSQL), /users in the route's session: the driver's error must be reported as
    # SQLAlchemy's on both paths, or the first would answer 500.
    url = settings.database_url
    if not url.startswith("postgresql"):
        pytest.skip("the pooled read is PostgreSQL's")
    role = f"ttq_refused_{uuid.uuid4().hex[:8]}"
    await session.execute(text(f"CREATE ROLE {role} LOGIN CONNECTION LIMIT 0"))
    await session.commit()
    refused = url.replace("postgres@", f"{role}@", 1)
    app = create_app(settings.model_copy(update={"database_url": refused}))
    try:
        async with _client(app) as c:
            token = auth(app, User(id=uuid.uuid4(), phone="+84912345678", role="system_admin"))
            _unavailable(await c.get("/api/v1/me", headers=token))
            _unavailable(await c.get("/api/v1/users", headers=token))
    finally:
        await app.state.engine.dispose()
        await session.execute(text(f"DROP ROLE {role}"))
        await session.commit()

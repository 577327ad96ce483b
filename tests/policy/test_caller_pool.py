"""Where the caller's statement runs: one connection per authenticated request, whatever the route.

A route that needs no session (``GET /me``) reads the caller on a connection borrowed from the
pool for that one statement (backend/core/db.pooled_driver_connection, PostgreSQL); a route
with a session reads it on the session's connection. Either way a request takes one connection
from the pool, never two, and a connection lost while idle answers 503, not 500, and is not
handed out again.
"""

import uuid

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import create_async_engine

from backend.core.db import make_session_factory
from backend.models import User
from backend.policy import caller as caller_module
from tests.conftest import IS_PG
from tests.factories import auth, make_user


class Checkouts:
    """Counts the connections a request takes from the app's pool."""

    def __init__(self, engine) -> None:
        self.pool, self.count = engine.sync_engine.pool, 0

    def _seen(self, *_args) -> None:
        self.count += 1

    def __enter__(self):
        event.listen(self.pool, "checkout", self._seen)
        return self

    def __exit__(self, *_exc):
        event.remove(self.pool, "checkout", self._seen)


@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/users", "/api/v1/teams"])
async def test_an_authenticated_request_takes_one_connection(app, client, session, path):
    admin = await make_user(session, role="system_admin")
    await session.commit()
    headers = auth(app, admin)
    assert (await client.get(path, headers=headers)).status_code == 200  # the pool is warm
    with Checkouts(app.state.engine) as seen:
        r = await client.get(path, headers=headers)
    assert r.status_code == 200, r.text
    assert seen.count == 1


async def test_only_routes_without_a_session_skip_it(app, client, session):
    user = await make_user(session, role="system_admin")
    await session.commit()
    headers = auth(app, user)
    read = {"pooled": 0, "session": 0}
    pooled, in_session = caller_module._read_pooled, caller_module.read_caller

    async def count_pooled(*args, **kwargs):
        read["pooled"] += 1
        return await pooled(*args, **kwargs)

    async def count_session(*args, **kwargs):
        read["session"] += 1
        return await in_session(*args, **kwargs)

    caller_module._read_pooled, caller_module.read_caller = count_pooled, count_session
    try:
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        assert (await client.get("/api/v1/users", headers=headers)).status_code == 200
    finally:
        caller_module._read_pooled, caller_module.read_caller = pooled, in_session
    # On PostgreSQL /me needs no session; SQLite always reads in the request's session.
    assert read == ({"pooled": 1, "session": 1} if IS_PG else {"pooled": 0, "session": 2})


async def test_a_deactivated_account_is_refused_at_once_on_either_path(app, client, session):
    user = await make_user(session, role="system_admin")
    await session.commit()
    headers = auth(app, user)
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
    user.is_active = False
    await session.commit()
    for path in ("/api/v1/me", "/api/v1/users"):
        r = await client.get(path, headers=headers)
        assert r.status_code == 401 and r.json()["code"] == "unauthorized", path


@pytest.mark.skipif(not IS_PG, reason="the raw reads are PostgreSQL's")
@pytest.mark.parametrize("path", ["/api/v1/me", "/api/v1/users"])  # pooled read, session read
async def test_a_connection_lost_while_idle_answers_503_then_the_next_request_works(
    app, client, session, database_url, path
):
    user = await make_user(session, role="system_admin")
    await session.commit()
    headers = auth(app, user)
    # One connection in the pool, so the request is sure to get the one that is killed.
    one = create_async_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=2)
    app.state.engine, app.state.session_factory = one, make_session_factory(one)
    try:
        assert (await client.get(path, headers=headers)).status_code == 200
        async with one.connect() as conn:
            pid = await conn.scalar(text("SELECT pg_backend_pid()"))
        # The server ends that connection while it sits idle in the pool.
        await session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await session.commit()
        r = await client.get(path, headers=headers)
        assert r.status_code == 503, r.text
        assert r.json()["code"] == "database_unavailable" and int(r.headers["retry-after"]) > 0
        assert one.sync_engine.pool.checkedout() == 0  # nothing left borrowed
        again = await client.get(path, headers=headers)
        assert again.status_code == 200, again.text
    finally:
        await one.dispose()


async def test_an_unknown_account_is_refused_without_a_connection_left_borrowed(app, client):
    stranger = User(id=uuid.uuid4(), phone="+84912345670", role="system_admin")
    r = await client.get("/api/v1/me", headers=auth(app, stranger))
    assert r.status_code == 401
    assert app.state.engine.sync_engine.pool.checkedout() == 0

"""The request's session (backend/core/db.get_session): committed once when the route has
built its answer, rolled back when the route fails, and never opened by a route that does not
use it. A small app of its own on the suite's database, so each ending can be forced."""

from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI, Request
from sqlalchemy import event, func, select

from backend.core.db import SessionDep, get_session
from backend.core.errors import DomainError, Invalid
from backend.models.rollup import RollupWatermark as Mark


def _tag(name: str) -> Mark:
    # Any small table does: a row per ending, named after it.
    return Mark(source=name, value=datetime.now(UTC))


def _app(app) -> FastAPI:
    small = FastAPI()
    small.state.session_factory = app.state.session_factory

    @small.post("/ok")
    async def ok(session: SessionDep):
        session.add(_tag("ok"))
        return {"done": True}

    @small.post("/boom")
    async def boom(session: SessionDep):
        session.add(_tag("boom"))
        await session.flush()
        raise RuntimeError("after the write")

    @small.post("/invalid")
    async def invalid(session: SessionDep):
        session.add(_tag("invalid"))
        await session.flush()
        raise Invalid(code="nope")

    @small.post("/kept")
    async def kept(session: SessionDep):
        session.add(_tag("kept"))
        await session.flush()
        raise DomainError(code="kept", status=409, persist=True)  # like a failed sign-in

    @small.get("/idle")
    async def idle(session: SessionDep):
        return {"idle": True}

    return small  # no error handlers: every failure is a 500 here, the endings are the point


async def _names(session) -> list[str]:
    return sorted((await session.scalars(select(Mark.source))).all())


@pytest.fixture
async def small(app):
    transport = httpx.ASGITransport(app=_app(app), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def test_endings(app, small, session):
    assert (await small.post("/ok")).status_code == 200
    assert (await small.post("/boom")).status_code == 500
    assert (await small.post("/invalid")).status_code == 500
    assert (await small.post("/kept")).status_code == 500
    await session.rollback()
    # Committed: the route that answered and the domain error that asks to persist; rolled
    # back: the crash after a write and the ordinary domain error.
    assert await _names(session) == ["kept", "ok"]


async def test_an_unused_session_takes_no_connection(app, small):
    checkouts = []
    engine = app.state.engine.sync_engine
    listener = lambda *_a: checkouts.append(1)  # noqa: E731
    event.listen(engine, "checkout", listener)
    try:
        assert (await small.get("/idle")).status_code == 200
        assert checkouts == []
        assert (await small.post("/ok")).status_code == 200
        assert checkouts == [1]
    finally:
        event.remove(engine, "checkout", listener)


async def test_outside_a_route_it_refuses(app):
    scope = {"type": "http", "app": _app(app), "headers": [], "method": "GET", "path": "/"}
    with pytest.raises(RuntimeError):
        await get_session(Request(scope))


async def test_the_commit_happens_before_the_answer(app, session):
    # The answer is only sent once the commit is done: a client that got its 200 reads the row.
    seen = []
    small = _app(app)

    @small.post("/count")
    async def count(session: SessionDep):
        session.add(_tag("counted"))
        return {"ok": True}

    async def send_after(message):
        if message["type"] == "http.response.start":
            async with app.state.session_factory() as other:
                seen.append(await other.scalar(select(func.count()).select_from(Mark)))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "path": "/count",
        "raw_path": b"/count",
        "query_string": b"",
        "headers": [],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
        "scheme": "http",
        "root_path": "",
    }

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    await small(scope, receive, send_after)
    assert seen == [1]

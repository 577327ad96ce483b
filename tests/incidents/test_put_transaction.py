"""A new report sends no BEGIN or COMMIT on PostgreSQL (backend/core/db.get_statement_session).

Its one write is one statement (backend/incidents/journal_pg.py), atomic on its own, so the
route's session lets each statement commit by itself: two round trips fewer per report. The
connection goes back to the pool as it came (the next request's session has its transaction),
and behind PgBouncer in transaction mode (no prepared statements kept) the transaction stays.
"""

import contextlib

import asyncpg
import httpx
import pytest

from backend.core.db import make_statement_session_factory
from backend.main import create_app
from tests.conftest import IS_PG
from tests.factories import auth
from tests.incidents.world import act, report

pg_only = pytest.mark.skipif(not IS_PG, reason="statements commit one by one on PostgreSQL only")


class Sent:
    """The statements asyncpg sends with ``execute`` (BEGIN and COMMIT among them)."""

    def __init__(self, monkeypatch) -> None:
        self.queries: list[str] = []
        original = asyncpg.connection.Connection.execute

        async def execute(conn, query, *args, **kwargs):
            self.queries.append(query.strip().upper())
            return await original(conn, query, *args, **kwargs)

        monkeypatch.setattr(asyncpg.connection.Connection, "execute", execute)

    def transactions(self) -> list[str]:
        ends = ("BEGIN", "COMMIT", "ROLLBACK")
        return [q.rstrip(";") for q in self.queries if q.startswith(ends)]


@contextlib.asynccontextmanager
async def served(settings, user, **changes):
    app = create_app(settings.model_copy(update=changes))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            # The pool's first connection is opened (and SQLAlchemy's first-connect queries
            # run, in a transaction of their own) before anything is counted.
            assert (await client.get("/api/v1/me", headers=auth(app, user))).status_code == 200
            yield app, client
    finally:
        await app.state.engine.dispose()


@pg_only
async def test_a_new_report_sends_no_begin_and_leaves_the_connection_as_it_came(
    settings, city, monkeypatch
):
    # One connection in the pool: the request after the report gets the very same one.
    async with served(settings, city.member_a, db_pool_size=1, db_max_overflow=0) as (app, client):
        sent = Sent(monkeypatch)
        r = await report(client, app, city.member_a, house_id=str(city.house_a.id))
        assert r.status_code == 201, r.text
        assert sent.transactions() == []
        again = await report(
            client, app, city.member_a, r.json()["id"], house_id=str(city.house_a.id)
        )
        assert again.status_code == 200  # a re-send: reads only, still no transaction
        assert sent.transactions() == []
        # An ordinary route on that connection still runs in a transaction of its own.
        moved = await act(client, app, city.officer_gx, r.json()["id"], "triage")
        assert moved.status_code == 200, moved.text
        assert [q.split()[0] for q in sent.transactions()] == ["BEGIN", "COMMIT"]


@pg_only
async def test_behind_pgbouncer_a_report_keeps_its_transaction(settings, city, monkeypatch):
    # Transaction mode: a statement's prepare and execute may only share a server connection
    # inside a transaction.
    async with served(settings, city.member_a, db_statement_cache_size=0) as (app, client):
        assert app.state.statement_session_factory is None
        sent = Sent(monkeypatch)
        r = await report(client, app, city.member_a, house_id=str(city.house_a.id))
        assert r.status_code == 201, r.text
        assert [q.split()[0] for q in sent.transactions()] == ["BEGIN", "COMMIT"]


async def test_only_postgresql_with_prepared_statements_gets_such_sessions(app, settings):
    factory = make_statement_session_factory(app.state.engine, settings)
    assert (factory is not None) == IS_PG

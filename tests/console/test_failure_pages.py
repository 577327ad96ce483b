"""What the console shows when the database fails under a page: a page in words with the
request's id (503 with Retry-After when the database is away or stopped the statement, 500 for a
bug), never the API's problem JSON."""

import logging
from contextlib import contextmanager

import asyncpg.exceptions as pg
import pytest
from sqlalchemy import event
from sqlalchemy import exc as sa_exc

from tests.console.conftest import sign_in
from tests.factories import auth


@contextmanager
def failing(app, error: Exception, wrapper=sa_exc.OperationalError):
    def fail(*_args, **_kw):
        raise wrapper("SELECT 1", {}, error)

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", fail)


def _page(r, status: int):
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("text/html")
    assert r.headers["x-content-type-options"] == "nosniff"  # the console's headers too
    # The id the officer can quote is the one the log line carries.
    assert r.headers["x-request-id"][:12] in r.text
    return r.text


@pytest.mark.parametrize(
    ("error", "code", "words"),
    [
        (pg.TooManyConnectionsError("too many clients"), "database_unavailable", "tạm thời"),
        (pg.QueryCanceledError("statement timeout"), "database_timeout", "quá lâu"),
    ],
)
async def test_a_database_that_fails_is_a_503_page(client, app, city, error, code, words):
    await sign_in(client, city.officer_x)
    with failing(app, error):
        r = await client.get("/dashboard")
    text = _page(r, 503)
    assert code in text and words in text
    assert int(r.headers["retry-after"]) > 0
    assert (await client.get("/dashboard")).status_code == 200  # and back when it is


async def test_a_bug_under_a_page_is_a_500_page_and_logged(client, app, city, caplog):
    await sign_in(client, city.officer_x)
    with (
        caplog.at_level(logging.ERROR),
        failing(app, Exception("syntax error at or near"), sa_exc.ProgrammingError),
    ):
        r = await client.get("/dashboard")
    assert "internal_error" in _page(r, 500)
    assert "Traceback" not in r.text and "syntax error" not in r.text
    logged = [rec for rec in caplog.records if rec.getMessage() == "unhandled error"]
    assert logged and logged[0].exc_info is not None


async def test_the_api_keeps_its_problem_json(client, app, city):
    with failing(app, pg.TooManyConnectionsError("too many clients")):
        r = await client.get("/api/v1/teams", headers=auth(app, city.officer_x))
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")

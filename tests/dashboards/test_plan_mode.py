"""Reads of a period and a subtree are planned for their own values on PostgreSQL.

After a prepared statement's fifth run PostgreSQL may switch to one generic plan for every
value; for a year of a city's teams that plan was a nested loop that ran 91 s instead of
0.16 s (the periodic report's team table at the documented scale, bench/bench_pages.py's
city). The report's generation and every union desk page therefore ask for plans made for
the values at hand (``backend.core.db.plan_for_parameters``; the pages' side is tested in
tests/console/test_union_pages.py).
"""

from datetime import date

import pytest
from sqlalchemy import event, text

from backend.core.db import plan_for_parameters
from backend.dashboards import report
from backend.policy.subject import load_subject


async def _mode(session) -> str:
    return await session.scalar(text("SHOW plan_cache_mode"))


async def test_the_report_is_generated_with_plans_for_its_period(session, world):
    if session.bind.dialect.name != "postgresql":
        pytest.skip("plan_cache_mode is PostgreSQL's")
    author = await load_subject(session, world.officer_d1)
    assert await _mode(session) == "auto"
    await report.generate(
        session,
        author=author,
        unit=world.d1,
        kind="year",
        first=date(2026, 1, 1),
        last=date(2026, 12, 31),
    )
    assert await _mode(session) == "force_custom_plan"
    await session.rollback()
    # The session's later transactions too (a request that commits and reads on keeps it).
    assert await _mode(session) == "force_custom_plan"


async def test_plans_per_values_last_the_session_and_leave_with_it(app):
    if app.state.engine.dialect.name != "postgresql":
        pytest.skip("plan_cache_mode is PostgreSQL's")
    engine = app.state.engine
    async with app.state.session_factory() as session:
        await plan_for_parameters(session)
        await plan_for_parameters(session)  # asked twice (page and caller): set once
        assert await _mode(session) == "force_custom_plan"
        await session.commit()
        assert await _mode(session) == "force_custom_plan"
        await session.rollback()
        assert await _mode(session) == "force_custom_plan"
        raw = await session.connection()
        pid = await raw.scalar(text("SELECT pg_backend_pid()"))
    # SET LOCAL: the pooled connection's next user plans as it likes (that connection found
    # among the idle ones by its server process id).
    idle = [await engine.connect() for _ in range(engine.pool.checkedin())]
    try:
        modes = {
            await c.scalar(text("SELECT pg_backend_pid()")): await c.scalar(
                text("SHOW plan_cache_mode")
            )
            for c in idle
        }
    finally:
        for c in idle:
            await c.close()
    assert modes[pid] == "auto"
    async with app.state.session_factory() as other:
        assert await _mode(other) == "auto"


async def test_a_session_without_a_transaction_is_left_as_it_is(app):
    # The incident route's statements commit one by one: SET LOCAL there would only warn.
    factory = getattr(app.state, "statement_session_factory", None)
    if factory is None:
        pytest.skip("statement sessions are PostgreSQL's, with prepared statements")
    sent = []
    engine = app.state.engine.sync_engine

    def count(conn, cursor, statement, *args):
        sent.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        async with factory() as session:
            await plan_for_parameters(session)
            assert sent == []
            assert await _mode(session) == "auto"
        async with app.state.session_factory() as session:
            await plan_for_parameters(session)
            assert await _mode(session) == "force_custom_plan"
    finally:
        event.remove(engine, "before_cursor_execute", count)

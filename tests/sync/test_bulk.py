"""Bulk inserts on both engines: every key stored once, the keys that were new reported."""

from datetime import UTC, datetime

from sqlalchemy import select

from backend.models import LoginAttempt
from backend.sync.bulk import insert_ignore, insert_rows_ignore

AT = datetime(2026, 1, 1, tzinfo=UTC)
NAMES = ("id", "phone_index", "client_ip", "created_at")


async def _stored(session) -> list[tuple]:
    rows = await session.execute(
        select(LoginAttempt.id, LoginAttempt.phone_index).order_by(LoginAttempt.id)
    )
    return [tuple(r) for r in rows]


async def test_fresh_rows_are_stored_and_reported(session):
    rows = [(1, "a", "x", AT), (2, "b", "x", AT)]
    assert await insert_rows_ignore(session, LoginAttempt, NAMES, rows, fresh=True) == {1, 2}
    await session.commit()
    assert await _stored(session) == [(1, "a"), (2, "b")]


async def test_a_key_taken_meanwhile_falls_back_without_half_writing(session):
    """``fresh`` is the caller's belief; a concurrent batch may have stored a key since."""
    await insert_rows_ignore(session, LoginAttempt, NAMES, [(2, "b", "x", AT)])
    rows = [(1, "a", "y", AT), (2, "b-other", "y", AT), (3, "c", "y", AT)]
    assert await insert_rows_ignore(session, LoginAttempt, NAMES, rows, fresh=True) == {1, 3}
    await session.commit()  # the transaction survived the failed fast path
    assert await _stored(session) == [(1, "a"), (2, "b"), (3, "c")]


async def test_insert_ignore_takes_dicts_and_skips_stored_keys(session):
    first = [{"id": 5, "phone_index": "p", "client_ip": "i", "created_at": AT}]
    assert await insert_ignore(session, LoginAttempt, first) == {5}
    again = [*first, {"id": 6, "phone_index": "q", "client_ip": "i", "created_at": AT}]
    assert await insert_ignore(session, LoginAttempt, again) == {6}
    assert await insert_ignore(session, LoginAttempt, []) == set()
    await session.commit()
    assert await _stored(session) == [(5, "p"), (6, "q")]

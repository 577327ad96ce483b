"""A sign-in that cannot get a password-hashing slot in time answers 503 with Retry-After.

Fifty phones at once on two cores queued behind argon2 for up to a minute; now a sign-in waits
at most ``auth_hash_wait_seconds`` and is told when to come back. Nothing is counted against the
phone: it never had its password checked.
"""

import asyncio
import contextlib
import time

import pytest
from sqlalchemy import func, select

from backend.core import security
from backend.models import LoginAttempt
from tests.accounts.flows import assert_problem, mobile_login, password_login
from tests.console.conftest import csrf_of
from tests.factories import PASSWORD, make_user

WAIT = 0.3


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"auth_hash_wait_seconds": WAIT})


@contextlib.asynccontextmanager
async def every_slot_taken():
    """Hold every hashing slot, as fifty sign-ins in progress would."""
    holders = [object() for _ in range(int(security._HASHING.total_tokens))]
    for holder in holders:
        await security._HASHING.acquire_on_behalf_of(holder)
    try:
        yield
    finally:
        for holder in holders:
            security._HASHING.release_on_behalf_of(holder)


async def _attempts(session) -> int:
    return await session.scalar(select(func.count()).select_from(LoginAttempt))


async def test_api_sign_in_answers_503_when_no_slot_comes_and_works_after(client, session):
    user = await make_user(session, phone="+84912345670")
    await session.commit()
    async with every_slot_taken():
        started = time.monotonic()
        # Bounded here too: without the server's bound these would wait forever.
        for r in (
            await asyncio.wait_for(password_login(client, user.phone), 10),
            await asyncio.wait_for(mobile_login(client, user.phone), 10),
        ):
            assert_problem(r, 503, "server_busy")
            assert r.headers["retry-after"] == str(security.BUSY_RETRY_AFTER_SECONDS)
            assert r.json()["retry_after"] == security.BUSY_RETRY_AFTER_SECONDS
        waited = time.monotonic() - started
        assert 2 * WAIT <= waited < 2 * WAIT + 5  # each waited its bound, then gave up
    assert await _attempts(session) == 0  # no password was checked: nothing counted
    r = await password_login(client, user.phone)
    assert r.status_code == 200, r.text


async def test_console_sign_in_says_busy_in_vietnamese(client, session):
    user = await make_user(session, phone="+84912345671", role="city_officer")
    await session.commit()
    page = await client.get("/login")
    form = {"phone": user.phone, "password": PASSWORD, "csrf_token": csrf_of(page.text)}
    async with every_slot_taken():
        r = await asyncio.wait_for(client.post("/login", data=form), 10)
    assert r.status_code == 503
    assert r.headers["retry-after"] == str(security.BUSY_RETRY_AFTER_SECONDS)
    assert "Máy chủ đang bận" in r.text
    r = await client.post("/login", data=form)
    assert r.status_code == 303, r.text
